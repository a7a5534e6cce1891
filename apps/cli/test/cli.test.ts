/**
 * The commands end to end, in-process through `run(argv, io)`, against a loopback server implementing the
 * backend contract: exit codes, `--json` documents, what is saved and written, and that no key or token
 * is ever printed.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALICE, ALICE_TOKEN, type FakeBackend, startFakeBackend } from "./support/fake-backend.js";
import { type CliResult, cli, tempDir } from "./support/test-io.js";

let backend: FakeBackend;
let work: { path: string; remove: () => Promise<void> };
let configDir: string;
let project: string;

beforeEach(async () => {
  backend = await startFakeBackend();
  work = await tempDir();
  configDir = join(work.path, "config");
  project = work.path;
});
afterEach(async () => {
  await backend.close();
  await work.remove();
});

const SECRETS = () => [ALICE_TOKEN, ...backend.state.services.map((service) => service.nextKey)];

/** Runs the CLI; no output of any run may contain a token or a key. */
async function tributary(argv: string[], env: Record<string, string | undefined> = {}, stdin?: string): Promise<CliResult> {
  const result = await cli(argv, { cwd: project, env: { TRIBUTARY_CONFIG_DIR: configDir, ...env }, ...(stdin === undefined ? {} : { stdin }) });
  for (const secret of SECRETS()) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

const loggedIn = () => ({ TRIBUTARY_URL: backend.url, TRIBUTARY_TOKEN: ALICE_TOKEN });
const json = (result: CliResult) => JSON.parse(result.stdout) as Record<string, unknown>;

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe("usage", () => {
  it("--help and --version exit 0", async () => {
    const help = await tributary(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: tributary");
    expect(help.stdout).toContain("Exit codes:");
    const version = await tributary(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("usage errors exit 2, as JSON under --json", async () => {
    expect((await tributary(["frobnicate"])).code).toBe(2);
    expect((await tributary(["connectors"])).code).toBe(2);
    const missing = await tributary(["connectors", "connect"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument");
    const extra = await tributary(["connectors", "connect", "a", "b", "--json"]);
    expect(extra.code).toBe(2);
    expect(json(extra)).toEqual({ error: { code: "usage", message: expect.stringContaining("too many arguments") } });
    const badOption = await tributary(["sync", "--bogus", "--json"]);
    expect(badOption.code).toBe(2);
    expect(json(badOption).error).toMatchObject({ code: "usage" });
    expect(badOption.stderr).toBe("");
    const badUrl = await tributary(["login", "--token", "x", "--url", "ftp://example", "--json"]);
    expect(badUrl.code).toBe(2);
  });
});

describe("login, logout, status", () => {
  it("login --token checks the token, saves url and token (dir 700, file 600), prints no token", async () => {
    const result = await tributary(["login", "--token", ALICE_TOKEN, "--url", `${backend.url}/`, "--json"]);
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({ url: backend.url, user: ALICE, config_path: join(configDir, "config.json") });
    expect(JSON.parse(await readFile(join(configDir, "config.json"), "utf8"))).toEqual({ url: backend.url, token: ALICE_TOKEN });
    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(configDir, "config.json"))).mode & 0o777).toBe(0o600);
    expect(backend.state.requests.at(-1)).toMatchObject({ method: "GET", path: "/api/me", authorization: `Bearer ${ALICE_TOKEN}` });
    expect(await readdir(configDir)).toEqual(["config.json"]);

    const human = await tributary(["status"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Logged in as ${ALICE.name} <${ALICE.email}>`);
    expect(human.stdout).toContain(`Backend: ${backend.url}`);
    expect(human.stdout).toContain("Service connectors: 0 connected (of 2)");
  });

  it("login --token - reads the token from standard input", async () => {
    const result = await tributary(["login", "--token", "-", "--url", backend.url], {}, `${ALICE_TOKEN}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${backend.url} as ${ALICE.name}`);
    expect(JSON.parse(await readFile(join(configDir, "config.json"), "utf8")).token).toBe(ALICE_TOKEN);
  });

  it("a rejected token exits 3 and saves nothing", async () => {
    const result = await tributary(["login", "--token", "trb_pat_wrong", "--url", backend.url, "--json"]);
    expect(result.code).toBe(3);
    expect(json(result)).toEqual({ error: { code: "token_rejected", message: expect.stringContaining("rejected this token") } });
    await expect(stat(join(configDir, "config.json"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(result.stdout).not.toContain("trb_pat_wrong");
  });

  it("an unreachable backend exits 4", async () => {
    const url = await closedPortUrl();
    const login = await tributary(["login", "--token", ALICE_TOKEN, "--url", url, "--json"]);
    expect(login.code).toBe(4);
    expect(json(login)).toEqual({ error: { code: "backend_unreachable", message: expect.stringContaining(url) } });
    const status = await tributary(["status"], { TRIBUTARY_URL: url, TRIBUTARY_TOKEN: ALICE_TOKEN });
    expect(status.code).toBe(4);
    expect(status.stderr).toMatch(/Cannot reach the backend .*ECONNREFUSED/);
  });

  it("not logged in exits 3 on every command that needs the backend", async () => {
    for (const argv of [["status"], ["connectors", "list"], ["connectors", "connect", "purchase_orders"], ["sync"]]) {
      const result = await tributary([...argv, "--json"], { TRIBUTARY_URL: backend.url });
      expect(result.code).toBe(3);
      expect(json(result)).toEqual({ error: { code: "not_logged_in", message: expect.stringContaining("tributary login") } });
    }
    expect(backend.state.requests).toEqual([]);
  });

  it("TRIBUTARY_URL and TRIBUTARY_TOKEN override the saved config", async () => {
    await tributary(["login", "--token", ALICE_TOKEN, "--url", backend.url]);
    const other = await startFakeBackend();
    try {
      other.state.tokens = new Map([["trb_pat_other", { id: "u_bob", email: "bob@example.com", name: "Bob" }]]);
      const result = await tributary(["status", "--json"], { TRIBUTARY_URL: other.url, TRIBUTARY_TOKEN: "trb_pat_other" });
      expect(result.code).toBe(0);
      expect(json(result)).toMatchObject({ url: other.url, user: { email: "bob@example.com" }, token_source: "env" });
    } finally {
      await other.close();
    }
  });

  it("a token revoked on the backend exits 3", async () => {
    await tributary(["login", "--token", ALICE_TOKEN, "--url", backend.url]);
    backend.state.tokens.clear();
    const result = await tributary(["connectors", "list", "--json"]);
    expect(result.code).toBe(3);
    expect(json(result)).toEqual({ error: { code: "unauthorized", message: expect.stringContaining("tributary login") } });
  });

  it("logout forgets the token but keeps the URL", async () => {
    await tributary(["login", "--token", ALICE_TOKEN, "--url", backend.url]);
    const result = await tributary(["logout", "--json"]);
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({ logged_out: true, had_token: true });
    expect(JSON.parse(await readFile(join(configDir, "config.json"), "utf8"))).toEqual({ url: backend.url });
    expect((await tributary(["status"])).code).toBe(3);
    expect(json(await tributary(["logout", "--json"]))).toMatchObject({ had_token: false });
  });

  it("a corrupt config file is a clear error", async () => {
    await tributary(["login", "--token", ALICE_TOKEN, "--url", backend.url]);
    await writeFile(join(configDir, "config.json"), "{not json");
    const result = await tributary(["status", "--json"]);
    expect(result.code).toBe(1);
    expect(json(result)).toEqual({ error: { code: "config_invalid", message: expect.stringContaining("not valid JSON") } });
  });
});

describe("connectors", () => {
  it("list, connect, disconnect", async () => {
    const list = await tributary(["connectors", "list", "--json"], loggedIn());
    expect(list.code).toBe(0);
    const services = json(list).services as { id: string; status: string; env: unknown }[];
    expect(services.map((service) => [service.id, service.status])).toEqual([
      ["purchase_orders", "not_connected"],
      ["invoicing", "not_connected"],
    ]);
    expect(services[0]!.env).toEqual({ api_key: "PO_API_KEY", base_url: "PO_API_BASE_URL" });

    const connect = await tributary(["connectors", "connect", "purchase_orders", "--json"], loggedIn());
    expect(connect.code).toBe(0);
    expect(json(connect).service).toMatchObject({ id: "purchase_orders", status: "connected", expires_at: "2026-04-01T00:00:00.000Z" });
    expect(backend.state.requests.at(-1)).toMatchObject({ method: "POST", path: "/api/service-connectors/connect", body: { service_id: "purchase_orders" } });

    const table = await tributary(["connectors", "list"], loggedIn());
    expect(table.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+EXPIRES\s+KEY\s+ENV$/m);
    expect(table.stdout).toMatch(/^purchase_orders\s+Purchase orders\s+connected\s+2026-04-01\s+po_l…1111\s+PO_API_KEY, PO_API_BASE_URL$/m);
    expect(table.stdout).toMatch(/^invoicing\s+Invoicing\s+not connected\s+-\s+-\s+INVOICING_API_KEY, INVOICING_API_BASE_URL$/m);

    const disconnect = await tributary(["connectors", "disconnect", "purchase_orders", "--json"], loggedIn());
    expect(disconnect.code).toBe(0);
    expect(json(disconnect)).toMatchObject({ service: { status: "not_connected" }, revoked: true, message: "The key was revoked." });
  });

  it("an unknown service exits 1 with the backend's error", async () => {
    const result = await tributary(["connectors", "connect", "nope", "--json"], loggedIn());
    expect(result.code).toBe(1);
    expect(json(result)).toEqual({ error: { code: "not_found", message: 'No service connector "nope"' } });
    const human = await tributary(["connectors", "disconnect", "nope"], loggedIn());
    expect(human.code).toBe(1);
    expect(human.stderr).toBe('tributary: No service connector "nope"\n');
  });
});

describe("sync", () => {
  const envFile = () => join(project, ".env");
  const skillFile = () => join(project, ".claude", "rules", "sc_purchase_orders.md");

  it("delivers keys and skills, is idempotent, and removes them after disconnect", async () => {
    await writeFile(envFile(), "# my settings\nFOO=bar\n");
    await tributary(["connectors", "connect", "purchase_orders"], loggedIn());

    const first = await tributary(["sync", "--json"], loggedIn());
    expect(first.code).toBe(0);
    expect(json(first)).toEqual({
      dry_run: false,
      env_file: { path: envFile(), changed: true, entries: 2, mode_tightened: false },
      skills: { written: ["sc_purchase_orders.md"], removed: [], unchanged: [] },
      expired: [],
      shadowed: [],
    });
    const env = await readFile(envFile(), "utf8");
    expect(env).toMatch(/^# my settings\nFOO=bar\n# --- SERVICE CONNECTOR START ---\n/);
    expect(env).toContain("PO_API_KEY='po_live_secret_key_1111111111'\nPO_API_BASE_URL='http://127.0.0.1:4100'\n");
    expect(await readFile(skillFile(), "utf8")).toBe(backend.state.services[0]!.skillContent);

    const second = await tributary(["sync", "--json"], loggedIn());
    expect(json(second)).toMatchObject({ env_file: { changed: false }, skills: { written: [], unchanged: ["sc_purchase_orders.md"] } });

    const human = await tributary(["sync"], loggedIn());
    expect(human.stdout).toBe(`${envFile()}: unchanged (2 variables)\n1 skill file unchanged\n`);

    await tributary(["connectors", "disconnect", "purchase_orders"], loggedIn());
    const removal = await tributary(["sync"], loggedIn());
    expect(removal.code).toBe(0);
    expect(removal.stdout).toContain("removed .claude/rules/sc_purchase_orders.md");
    expect(await readFile(envFile(), "utf8")).toBe("# my settings\nFOO=bar\n");
    expect(await readdir(join(project, ".claude", "rules"))).toEqual([]);
  });

  it("--dir picks the project; --dry-run writes nothing and shows a redacted diff", async () => {
    await tributary(["connectors", "connect", "purchase_orders"], loggedIn());
    const dry = await tributary(["sync", "--dry-run", "--dir", "."], loggedIn());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Dry run: nothing is written.");
    expect(dry.stdout).toContain("+PO_API_KEY='po_l…'");
    expect(dry.stdout).toContain("+PO_API_BASE_URL='http…'");
    expect(dry.stdout).toContain("would write .claude/rules/sc_purchase_orders.md");
    expect(await readdir(project)).toEqual([]);

    const dryJson = await tributary(["sync", "--dry-run", "--json", "--dir", project], loggedIn());
    expect(json(dryJson)).toMatchObject({ dry_run: true, env_file: { changed: true, entries: 2 }, skills: { written: ["sc_purchase_orders.md"] } });
    expect(await readdir(project)).toEqual([]);
  });

  it("warns about expired keys, which are not delivered", async () => {
    await tributary(["connectors", "connect", "purchase_orders"], loggedIn());
    backend.state.services[0]!.connection!.expired = true;
    const result = await tributary(["sync"], loggedIn());
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("the key for purchase_orders expired on 2026-04-01");
    expect(result.stderr).toContain("tributary connectors connect purchase_orders");
    const asJson = await tributary(["sync", "--json"], loggedIn());
    expect(json(asJson).expired).toEqual([{ service_id: "purchase_orders", expires_at: "2026-04-01T00:00:00.000Z" }]);
    expect(asJson.stderr).toBe("");
  });

  it("refuses a delivered value that would break the file, naming the variable, writing nothing", async () => {
    await writeFile(envFile(), "A=1\n");
    backend.state.deliveryOverride = {
      generated_at: "x",
      env: [{ name: "PO_API_KEY", value: "po_live_secret_key_1111111111'; touch /tmp/x; '", service_id: "purchase_orders" }],
      skills: [{ service_id: "purchase_orders", file_name: "sc_purchase_orders.md", content: "x" }],
      expired: [],
    };
    const result = await tributary(["sync", "--json"], loggedIn());
    expect(result.code).toBe(1);
    expect(json(result)).toEqual({
      error: { code: "invalid_value", message: expect.stringMatching(/PO_API_KEY: its value contains a single quote.*nothing was written/), field: "PO_API_KEY" },
    });
    expect(await readFile(envFile(), "utf8")).toBe("A=1\n");
    expect(await readdir(project)).toEqual([".env"]);
  });

  it("an unexpected delivery shape exits 1 and writes nothing", async () => {
    backend.state.deliveryOverride = { env: [{ name: "PO_API_KEY", value: 42, service_id: "po" }], skills: [] };
    const result = await tributary(["sync", "--json"], loggedIn());
    expect(result.code).toBe(1);
    expect(json(result)).toEqual({ error: { code: "unexpected_response", message: expect.stringContaining('"env[0].value"') } });
    expect(await readdir(project)).toEqual([]);
  });

  it("a .env symlink is refused through the command too (exit 1)", async () => {
    await tributary(["connectors", "connect", "purchase_orders"], loggedIn());
    const { symlink } = await import("node:fs/promises");
    await writeFile(join(project, "target"), "T=1\n");
    await symlink(join(project, "target"), envFile());
    const result = await tributary(["sync"], loggedIn());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is a symbolic link; refusing");
    expect(await readFile(join(project, "target"), "utf8")).toBe("T=1\n");
  });
});

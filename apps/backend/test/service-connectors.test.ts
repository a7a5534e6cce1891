import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPurchaseOrdersService, type RunningPurchaseOrdersService } from "@tributary/example-purchase-orders";
import { loadServiceRegistry, RegistryError } from "../src/service-connectors/service-registry.js";
import { freePort, signUp, startBackend, type JsonBody, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { pollUntil } from "./support/runs-connect-harness.js";

/**
 * Service connectors end to end: the backend against the repository's reference internal service
 * (token exchange, revocation, a purchase-order API that accepts the keys), plus a misbehaving service
 * for the failure modes, with home-folder delivery on.
 */
const secret = "po-shared-secret-for-tests-0123456789";
let scratch: string;
let dataFile: string;
let poPort: number;
let po: RunningPurchaseOrdersService;
let misbehaving: Server;
let misbehaviour: "garbage" | "slow" | "redirect" | "no-key" = "garbage";
let backend: RunningBackend;
let alice: TestUser;
let bob: TestUser;
let homeRoot: string;

const skill = "# Purchase orders\n\nUse PO_API_KEY from the environment.\n";

async function startPo(): Promise<void> {
  po = await startPurchaseOrdersService({ port: poPort, secret, dataFile });
}

async function poCall(key: string, path = "/api/purchase-orders?limit=1"): Promise<number> {
  return (await fetch(`${po.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).status;
}

async function delivery(user: TestUser): Promise<JsonBody> {
  const answer = await user.call("/api/service-connectors/delivery");
  expect(answer.status).toBe(200);
  return answer.body;
}

const keyOf = (body: JsonBody) => body.env.find((entry: JsonBody) => entry.name === "PO_API_KEY")?.value as string | undefined;
const connect = (user: TestUser, serviceId: string) => user.call("/api/service-connectors/connect", { body: { service_id: serviceId } });
const disconnect = (user: TestUser, serviceId: string) => user.call("/api/service-connectors/disconnect", { body: { service_id: serviceId } });

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "tributary-service-connectors-"));
  dataFile = join(scratch, "po-keys.json");
  poPort = await freePort();
  await startPo();

  misbehaving = createServer((request, response) => {
    if (misbehaviour === "slow") return; // never answers: the backend's timeout ends it
    if (misbehaviour === "redirect") {
      response.writeHead(307, { location: "http://127.0.0.1:9/steal" }).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(misbehaviour === "garbage" ? "<html>not json" : JSON.stringify({ status: "ok", token_id: "tok_1", expires_at: new Date(Date.now() + 86_400_000).toISOString() }));
  });
  await new Promise<void>((resolve) => misbehaving.listen(0, "127.0.0.1", resolve));
  const misbehavingUrl = `http://127.0.0.1:${(misbehaving.address() as { port: number }).port}`;

  const entry = (id: string, base: string, api: string) => ({
    id,
    name: id.replaceAll("_", " "),
    description: `The ${id} service`,
    base_url: base,
    health_url: `${base}/health`,
    env: { api_key: `${api}_API_KEY`, base_url: `${api}_API_BASE_URL` },
    skill_file: "sc_purchase_orders.md",
    ttl_days: 30,
  });
  const registry = join(scratch, "registry.json");
  await writeFile(
    registry,
    JSON.stringify([
      { ...entry("purchase_orders", po.url, "PO"), ttl_days: 90 },
      entry("crm", "http://127.0.0.1:9", "CRM"),
      entry("wrong_secret", po.url, "WRONG"),
      entry("misbehaving", misbehavingUrl, "ODD"),
    ]),
  );
  await writeFile(join(scratch, "sc_purchase_orders.md"), skill);
  homeRoot = join(scratch, "home");
  backend = await startBackend({
    SERVICE_CONNECTORS_REGISTRY: registry,
    SC_SECRET_PURCHASE_ORDERS: secret,
    SC_SECRET_WRONG_SECRET: "not-the-secret",
    SC_SECRET_MISBEHAVING: "whatever-secret",
    SERVICE_CONNECTORS_TIMEOUT_SECONDS: "1",
    SERVICE_CONNECTORS_HOME_ROOT: homeRoot,
    BACKEND_JOB_POLL_SECONDS: "1",
  });
  alice = await signUp(backend, "alice");
  bob = await signUp(backend, "bob");
  // Alice has a home folder on this "shared server", with a rule file of her own.
  await mkdir(join(homeRoot, alice.email.split("@")[0]!, ".claude_rules"), { recursive: true });
  await writeFile(join(homeRoot, alice.email.split("@")[0]!, ".claude_rules", "km_house_rules.md"), "mine\n");
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await po?.close();
  await new Promise<void>((resolve) => (misbehaving ? misbehaving.close(() => resolve()) : resolve()));
  await rm(scratch, { recursive: true, force: true });
});

describe("the registry", () => {
  it("lists every service with the user's state; one without its secret is unavailable, not an error", async () => {
    const answer = await alice.call("/api/service-connectors");
    expect(answer.status).toBe(200);
    const byId = Object.fromEntries(answer.body.services.map((service: JsonBody) => [service.id, service]));
    expect(byId.purchase_orders).toMatchObject({ available: true, status: "not_connected", env: { api_key: "PO_API_KEY", base_url: "PO_API_BASE_URL" } });
    expect(byId.crm).toMatchObject({ available: false, status: "not_connected" });
    expect(byId.crm.unavailable_reason).toContain("SC_SECRET_CRM");
    expect((await backend.test.databases.core.selectFrom("service_connections").selectAll().execute()).length).toBe(0);
  });

  it("is validated at start with one error naming each bad entry and field", async () => {
    const path = join(scratch, "bad-registry.json");
    await writeFile(
      path,
      JSON.stringify([
        { id: "Bad Id", name: "x", description: "x", base_url: "https://a.example", health_url: "https://a.example/h", env: { api_key: "A", base_url: "B" }, skill_file: "sc_a.md", ttl_days: 9 },
        { id: "plain", name: "x", description: "x", base_url: "http://internal.example", health_url: "https://a.example/h", env: { api_key: "lower", base_url: "B" }, skill_file: "sc_missing.md", ttl_days: 0 },
        { id: "insecure", name: "x", description: "x", base_url: "http://internal.example", health_url: "https://a.example/h", env: { api_key: "A", base_url: "B" }, skill_file: "sc_missing.md", ttl_days: 9 },
      ]),
    );
    let error: unknown;
    try {
      loadServiceRegistry({ path, environment: {}, allowInsecureHttp: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RegistryError);
    const message = (error as Error).message;
    for (const part of ["entry 0 (Bad Id): id", "entry 1 (plain): env.api_key", "entry 1 (plain): ttl_days", "entry 2 (insecure): base_url must be https", "entry 2 (insecure): skill_file sc_missing.md cannot be read"]) expect(message).toContain(part);
  });
});

describe("connect and disconnect", () => {
  it("connects: the key is issued, stored encrypted, delivered with the skill, and works against the service", async () => {
    const answer = await connect(alice, "purchase_orders");
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.service).toMatchObject({ id: "purchase_orders", status: "connected" });
    expect(answer.body.service.api_key_hint).toMatch(/…/);

    const delivered = await delivery(alice);
    const key = keyOf(delivered)!;
    expect(key).toMatch(/^po_live_/);
    expect(delivered.env).toContainEqual({ name: "PO_API_BASE_URL", value: po.url, service_id: "purchase_orders" });
    expect(delivered.skills).toEqual([{ service_id: "purchase_orders", file_name: "sc_purchase_orders.md", content: skill }]);
    expect(await poCall(key)).toBe(200);

    // At rest: an envelope, not the key; never in a log line; not in the list answer.
    const rows = await backend.test.databases.core.selectFrom("service_connections").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(rows[0]!.api_key_encrypted).toMatch(/^v1\./);
    expect(backend.logLines.join("\n")).not.toContain(key);
    expect(backend.logLines.join("\n")).not.toContain(secret);
    expect(JSON.stringify((await alice.call("/api/service-connectors")).body)).not.toContain(key);
    // Bob has nothing.
    expect((await delivery(bob)).env).toEqual([]);
  });

  it("writes the key and skill into the user's home folder (mode 600), touching no other rule file", async () => {
    const home = join(homeRoot, alice.email.split("@")[0]!);
    const env = await readFile(join(home, ".service_env"), "utf8");
    expect(env).toContain("PO_API_KEY='po_live_");
    expect((await stat(join(home, ".service_env"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, ".claude_rules", "sc_purchase_orders.md"))).mode & 0o777).toBe(0o600);
    expect((await readdir(join(home, ".claude_rules"))).sort()).toEqual(["km_house_rules.md", "sc_purchase_orders.md"]);
  });

  it("two connects at once yield one key; a later reconnect replaces the key and revokes the old one", async () => {
    const before = keyOf(await delivery(alice))!;
    const activeBefore = po.keys.active();
    const [first, second] = await Promise.all([connect(alice, "purchase_orders"), connect(alice, "purchase_orders")]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const after = keyOf(await delivery(alice))!;
    expect(after).not.toBe(before);
    // One new key issued, the old one revoked: as many active keys as before.
    expect(po.keys.active()).toBe(activeBefore);
    expect(await poCall(before)).toBe(401);
    expect(await poCall(after)).toBe(200);
    const audit = (await alice.call("/api/service-connectors/audit")).body.entries.map((entry: JsonBody) => entry.action);
    expect(audit.slice(0, 2)).toEqual(["revoke", "reconnect"]);
  });

  it("disconnects: revoked at the service, no longer delivered, removed from the home folder", async () => {
    const key = keyOf(await delivery(alice))!;
    const answer = await disconnect(alice, "purchase_orders");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ revoked: true, service: { status: "not_connected" } });
    expect(await poCall(key)).toBe(401);
    expect((await delivery(alice)).env).toEqual([]);
    const home = join(homeRoot, alice.email.split("@")[0]!);
    expect(await readdir(join(home, ".claude_rules"))).toEqual(["km_house_rules.md"]);
    await expect(stat(join(home, ".service_env"))).rejects.toThrow();
    const again = await disconnect(alice, "purchase_orders");
    expect(again.status).toBe(404);
    expect(again.body.error.field).toBe("service_id");
  });

  it("a disconnect while the service is down removes the key here at once and revokes it when the service is back", async () => {
    expect((await connect(bob, "purchase_orders")).status).toBe(200);
    const key = keyOf(await delivery(bob))!;
    await po.close();
    const answer = await disconnect(bob, "purchase_orders");
    expect(answer.status).toBe(200);
    expect(answer.body.revoked).toBe(false);
    expect(answer.body.message).toMatch(/will be retried/);
    expect((await delivery(bob)).env).toEqual([]);

    await startPo();
    await pollUntil(
      () => backend.test.databases.core.selectFrom("service_token_revocations").selectAll().execute(),
      (rows) => rows.length === 0,
      "the revocation to be retried",
    );
    expect(await poCall(key)).toBe(401);
    const actions = (await bob.call("/api/service-connectors/audit")).body.entries.map((entry: JsonBody) => entry.action);
    expect(actions).toEqual(["revoke", "revoke_failed", "disconnect", "connect"]);
  });

  it("shows an expired key as expired and does not deliver it", async () => {
    expect((await connect(alice, "purchase_orders")).status).toBe(200);
    await backend.test.databases.core.updateTable("service_connections").set({ expires_at: new Date(Date.now() - 1000) }).where("user_id", "=", alice.id).execute();
    const listed = (await alice.call("/api/service-connectors")).body.services.find((service: JsonBody) => service.id === "purchase_orders");
    expect(listed.status).toBe("expired");
    const delivered = await delivery(alice);
    expect(delivered.env).toEqual([]);
    expect(delivered.skills).toEqual([]);
    expect(delivered.expired).toEqual([{ service_id: "purchase_orders", expires_at: listed.expires_at }]);
  });
});

describe("failures", () => {
  it("answers clear errors and stores nothing when the service refuses, misbehaves or is not there", async () => {
    const cases: Array<[string, () => void, number, string]> = [
      ["wrong_secret", () => undefined, 502, "rejected_secret"],
      ["misbehaving", () => (misbehaviour = "garbage"), 502, "malformed_answer"],
      ["misbehaving", () => (misbehaviour = "no-key"), 502, "malformed_answer"],
      ["misbehaving", () => (misbehaviour = "redirect"), 502, "redirect"],
      ["misbehaving", () => (misbehaviour = "slow"), 502, "timeout"],
    ];
    for (const [service, arrange, status, reason] of cases) {
      arrange();
      const answer = await connect(bob, service);
      expect(answer.status, `${service} ${reason}`).toBe(status);
      expect(answer.body.error).toMatchObject({ code: "service_error", reason });
      expect(JSON.stringify(answer.body)).not.toContain("not-the-secret");
    }
    expect((await backend.test.databases.core.selectFrom("service_connections").selectAll().where("user_id", "=", bob.id).execute()).length).toBe(0);

    const unavailable = await connect(bob, "crm");
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error.message).toContain("SC_SECRET_CRM");
    const unknown = await connect(bob, "nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.field).toBe("service_id");
    const bad = await bob.call("/api/service-connectors/connect", { body: { service: "purchase_orders" } });
    expect(bad.status).toBe(400);
    expect((await fetch(`${backend.url}/api/service-connectors`)).status).toBe(401);
  });

  it("reports each service's health with its latency", async () => {
    misbehaviour = "garbage";
    const answer = await alice.call("/api/service-connectors/health/");
    const byId = Object.fromEntries(answer.body.services.map((service: JsonBody) => [service.id, service]));
    expect(byId.purchase_orders).toMatchObject({ status: "up", detail: null });
    expect(byId.purchase_orders.latency_ms).toBeGreaterThanOrEqual(0);
    expect(byId.crm).toMatchObject({ status: "unconfigured", latency_ms: null });
  });
});

describe("CLI login", () => {
  it("issues a personal access token through the device flow once the signed-in user approves the code", async () => {
    const started = await fetch(`${backend.url}/api/cli/device-codes`, { method: "POST" });
    const codes = (await started.json()) as JsonBody;
    expect(codes).toMatchObject({ user_code: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/), interval: 2, verification_uri: `${backend.url}/cli/device` });
    const poll = () => fetch(`${backend.url}/api/cli/device-codes/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ device_code: codes.device_code }) });
    const pending = await poll();
    expect(pending.status).toBe(400);
    expect(((await pending.json()) as JsonBody).error.code).toBe("authorization_pending");
    expect(((await (await poll()).json()) as JsonBody).error.code).toBe("slow_down");

    const page = await fetch(codes.verification_uri_complete as string);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain(codes.user_code);
    const approved = await alice.call("/api/cli/device-codes/approve", { body: { user_code: (codes.user_code as string).toLowerCase().replace("-", " ") } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    const redeemed = (await pollUntil(poll, (response) => response.status === 200, "the token")).clone();
    const token = (await redeemed.json()) as JsonBody;
    expect(token.access_token).toMatch(/^trb_pat_/);
    expect(token.user).toEqual({ id: alice.id, email: alice.email, name: "alice" });
    const me = await fetch(`${backend.url}/api/me`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(await me.json()).toEqual({ id: alice.id, email: alice.email, name: "alice", authenticated_with: "access_token" });
    const reused = await poll();
    expect(((await reused.json()) as JsonBody).error.code).toBe("expired_token");
  });

  it("a denied code never yields a token", async () => {
    const codes = (await (await fetch(`${backend.url}/api/cli/device-codes`, { method: "POST" })).json()) as JsonBody;
    expect((await bob.call("/api/cli/device-codes/approve", { body: { user_code: codes.user_code, approve: false } })).status).toBe(200);
    const answer = await fetch(`${backend.url}/api/cli/device-codes/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ device_code: codes.device_code }) });
    expect(((await answer.json()) as JsonBody).error.code).toBe("access_denied");
    expect((await bob.call("/api/cli/device-codes/approve", { body: { user_code: "ZZZZ-ZZZZ" } })).status).toBe(404);
  });
});

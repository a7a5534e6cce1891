/**
 * The whole service-connector flow, with real parts only: the backend (in this process, fresh databases)
 * with the repository's reference purchase-order service behind it, and the CLI's commands in-process.
 * connect → key issued → `tributary sync` → `.env` holds the key, the skill file exists → the key works
 * against the PO API → disconnect → revoked (the PO API rejects it) → the next sync removes it.
 */
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPurchaseOrdersService, type RunningPurchaseOrdersService } from "@tributary/example-purchase-orders";
import { signUp, startBackend, type RunningBackend } from "../../backend/test/support/backend-harness.js";
import { cli, tempDir } from "./support/test-io.js";

const secret = "flow-test-shared-secret-0123456789";
let work: { path: string; remove: () => Promise<void> };
let po: RunningPurchaseOrdersService;
let backend: RunningBackend;
let project: string;
let env: Record<string, string>;

/** The shipped registry, with the purchase-order service at the port this test's instance got. */
async function registryFor(url: string): Promise<string> {
  const shipped = new URL("../../../docs/service-connectors/", import.meta.url);
  const entries = JSON.parse(await readFile(new URL("registry.json", shipped), "utf8")) as Array<Record<string, unknown>>;
  const folder = join(work.path, "registry");
  await mkdir(folder);
  for (const entry of entries) {
    await writeFile(join(folder, entry.skill_file as string), await readFile(new URL(entry.skill_file as string, shipped), "utf8"));
  }
  const local = entries.map((entry) => (entry.id === "purchase_orders" ? { ...entry, base_url: url, health_url: `${url}/health` } : entry));
  await writeFile(join(folder, "registry.json"), JSON.stringify(local));
  return join(folder, "registry.json");
}

beforeAll(async () => {
  work = await tempDir("tributary-sc-flow-");
  po = await startPurchaseOrdersService({ secret, dataFile: join(work.path, "po-keys.json") });
  backend = await startBackend({ SERVICE_CONNECTORS_REGISTRY: await registryFor(po.url), SC_SECRET_PURCHASE_ORDERS: secret });
  project = join(work.path, "project");
  await mkdir(join(project, ".claude", "rules"), { recursive: true });
  await writeFile(join(project, ".env"), "# my settings\r\nDEBUG=1\r\n");
  await writeFile(join(project, ".claude", "rules", "km_team.md"), "team rules\n");
  const user = await signUp(backend, "analyst");
  const token = await user.call("/api/access-tokens", { body: { name: "cli" } });
  env = { TRIBUTARY_CONFIG_DIR: join(work.path, "config"), TRIBUTARY_URL: backend.url, TRIBUTARY_TOKEN: token.body.token as string };
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await po?.close();
  await work?.remove();
});

const keyIn = (text: string) => /^PO_API_KEY='([^']+)'/m.exec(text)?.[1];
const poStatus = async (key: string) => (await fetch(`${po.url}/api/purchase-orders?limit=1`, { headers: { authorization: `Bearer ${key}` } })).status;

describe("service connectors through the CLI", () => {
  it("connects, syncs the key and the skill, uses the key, disconnects, and the next sync removes it", async () => {
    const listed = await cli(["connectors", "list", "--json"], { cwd: project, env });
    expect(listed.code, listed.stderr).toBe(0);
    const services = JSON.parse(listed.stdout).services as Array<{ id: string; available: boolean }>;
    expect(services.find((service) => service.id === "purchase_orders")?.available).toBe(true);

    expect((await cli(["connectors", "connect", "purchase_orders"], { cwd: project, env })).code).toBe(0);
    const synced = await cli(["sync", "--json"], { cwd: project, env });
    expect(synced.code, synced.stderr).toBe(0);
    const dotenv = await readFile(join(project, ".env"), "utf8");
    expect(dotenv.startsWith("# my settings\r\nDEBUG=1\r\n# --- SERVICE CONNECTOR START ---\r\n")).toBe(true);
    expect(dotenv).toContain(`PO_API_BASE_URL='${po.url}'`);
    const key = keyIn(dotenv)!;
    expect(key).toMatch(/^po_live_/);
    expect((await stat(join(project, ".env"))).mode & 0o777).toBe(0o600);
    expect((await readdir(join(project, ".claude", "rules"))).sort()).toEqual(["km_team.md", "sc_purchase_orders.md"]);
    expect(await readFile(join(project, ".claude", "rules", "sc_purchase_orders.md"), "utf8")).toContain("PO_API_KEY");
    // The key is never printed.
    expect(synced.stdout + synced.stderr).not.toContain(key);
    expect(await poStatus(key)).toBe(200);

    // A second sync changes nothing.
    const again = await cli(["sync", "--json"], { cwd: project, env });
    expect(JSON.parse(again.stdout).env_file.changed).toBe(false);

    expect((await cli(["connectors", "disconnect", "purchase_orders"], { cwd: project, env })).code).toBe(0);
    expect(await poStatus(key)).toBe(401);
    expect((await cli(["sync"], { cwd: project, env })).code).toBe(0);
    expect(await readFile(join(project, ".env"), "utf8")).toBe("# my settings\r\nDEBUG=1\r\n");
    expect(await readdir(join(project, ".claude", "rules"))).toEqual(["km_team.md"]);
  });
});

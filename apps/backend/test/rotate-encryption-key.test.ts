import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyIdOf, parseEncryptionKey, SecretBox } from "@tributary/crypto";
import type { AppContext } from "../src/app-context.js";
import { rotateEncryptionKey, secretBoxFromConfig } from "../src/commands/rotate-encryption-key.js";
import { CredentialsVault, credentialsAssociatedData } from "../src/data-sources/credentials-vault.js";
import { loadDataSourceForRun } from "../src/data-sources/data-sources-service.js";
import { keyAssociatedData } from "../src/service-connectors/service-connectors-service.js";
import { openDatabases, type Databases } from "../src/db/databases.js";
import { migrateToLatest } from "../src/db/migrator.js";
import { signUp, startBackend, type RunningBackend, type TestUser } from "./support/backend-harness.js";
import { startConnectWithSimulators, type ConnectWithSimulators } from "./support/connect-harness.js";
import { createTestDatabases } from "./support/test-databases.js";

const keyA = "a1".repeat(32);
const keyB = "b2".repeat(32);
const keyC = "c3".repeat(32);
const idOf = (hex: string) => keyIdOf(parseEncryptionKey(hex));

/** Starting connect, the simulators and a backend on fresh databases takes a while on a busy machine. */
const startupTimeoutMs = 180_000;

let connect: ConnectWithSimulators;
let backend: RunningBackend;
let alice: TestUser;
let workspaceId: string;
const created: Array<{ id: string; credentials: Record<string, string> }> = [];

beforeAll(async () => {
  connect = await startConnectWithSimulators();
  backend = await startBackend({ ...connect.env, DATASOURCES_ENCRYPTION_KEY: keyA });
  alice = await signUp(backend, "rotator");
  workspaceId = (await alice.call("/api/workspaces", { body: { name: "Keys" } })).body.id;
  for (const [connector, demo] of [["github", connect.github], ["slack", connect.slack], ["github", connect.github]] as const) {
    const response = await alice.call(`/api/workspaces/${workspaceId}/data-sources`, { body: { connector, name: `${connector} ${created.length}`, credentials: demo.credentials, config: demo.config } });
    expect(response.status).toBe(201);
    created.push({ id: response.body.id, credentials: demo.credentials });
  }
}, startupTimeoutMs);

afterAll(async () => {
  await backend?.close();
  await connect?.close();
}, startupTimeoutMs);

const envelopes = async () =>
  new Map((await backend.test.databases.core.selectFrom("data_sources").select(["id", "credentials_encrypted"]).execute()).map((row) => [row.id, row.credentials_encrypted]));

describe("rotate-encryption-key", () => {
  it("re-encrypts every credential under the new key in batches, the same credentials inside; a second run does nothing", async () => {
    const before = await envelopes();
    for (const envelope of before.values()) expect(envelope.startsWith(`v1.${idOf(keyA)}.`)).toBe(true);

    const boxB = secretBoxFromConfig({ ...backend.config, encryptionKey: keyB, previousEncryptionKeys: [keyA] });
    const lines: string[] = [];
    const report = await rotateEncryptionKey(backend.test.databases, boxB, { batchSize: 2, log: (line) => lines.push(line) });
    expect(report).toEqual({ activeKeyId: idOf(keyB), rotated: 3, failed: [], serviceKeysRotated: 0 });
    expect(lines).toHaveLength(2);

    const after = await envelopes();
    const onlyB = new SecretBox({ activeKey: parseEncryptionKey(keyB) });
    for (const { id, credentials } of created) {
      const envelope = after.get(id)!;
      expect(onlyB.keyIdOfEnvelope(envelope)).toBe(idOf(keyB));
      expect(envelope).not.toBe(before.get(id));
      expect(JSON.parse(onlyB.decrypt(envelope, credentialsAssociatedData(id)))).toEqual(credentials);
    }
    // What the runs dispatcher of a backend on key B reads.
    const context = { databases: backend.test.databases, secretBox: onlyB } as unknown as AppContext;
    expect((await loadDataSourceForRun(context, workspaceId, created[1]!.id)).credentials).toEqual(connect.slack.credentials);

    expect(await rotateEncryptionKey(backend.test.databases, boxB)).toEqual({ activeKeyId: idOf(keyB), rotated: 0, failed: [], serviceKeysRotated: 0 });
    expect(await envelopes()).toEqual(after);
  });

  it("a backend that only has the old key cannot decrypt them: a typed error naming the key id, never a secret", async () => {
    const { id } = created[0]!;
    const response = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${id}/validate`, { method: "POST" });
    expect(response.status).toBe(500);
    expect(response.body.error).toMatchObject({ code: "credentials_unreadable", reason: "unknown_key", key_id: idOf(keyB) });
    expect(response.body.error.message).toContain("DATASOURCES_ENCRYPTION_KEY_PREVIOUS");
    const text = JSON.stringify(response.body);
    for (const secret of [connect.github.credentials.token!, keyA, keyB]) expect(text).not.toContain(secret);
    // Reading the view needs no decryption.
    expect((await alice.call(`/api/workspaces/${workspaceId}/data-sources/${id}`)).status).toBe(200);
    // Re-entering the credentials does not need the old ones: it recovers the data source.
    const reentered = await alice.call(`/api/workspaces/${workspaceId}/data-sources/${id}`, { method: "PATCH", body: { credentials: connect.github.credentials } });
    expect(reentered.status).toBe(200);
    expect((await envelopes()).get(id)!.startsWith(`v1.${idOf(keyA)}.`)).toBe(true);
  });

  it("reports a credential no configured key opens by row id and key id, and rotates the others", async () => {
    const stray = randomUUID();
    const boxC = new SecretBox({ activeKey: parseEncryptionKey(keyC) });
    await backend.test.databases.core
      .insertInto("data_sources")
      .values({
        id: stray,
        workspace_id: workspaceId,
        connector: "github",
        name: "Under a lost key",
        sql_name: "github_lost_key",
        config: "{}",
        credentials_encrypted: new CredentialsVault(boxC).seal(stray, connect.github.credentials).envelope,
        credentials_hint: "{}",
        streams: null,
        account: null,
        granted_scopes: null,
        validated_at: null,
        schedule_cron: null,
        next_run_at: null,
        created_by: alice.id,
      })
      .execute();
    const boxB = secretBoxFromConfig({ ...backend.config, encryptionKey: keyB, previousEncryptionKeys: [keyA] });
    const report = await rotateEncryptionKey(backend.test.databases, boxB, { batchSize: 1 });
    // The one re-entered under key A in the previous test moves to B; the stray one cannot.
    expect(report.rotated).toBe(1);
    expect(report.failed).toEqual([{ id: stray, reason: expect.stringContaining(idOf(keyC)) }]);
    expect(JSON.stringify(report)).not.toContain(connect.github.credentials.token!);
    expect((await rotateEncryptionKey(backend.test.databases, boxB)).rotated).toBe(0);
  });
});

describe("rotate-encryption-key and service connector keys", () => {
  it("re-encrypts stored service keys too, bound to their user and service", async () => {
    const boxA = new SecretBox({ activeKey: parseEncryptionKey(keyA) });
    const apiKey = "po_live_rotation-canary-0123456789abcdef";
    await backend.test.databases.core
      .insertInto("service_connections")
      .values({
        user_id: alice.id,
        service_id: "purchase_orders",
        user_email: "rotator@example.com",
        api_key_encrypted: boxA.encrypt(apiKey, keyAssociatedData(alice.id, "purchase_orders")),
        api_key_hint: "po_l…cdef",
        token_id: "tok_rotation",
        connected_at: new Date(),
        expires_at: new Date(Date.now() + 86_400_000),
      })
      .execute();
    const boxB = secretBoxFromConfig({ ...backend.config, encryptionKey: keyB, previousEncryptionKeys: [keyA] });
    const report = await rotateEncryptionKey(backend.test.databases, boxB, { batchSize: 1 });
    expect(report.serviceKeysRotated).toBe(1);
    expect(JSON.stringify(report)).not.toContain(apiKey);
    const row = await backend.test.databases.core.selectFrom("service_connections").select("api_key_encrypted").where("user_id", "=", alice.id).executeTakeFirstOrThrow();
    expect(row.api_key_encrypted.startsWith(`v1.${idOf(keyB)}.`)).toBe(true);
    expect(new SecretBox({ activeKey: parseEncryptionKey(keyB) }).decrypt(row.api_key_encrypted, keyAssociatedData(alice.id, "purchase_orders"))).toBe(apiKey);
    expect((await rotateEncryptionKey(backend.test.databases, boxB)).serviceKeysRotated).toBe(0);
  });
});

describe("the rotate-encryption-key command", () => {
  const backendRoot = fileURLToPath(new URL("..", import.meta.url));
  let dataDirectory: string;

  beforeAll(() => {
    dataDirectory = mkdtempSync(join(tmpdir(), "tributary-rotate-"));
  });

  afterAll(() => {
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  /**
   * The databases the command will work on: the machine's PostgreSQL in production mode when
   * TEST_DATABASE_URL is set, else an embedded install's PGlite folder (which one process at a time
   * may open, so the test closes it around each command).
   */
  async function installation() {
    const test = await createTestDatabases();
    if (test.urls) {
      const env = {
        DATABASE_URL: test.urls.auth,
        CORE_DATABASE_URL: test.urls.core,
        ENABLE_MIGRATIONS: "false",
        BETTER_AUTH_SECRET: "rotate-test-secret-rotate-test-secret-01",
        BETTER_AUTH_URL: "http://127.0.0.1:3000",
        FRONTEND_URL: "http://127.0.0.1:8080",
        CONNECT_SERVICE_TOKEN: "rotate-test-connect-token",
      };
      return { env, open: async () => test.databases, release: async () => undefined, dispose: () => test.dispose() };
    }
    await test.dispose();
    const location = { kind: "pglite", directory: join(dataDirectory, "pglite") } as const;
    let open: Databases | undefined;
    return {
      env: { TRIBUTARY_DATA_DIR: dataDirectory },
      open: async () => (open ??= await openDatabases(location)),
      release: async () => {
        await open?.close();
        open = undefined;
      },
      dispose: async () => {
        await open?.close();
      },
    };
  }

  it("re-encrypts every credential under the new key, printing the count; names what it cannot open and exits 1", { timeout: startupTimeoutMs }, async () => {
    const install = await installation();
    try {
      const id = randomUUID();
      const credentials = { token: "xoxb-rotation-canary-0123456789" };
      const databases = await install.open();
      await migrateToLatest(databases);
      const workspace = randomUUID();
      await databases.core.insertInto("workspaces").values({ id: workspace, name: "Installed", created_by: "someone" }).execute();
      const envelopeA = new CredentialsVault(new SecretBox({ activeKey: parseEncryptionKey(keyA) })).seal(id, credentials).envelope;
      await databases.core
        .insertInto("data_sources")
        .values({
          id,
          workspace_id: workspace,
          connector: "slack",
          name: "Slack",
          sql_name: "slack",
          config: "{}",
          credentials_encrypted: envelopeA,
          credentials_hint: "{}",
          streams: null,
          account: null,
          granted_scopes: null,
          validated_at: null,
          schedule_cron: null,
          next_run_at: null,
          created_by: "someone",
        })
        .execute();
      await install.release();

      const command = (keys: Record<string, string>) =>
        promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts", "rotate-encryption-key"], {
          cwd: backendRoot,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...install.env, ...keys },
          timeout: startupTimeoutMs / 2,
        });
      const first = await command({ DATASOURCES_ENCRYPTION_KEY: keyB, DATASOURCES_ENCRYPTION_KEY_PREVIOUS: keyA });
      expect(first.stdout).toContain(`re-encrypted 1 data source credential(s) and 0 service connector key(s) under key ${idOf(keyB)}`);
      for (const secret of [credentials.token, keyA, keyB]) expect(first.stdout + first.stderr).not.toContain(secret);
      // (A second run re-encrypting nothing is shown above, in process.) A key change that forgot the
      // previous key: the row cannot be opened, the command names it and the key it needs, and exits 1.
      const failure = await command({ DATASOURCES_ENCRYPTION_KEY: keyC }).then(
        () => expect.unreachable("the command should have failed"),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failure.code).toBe(1);
      expect(failure.stdout).toContain(`data source ${id}: `);
      expect(failure.stdout).toContain(idOf(keyB));
      for (const secret of [credentials.token, keyA, keyB, keyC]) expect(failure.stdout + failure.stderr).not.toContain(secret);

      const row = await (await install.open()).core.selectFrom("data_sources").select("credentials_encrypted").where("id", "=", id).executeTakeFirstOrThrow();
      expect(new CredentialsVault(new SecretBox({ activeKey: parseEncryptionKey(keyB) })).open(id, row.credentials_encrypted)).toEqual(credentials);
    } finally {
      await install.dispose();
    }
  });
});

/**
 * `npm start`: the whole platform on one machine with embedded defaults: the backend (PGlite databases
 * and secrets under .tributary/), connect (the local-folder object store), and the four provider
 * simulators, so a new user can mirror a demo source without a third-party account.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemoSimulators } from "@tributary/simulators";
import { embeddedSecrets } from "../apps/backend/src/embedded-secrets.js";
import { connectNodeFlags } from "../apps/connect/src/node-flags.js";
import { startPurchaseOrdersService } from "@tributary/example-purchase-orders";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const connectPort = process.env.CONNECT_PORT ?? "8000";
const backendPort = process.env.BACKEND_PORT ?? "3000";
const connectHost = process.env.HOST ?? "127.0.0.1";
const dataDirectory = resolve(repoRoot, process.env.TRIBUTARY_DATA_DIR ?? ".tributary");
// The backend and connect must share the token; the embedded one is kept in the data folder.
const serviceToken = process.env.CONNECT_SERVICE_TOKEN || embeddedSecrets(dataDirectory).connectServiceToken || randomBytes(24).toString("hex");
const simulatorsBasePort = Number(process.env.SIMULATORS_BASE_PORT ?? "9101");
const localStorage = resolve(repoRoot, process.env.CONNECT_LOCAL_STORAGE_DIR ?? ".tributary/object-store");

const simulators = await startDemoSimulators(simulatorsBasePort);

// The reference internal service (purchase orders) for the service-connector demo; its shared secret is
// made for this run and given to the backend as SC_SECRET_PURCHASE_ORDERS (keys it issued stay valid).
const purchaseOrdersSecret = randomBytes(24).toString("hex");
const purchaseOrders = await startPurchaseOrdersService({
  port: Number(process.env.PO_PORT ?? "9201"),
  secret: purchaseOrdersSecret,
  dataFile: resolve(dataDirectory, "example-purchase-orders.json"),
});
// The shipped registry, with the purchase-order service at the address it really got (PO_PORT).
const registryFolder = resolve(dataDirectory, "service-connectors");
mkdirSync(registryFolder, { recursive: true });
const shippedRegistry = resolve(repoRoot, "docs/service-connectors");
const registryEntries = JSON.parse(readFileSync(resolve(shippedRegistry, "registry.json"), "utf8")) as Array<{ id: string; skill_file: string }>;
for (const entry of registryEntries) copyFileSync(resolve(shippedRegistry, entry.skill_file), resolve(registryFolder, entry.skill_file));
writeFileSync(
  resolve(registryFolder, "registry.json"),
  JSON.stringify(registryEntries.map((entry) => (entry.id === "purchase_orders" ? { ...entry, base_url: purchaseOrders.url, health_url: `${purchaseOrders.url}/health` } : entry)), null, 2),
);

const connect = spawn(process.execPath, [...connectNodeFlags, "--import", "tsx", "apps/connect/src/main.ts"], {
  cwd: repoRoot,
  env: {
    ...process.env,
    HOST: connectHost,
    PORT: connectPort,
    CONNECT_SERVICE_TOKEN: serviceToken,
    CONNECT_LOCAL_STORAGE_DIR: localStorage,
  },
  stdio: ["ignore", "pipe", "inherit"],
});

const backend = spawn(process.execPath, ["--import", "tsx", "apps/backend/src/main.ts"], {
  cwd: repoRoot,
  env: {
    ...process.env,
    HOST: connectHost,
    PORT: backendPort,
    TRIBUTARY_DATA_DIR: dataDirectory,
    CONNECT_SERVICE_URL: `http://${connectHost}:${connectPort}`,
    CONNECT_SERVICE_TOKEN: serviceToken,
    CONNECT_LOCAL_STORAGE_DIR: localStorage,
    SC_SECRET_PURCHASE_ORDERS: purchaseOrdersSecret,
    SERVICE_CONNECTORS_REGISTRY: resolve(registryFolder, "registry.json"),
  },
  stdio: ["ignore", "pipe", "inherit"],
});

const listening = new Set<string>();
for (const [name, child] of [["connect", connect], ["backend", backend]] as const) {
  createInterface({ input: child.stdout! }).on("line", (line) => {
    console.log(`[${name}] ${line}`);
    if (!listening.has(name) && line.includes("Server listening")) {
      listening.add(name);
      if (listening.size === 2) announce();
    }
  });
}

function announce(): void {
  const base = `http://${connectHost}:${connectPort}`;
  // A token the user chose stays out of the terminal; the generated demo token is shown so curl works.
  const shownToken = process.env.CONNECT_SERVICE_TOKEN ? "$CONNECT_SERVICE_TOKEN" : serviceToken;
  const lines = [
    "",
    "Tributary is running.",
    `  backend      http://${connectHost}:${backendPort}   (API reference: http://${connectHost}:${backendPort}/api/docs)`,
    `  connect      ${base}   (service token: ${process.env.CONNECT_SERVICE_TOKEN ? "from CONNECT_SERVICE_TOKEN" : `kept in ${dataDirectory}/embedded-secrets.json`})`,
    ...simulators.map(({ connector, simulator }) => `  ${connector.padEnd(12)} ${simulator.url}   (simulator)`),
    `  purchase orders ${purchaseOrders.url}   (reference internal service, for service connectors)`,
    "",
    "Sign up and create a workspace (the cookie jar keeps the session):",
    `  curl -c /tmp/tributary.cookies -H 'content-type: application/json' -H 'origin: http://${connectHost}:${backendPort}' \\\n    -d '{"email":"me@example.com","password":"a long password","name":"Me"}' http://${connectHost}:${backendPort}/api/auth/sign-up/email`,
    `  curl -b /tmp/tributary.cookies -H 'content-type: application/json' -H 'origin: http://${connectHost}:${backendPort}' -d '{"name":"Demo"}' http://${connectHost}:${backendPort}/api/workspaces`,
    "",
    "Add the GitHub simulator as a data source (validated through connect, credentials encrypted), sync it, follow the run",
    "(WS is the workspace id answered above, DS the data source id, RUN the run id):",
    (() => {
      const github = simulators.find((entry) => entry.connector === "github")!;
      const api = `http://${connectHost}:${backendPort}/api/workspaces/$WS`;
      const body = JSON.stringify({ connector: "github", name: "GitHub demo", credentials: github.credentials, config: { ...github.config, api_base_url: github.simulator.url } });
      const session = `-b /tmp/tributary.cookies -H 'content-type: application/json' -H 'origin: http://${connectHost}:${backendPort}'`;
      return [
        `  curl ${session} -d '${body}' ${api}/data-sources`,
        `  curl ${session} -d '{}' ${api}/data-sources/$DS/runs`,
        `  curl -b /tmp/tributary.cookies ${api}/runs/$RUN          # status, per-stream counts`,
        `  curl -b /tmp/tributary.cookies ${api}/data-sources/$DS/catalogue   # tables, columns, entity views`,
        "Query it with SQL (each data source is a schema, each stream a view; CSV, JSON lines and Parquet exports too):",
        `  curl ${session} -d '{"sql":"SELECT state, count(*) AS issues FROM github.issues GROUP BY ALL"}' ${api}/query`,
        `  curl ${session} -d '{"sql":"SELECT * FROM entities.people","format":"csv"}' ${api}/query`,
      ].join("\n");
    })(),
    "",
    "Connect the purchase-order service and deliver its key and skill to this folder (a personal access token for the CLI):",
    `  curl -b /tmp/tributary.cookies -H 'content-type: application/json' -H 'origin: http://${connectHost}:${backendPort}' -d '{"service_id":"purchase_orders"}' http://${connectHost}:${backendPort}/api/service-connectors/connect`,
    `  curl -b /tmp/tributary.cookies -H 'content-type: application/json' -H 'origin: http://${connectHost}:${backendPort}' -d '{"name":"cli"}' http://${connectHost}:${backendPort}/api/access-tokens`,
    `  npx tributary login --url http://${connectHost}:${backendPort} --token $TOKEN && npx tributary sync   # writes .env and .claude/rules/sc_purchase_orders.md`,
    "",
    "connect directly:",
    `  curl ${base}/health`,
    `  curl -X POST ${base}/internal/mirror-connections/ping            # 401 without the token`,
    `  curl -H "x-connect-service-token: ${shownToken}" ${base}/internal/connectors`,
    "",
    "Validate a demo token against each simulator:",
    ...simulators.map(({ connector, simulator, credentials, config }) => {
      const body = JSON.stringify({ connector, credentials, config: { ...config, api_base_url: simulator.url } });
      return `  curl -X POST -H "x-connect-service-token: ${shownToken}" -H 'content-type: application/json' \\\n    -d '${body}' \\\n    ${base}/internal/mirror-connections/validate`;
    }),
    "",
    "Mirror the GitHub demo dataset into the local object store (NDJSON progress events):",
    (() => {
      const github = simulators.find((entry) => entry.connector === "github")!;
      const body = JSON.stringify({
        run_id: "demo-run-1",
        connector: "github",
        credentials: github.credentials,
        config: { ...github.config, api_base_url: github.simulator.url },
        storage: { kind: "local", workspace_id: "demo", connection_id: "github" },
      });
      return `  curl -N -X POST -H "x-connect-service-token: ${shownToken}" -H 'content-type: application/json' \\\n    -d '${body}' \\\n    ${base}/internal/ingestion-runs`;
    })(),
    `  ls -R ${localStorage}/demo/github   # Parquet parts and manifests (change run_id to run again)`,
    "",
  ];
  console.log(lines.join("\n"));
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (connect.exitCode === null) connect.kill("SIGTERM");
  if (backend.exitCode === null) backend.kill("SIGTERM");
  await Promise.all(simulators.map(({ simulator }) => simulator.close()));
  await purchaseOrders.close();
  process.exit(code);
}

for (const [name, child] of [["connect", connect], ["backend", backend]] as const) {
  child.on("exit", (code) => {
    if (!stopping) {
      console.error(`${name} exited with code ${code}`);
      void stop(code ?? 1);
    }
  });
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

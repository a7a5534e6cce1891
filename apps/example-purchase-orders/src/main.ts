import { resolve } from "node:path";
import type { LevelWithSilent } from "pino";
import { KeyStoreError } from "./key-store.js";
import { startPurchaseOrdersService } from "./index.js";

/**
 * `npm start` in this folder: the example purchase-order service from the environment.
 * PO_SERVICE_SECRET (required) is the shared secret the platform knows as SC_SECRET_PURCHASE_ORDERS.
 */
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const env = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ""));

const secret = env.PO_SERVICE_SECRET ?? fail("PO_SERVICE_SECRET must be set (the shared secret of the token exchange; the platform's SC_SECRET_PURCHASE_ORDERS)");
const host = env.PO_HOST ?? "127.0.0.1";
const portText = env.PO_PORT ?? "9201";
const port = /^\d+$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : fail("PO_PORT must be a whole number between 0 and 65535");
const dataFile = resolve(env.PO_DATA_FILE ?? ".tributary/example-purchase-orders.json");
const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const logLevel = (env.PO_LOG_LEVEL ?? "info") as LevelWithSilent;
if (!levels.includes(logLevel)) fail(`PO_LOG_LEVEL must be one of ${levels.join(", ")}`);

let service;
try {
  service = await startPurchaseOrdersService({ host, port, secret, dataFile, logLevel });
} catch (error) {
  if (error instanceof KeyStoreError) fail(error.message);
  const code = (error as NodeJS.ErrnoException).code;
  fail(code === "EADDRINUSE" ? `PO_PORT ${port} is already in use on ${host}` : `cannot start on ${host}:${port}: ${(error as Error).message}`);
}

console.log(`example purchase-order service listening on ${service.url} (keys in ${dataFile}, ${service.keys.active()} active)`);

const running = service;
const stop = () => {
  running.close().then(
    () => process.exit(0),
    (error: unknown) => fail(`error while shutting down: ${(error as Error).message}`),
  );
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

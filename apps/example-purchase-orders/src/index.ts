import type { AddressInfo } from "node:net";
import type { DestinationStream, LevelWithSilent } from "pino";
import { KeyStore } from "./key-store.js";
import { PurchaseOrderBook } from "./purchase-orders.js";
import { buildPurchaseOrdersApp } from "./server.js";

export { buildPurchaseOrdersApp } from "./server.js";
export { KeyStore, KeyStoreError, apiKeyPattern, tokenIdPattern } from "./key-store.js";
export { PurchaseOrderBook, purchaseOrderStatuses } from "./purchase-orders.js";
export type { PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier } from "./purchase-orders.js";

export interface PurchaseOrdersServiceOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free port, see `url`). */
  port?: number;
  /** The shared secret of the token-exchange protocol (the platform's `SC_SECRET_PURCHASE_ORDERS`). */
  secret: string;
  /** The JSON file of issued keys (digests only); created on the first exchange. */
  dataFile: string;
  /** The clock for issuing and expiring keys and for order timestamps (tests move it). */
  now?: () => Date;
  /** Log level (default "silent"); the secret and the keys are never logged. */
  logLevel?: LevelWithSilent;
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
}

export interface RunningPurchaseOrdersService {
  /** Base URL, e.g. http://127.0.0.1:9201 (no trailing slash). */
  url: string;
  /** Stops listening and waits for pending writes of the data file. */
  close(): Promise<void>;
  keys: {
    /** Issued keys neither revoked nor expired right now. */
    active(): number;
  };
}

/** Starts the example purchase-order service: the token-exchange protocol plus the PO API. */
export async function startPurchaseOrdersService(options: PurchaseOrdersServiceOptions): Promise<RunningPurchaseOrdersService> {
  if (typeof options.secret !== "string" || options.secret.length === 0) throw new Error("the shared secret must not be empty");
  const now = options.now ?? (() => new Date());
  const keys = await KeyStore.open(options.dataFile, now);
  const app = await buildPurchaseOrdersApp({
    secret: options.secret,
    keys,
    book: new PurchaseOrderBook(now),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
  });
  try {
    await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  // A wildcard address is reachable on loopback; a URL with 0.0.0.0 or :: is not one to hand out.
  const host = address.address === "0.0.0.0" ? "127.0.0.1" : address.address === "::" ? "::1" : address.address;
  const url = `http://${address.family === "IPv6" ? `[${host}]` : host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await keys.flush();
      })();
      return closing;
    },
    keys: { active: () => keys.active() },
  };
}

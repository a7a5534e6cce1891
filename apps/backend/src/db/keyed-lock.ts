import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Databases } from "./databases.js";

/** Work holding a pooled connection for its advisory lock at once, per process and lock class. */
const pinnedConnections = 2;

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

interface LockState {
  tails: Map<string, Promise<void>>;
  pinned: Semaphore;
}

const lockStates = new WeakMap<Databases, Map<number, LockState>>();

/**
 * Runs `work` alone for `key` within a lock class: after the previous holder in this process (a promise
 * chain), and on PostgreSQL under a session advisory lock `(lockClass, 32 bits of the key)` taken on a
 * pinned connection, so replicas wait for each other too (a crashed holder's lock goes with its
 * connection). PGlite is one process's own database: the chain is enough, and pinning its single
 * connection would stall every other query. Two keys sharing 32 bits only wait for each other.
 */
export async function withKeyedLock<T>(databases: Databases, lockClass: number, key: string, work: () => Promise<T>): Promise<T> {
  let classes = lockStates.get(databases);
  if (!classes) {
    classes = new Map();
    lockStates.set(databases, classes);
  }
  let state = classes.get(lockClass);
  if (!state) {
    state = { tails: new Map(), pinned: new Semaphore(pinnedConnections) };
    classes.set(lockClass, state);
  }
  const previous = state.tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  state.tails.set(key, tail);
  try {
    await previous;
    if (databases.kind !== "postgres") return await work();
    const objectId = advisoryKey(key);
    return await state.pinned.run(() =>
      databases.core.connection().execute(async (connection) => {
        await sql`select pg_advisory_lock(${lockClass}::int, ${objectId}::int)`.execute(connection);
        try {
          return await work();
        } finally {
          await sql`select pg_advisory_unlock(${lockClass}::int, ${objectId}::int)`.execute(connection).catch(() => undefined);
        }
      }),
    );
  } finally {
    release();
    if (state.tails.get(key) === tail) state.tails.delete(key);
  }
}

/** 32 bits of the key: the leading hex of a UUID as the catalogue always used, else of its SHA-256. */
function advisoryKey(key: string): number {
  const hex = /^[0-9a-f]{8}-/i.test(key) ? key.slice(0, 8) : createHash("sha256").update(key).digest("hex").slice(0, 8);
  return Number.parseInt(hex, 16) | 0;
}

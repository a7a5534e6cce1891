import {
  storedCollections,
  type LinearOrganization,
  type LinearRecord,
  type LinearWorkspace,
  type StoredCollection,
} from "./linear-fixtures.js";

export type OrderField = "createdAt" | "updatedAt";

/** Records sorted as Linear pages them (newest first, ties by id), with each id's position. */
export interface Ordering {
  records: LinearRecord[];
  position: Map<string, number>;
}

/** Newest first; equal timestamps by id, descending, so the order is total and stable. */
function comparator(field: OrderField): (a: LinearRecord, b: LinearRecord) => number {
  return (a, b) => {
    const left = a[field];
    const right = b[field];
    if (left !== right) return left < right ? 1 : -1;
    return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
  };
}

/**
 * One collection, indexed by id and, lazily, by each order a connection can be asked for. Records are
 * immutable: a change replaces the object, so caches keyed on the object stay correct. Changed rows
 * are merged into an existing ordering (O(n)) rather than re-sorting everything.
 */
export class LinearTable {
  private readonly rows = new Map<string, LinearRecord>();
  private readonly orderings = new Map<OrderField, Ordering>();
  private readonly pending = new Set<string>();

  constructor(records: readonly LinearRecord[]) {
    for (const record of records) this.rows.set(record.id, record);
  }

  get size(): number {
    return this.rows.size;
  }

  get(id: string): LinearRecord | undefined {
    return this.rows.get(id);
  }

  /** Every record, in insertion order. */
  all(): LinearRecord[] {
    return [...this.rows.values()];
  }

  put(record: LinearRecord): void {
    this.rows.set(record.id, Object.freeze(record));
    if (this.orderings.size > 0) this.pending.add(record.id);
  }

  delete(id: string): boolean {
    const existed = this.rows.delete(id);
    if (existed && this.orderings.size > 0) this.pending.add(id);
    return existed;
  }

  ordering(field: OrderField): Ordering {
    if (this.pending.size > 0) this.mergePending();
    let ordering = this.orderings.get(field);
    if (!ordering) {
      const records = [...this.rows.values()].sort(comparator(field));
      ordering = { records, position: positions(records) };
      this.orderings.set(field, ordering);
    }
    return ordering;
  }

  private mergePending(): void {
    for (const [field, ordering] of this.orderings) {
      const compare = comparator(field);
      const changed = [...this.pending]
        .map((id) => this.rows.get(id))
        .filter((record): record is LinearRecord => record !== undefined)
        .sort(compare);
      const kept = ordering.records.filter((record) => !this.pending.has(record.id));
      const merged: LinearRecord[] = new Array(kept.length + changed.length);
      let left = 0;
      let right = 0;
      for (let index = 0; index < merged.length; index += 1) {
        const takeChanged =
          right < changed.length && (left >= kept.length || compare(changed[right] as LinearRecord, kept[left] as LinearRecord) < 0);
        merged[index] = takeChanged ? (changed[right++] as LinearRecord) : (kept[left++] as LinearRecord);
      }
      this.orderings.set(field, { records: merged, position: positions(merged) });
    }
    this.pending.clear();
  }
}

function positions(records: LinearRecord[]): Map<string, number> {
  const map = new Map<string, number>();
  records.forEach((record, index) => map.set(record.id, index));
  return map;
}

/**
 * The served workspace. `version` grows with every change so that rendered answers cached for one
 * version are never served for another.
 */
export class LinearStore {
  readonly organization: LinearOrganization;
  private readonly tables: Record<StoredCollection, LinearTable>;
  private changes = 0;

  constructor(workspace: LinearWorkspace) {
    this.organization = workspace.organization;
    this.tables = Object.fromEntries(
      storedCollections.map((name) => [name, new LinearTable((workspace[name] ?? []).map((record) => Object.freeze({ ...record })))]),
    ) as Record<StoredCollection, LinearTable>;
  }

  get version(): number {
    return this.changes;
  }

  table(collection: StoredCollection): LinearTable {
    return this.tables[collection];
  }

  get(collection: StoredCollection, id: string): LinearRecord | undefined {
    return this.tables[collection].get(id);
  }

  put(collection: StoredCollection, record: LinearRecord): void {
    this.tables[collection].put(record);
    this.changes += 1;
  }

  remove(collection: StoredCollection, id: string): void {
    if (this.tables[collection].delete(id)) this.changes += 1;
  }

  /** A copy of the current rows, in the fixtures' shape. */
  snapshot(): LinearWorkspace {
    const workspace = { organization: this.organization } as LinearWorkspace;
    for (const name of storedCollections) workspace[name] = this.tables[name].all();
    return workspace;
  }
}

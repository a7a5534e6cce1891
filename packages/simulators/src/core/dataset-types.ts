/**
 * Seeded, deterministic datasets. A simulator built with the same seed and sizes serves the same records
 * in the same order on every machine, so a test can compare a mirror with the ground truth exactly.
 */
export interface ChangeSpec {
  /** Seed of this change batch: the same seed on the same dataset makes the same changes. */
  seed: number;
  /** Per stream (or entity) name: how many records to insert, update and delete. */
  changes: Record<string, { inserts?: number; updates?: number; deletes?: number }>;
}

export interface ChangeSummary {
  /** Per stream: the primary keys (as JSON strings) inserted, updated and deleted. */
  applied: Record<string, { inserted: string[]; updated: string[]; deleted: string[] }>;
}

/** What a simulator with a dataset offers tests and the admin API, beside its routes. */
export interface DatasetControl {
  /** Mutates the dataset and advances the simulator's clock, as activity in the real service would. */
  applyChanges(spec: ChangeSpec): ChangeSummary;
  /** The records the mirror of `stream` must hold after a complete read, as the connector yields them. */
  groundTruth(stream: string): Record<string, unknown>[];
}

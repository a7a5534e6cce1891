/**
 * The Node flags connect runs with in production; the benchmark and `npm start` use this list, and the
 * connect package's `start` script repeats it (a package script cannot import it).
 *
 * - `--max-old-space-size=160`: the V8 heap's share of connect's 384 MiB RSS budget.
 * - `--initial-old-space-size=64` and `--heap-growing-percent=200` are for speed, not memory. Under the
 *   cap, V8 grows the old generation's limit by a factor of only 1.1-1.3 over its small live size
 *   (about 25 MB, mostly loaded libraries), so every few pages of garbage triggered a full mark-compact
 *   that re-marked those libraries. A limit three times the live size collects about three times less
 *   often, still under the cap (figures in docs/ingestion.md, "Memory").
 */
export const connectNodeFlags = ["--max-old-space-size=160", "--initial-old-space-size=64", "--heap-growing-percent=200"] as const;

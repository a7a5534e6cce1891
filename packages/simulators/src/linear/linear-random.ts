/**
 * Deterministic randomness for seeded datasets: the same seed gives the same ids, texts and timestamps
 * on every machine (mulberry32; no dependency on Math.random or the wall clock).
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // Mix the seed so that 1, 2, 3… do not start from neighbouring states.
    this.state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** `count` distinct items (all of them when there are fewer), in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    const wanted = Math.min(count, copy.length);
    for (let index = 0; index < wanted; index += 1) {
      const swap = index + Math.floor(this.next() * (copy.length - index));
      [copy[index], copy[swap]] = [copy[swap] as T, copy[index] as T];
    }
    return copy.slice(0, wanted);
  }

  /** A version-4-shaped UUID, as Linear's ids are. */
  uuid(): string {
    const hex = (length: number) => {
      let text = "";
      for (let index = 0; index < length; index += 1) text += Math.floor(this.next() * 16).toString(16);
      return text;
    };
    const variant = (8 + Math.floor(this.next() * 4)).toString(16);
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
  }

  words(min: number, max: number): string {
    const count = this.int(min, max);
    const chosen: string[] = [];
    for (let index = 0; index < count; index += 1) chosen.push(this.pick(vocabulary));
    return chosen.join(" ");
  }

  sentence(): string {
    const text = this.words(6, 16);
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }

  /** A title: a capitalised phrase without a full stop. */
  title(min = 3, max = 9): string {
    const text = this.words(min, max);
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  }

  /** Markdown of roughly `minChars`–`maxChars` characters: paragraphs, now and then a list or code. */
  markdown(minChars: number, maxChars: number): string {
    const target = this.int(minChars, maxChars);
    const blocks: string[] = [];
    let length = 0;
    while (length < target) {
      let block: string;
      const kind = this.next();
      if (kind < 0.15) {
        block = Array.from({ length: this.int(2, 4) }, () => `- ${this.title(3, 8)}`).join("\n");
      } else if (kind < 0.22) {
        block = `\`\`\`ts\nconst ${this.pick(vocabulary)} = await ${this.pick(vocabulary)}(${this.pick(vocabulary)});\n\`\`\``;
      } else {
        block = Array.from({ length: this.int(1, 4) }, () => this.sentence()).join(" ");
      }
      blocks.push(block);
      length += block.length + 2;
    }
    return blocks.join("\n\n");
  }
}

const vocabulary = [
  "sync", "mirror", "parquet", "bucket", "cursor", "page", "retry", "token", "schema", "column",
  "ingest", "backfill", "latency", "throughput", "manifest", "commit", "snapshot", "replica", "queue",
  "worker", "deadline", "budget", "window", "checkpoint", "state", "record", "stream", "partition",
  "index", "cache", "query", "filter", "export", "import", "release", "deploy", "rollback", "alert",
  "dashboard", "metric", "trace", "log", "error", "timeout", "upload", "download", "migration", "table",
  "user", "team", "project", "cycle", "issue", "comment", "label", "estimate", "priority", "review",
  "design", "spec", "onboarding", "billing", "invoice", "customer", "account", "settings", "search",
  "mobile", "desktop", "api", "webhook", "integration", "permissions", "audit", "storage", "memory",
  "the", "a", "for", "with", "when", "after", "before", "and", "or", "not", "into", "from", "on",
  "slow", "fast", "broken", "flaky", "missing", "duplicate", "stale", "large", "empty", "new", "old",
];

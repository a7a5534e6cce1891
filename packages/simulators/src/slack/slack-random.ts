/**
 * A small seeded generator (mulberry32): the same seed yields the same workspace on every machine, which
 * is what lets a test compare a mirror with the simulator's ground truth exactly.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** An uppercase alphanumeric string, as Slack IDs are after their one-letter prefix. */
  id(prefix: string, length = 10): string {
    let out = prefix;
    for (let index = 0; index < length; index += 1) out += idAlphabet[Math.floor(this.next() * idAlphabet.length)];
    return out;
  }

  /** A version-4-shaped UUID, as Slack's `client_msg_id`. */
  uuid(): string {
    let hex = "";
    for (let index = 0; index < 4; index += 1) hex += Math.floor(this.next() * 4_294_967_296).toString(16).padStart(8, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** A new 32-bit seed drawn from this stream, for values regenerated later (message texts). */
  seed(): number {
    return Math.floor(this.next() * 4_294_967_296) >>> 0;
  }
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

const words = [
  "deploy", "review", "the", "release", "dashboard", "customer", "quarter", "numbers", "ticket", "incident",
  "postmortem", "draft", "plan", "roadmap", "metrics", "latency", "budget", "hiring", "onboarding", "design",
  "feedback", "launch", "sprint", "backlog", "migration", "database", "pipeline", "invoice", "contract", "renewal",
  "meeting", "tomorrow", "today", "friday", "please", "thanks", "looks", "good", "to", "me", "can", "someone",
  "check", "why", "is", "failing", "again", "after", "merge", "we", "should", "ship", "it", "before", "freeze",
  "with", "a", "quick", "fix", "for", "flaky", "test", "on", "main", "branch", "and", "update", "docs", "notes",
];

/** A deterministic sentence of `minWords`..`maxWords` words, regenerated from its seed when rendered. */
export function sentenceFromSeed(seed: number, minWords = 6, maxWords = 60): string {
  const random = new SeededRandom(seed);
  const count = random.int(minWords, maxWords);
  const parts: string[] = [];
  for (let index = 0; index < count; index += 1) parts.push(random.pick(words));
  const first = parts[0] ?? "ok";
  parts[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return `${parts.join(" ")}${random.pick([".", ".", "!", "?"])}`;
}

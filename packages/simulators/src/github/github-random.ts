/**
 * Deterministic randomness and cheap hashing for the seeded dataset: the same seed gives the same
 * records on every machine and Node version (no Math.random, no platform-dependent hashing).
 */

/** Murmur3's 32-bit finalizer: spreads the bits of an integer. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines integers into one 32-bit hash (order matters). */
export function hashInts(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const value of values) h = mix32(h ^ mix32(value | 0) ^ Math.imul(h, 31));
  return h >>> 0;
}

/** Mulberry32: a small, fast, seedable generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, bound) from the generator. */
export function randomInt(random: () => number, bound: number): number {
  return Math.floor(random() * bound);
}

/** A 40-hex-digit Git object id derived from the inputs (not a real SHA-1 of anything, but shaped like one). */
export function fakeSha(...values: number[]): string {
  let out = "";
  let h = hashInts(...values);
  for (let round = 0; round < 5; round += 1) {
    h = mix32(h + round * 0x9e3779b9);
    out += h.toString(16).padStart(8, "0");
  }
  return out;
}

/**
 * A collision-resistant-enough fingerprint of a list of integers, rendered as a weak ETag. Two
 * independent 32-bit hashes keep accidental matches out of reach for a simulator.
 */
export class EtagBuilder {
  private a = 0x811c9dc5;
  private b = 0x01000193;

  add(value: number): this {
    const v = value | 0;
    this.a = mix32(this.a ^ v) ^ Math.imul(this.a, 31);
    this.b = mix32(this.b + Math.imul(v, 0x9e3779b1)) ^ (this.b >>> 3);
    // Values above 2^31 (timestamps in ms, large ids) keep their high part too.
    if (value > 0x7fffffff || value < -0x80000000) this.add(Math.floor(value / 4294967296));
    return this;
  }

  addString(value: string): this {
    for (let index = 0; index < value.length; index += 1) this.add(value.charCodeAt(index));
    return this;
  }

  toString(): string {
    return `W/"${(this.a >>> 0).toString(16).padStart(8, "0")}${(this.b >>> 0).toString(16).padStart(8, "0")}"`;
  }
}

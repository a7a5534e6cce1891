/**
 * The order HubSpot's search answers `sorts: [{ lastmodifieddate ASCENDING }]` in, kept cheap: an
 * append-only log of (last-modified, id) whose live entries a Fenwick tree counts, so "the k-th live
 * record at or after time t" and "how many match" cost O(log n) per record instead of a scan.
 *
 * Appends arrive in clock order (the simulated clock only moves forward), so the log stays sorted by
 * time; a record that changes is appended again and its old entry stops counting.
 */
export class ModifiedIndex {
  private times: number[] = [];
  private ids: string[] = [];
  private live = new Uint8Array(0);
  private tree = new Int32Array(1);
  private readonly positionOf = new Map<string, number>();

  /** Builds the index from records already sorted by (time, id). */
  static from(entries: Array<{ id: string; time: number }>): ModifiedIndex {
    const index = new ModifiedIndex();
    index.grow(entries.length);
    for (const entry of entries) index.pushUnchecked(entry.id, entry.time);
    index.rebuildTree();
    return index;
  }

  get size(): number {
    return this.positionOf.size;
  }

  /** Records `id` as modified at `time` (not earlier than any previous append). */
  upsert(id: string, time: number): void {
    const last = this.times[this.times.length - 1];
    if (last !== undefined && time < last) throw new Error("ModifiedIndex: appends must not go back in time");
    this.remove(id);
    if (this.times.length >= this.live.length) {
      this.grow(Math.max(16, this.live.length * 2));
      this.pushUnchecked(id, time);
      this.rebuildTree();
      return;
    }
    const position = this.pushUnchecked(id, time);
    this.add(position, 1);
  }

  remove(id: string): void {
    const position = this.positionOf.get(id);
    if (position === undefined) return;
    this.positionOf.delete(id);
    this.live[position] = 0;
    this.add(position, -1);
  }

  /** First log position whose time is >= `time`. */
  lowerBound(time: number): number {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.times[middle] as number) < time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** First log position whose time is > `time`. */
  upperBound(time: number): number {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.times[middle] as number) <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Live entries in log positions [start, end). */
  countBetween(start: number, end: number): number {
    return this.prefix(end) - this.prefix(start);
  }

  /** The id of the live entry `rank` places after the first live entry at or after `start` (0-based). */
  idAt(start: number, rank: number): string | undefined {
    const position = this.findByPrefix(this.prefix(start) + rank + 1);
    return position === undefined ? undefined : this.ids[position];
  }

  /** Live ids in positions [start, end), in log order. */
  idsBetween(start: number, end: number): string[] {
    const result: string[] = [];
    for (let position = start; position < end; position += 1) {
      if (this.live[position] === 1) result.push(this.ids[position] as string);
    }
    return result;
  }

  private pushUnchecked(id: string, time: number): number {
    const position = this.times.length;
    this.times.push(time);
    this.ids.push(id);
    this.live[position] = 1;
    this.positionOf.set(id, position);
    return position;
  }

  private grow(capacity: number): void {
    const live = new Uint8Array(capacity);
    live.set(this.live.subarray(0, Math.min(this.live.length, capacity)));
    this.live = live;
  }

  private rebuildTree(): void {
    const size = this.live.length;
    const tree = new Int32Array(size + 1);
    for (let index = 1; index <= size; index += 1) {
      tree[index] = (tree[index] as number) + (this.live[index - 1] as number);
      const parent = index + (index & -index);
      if (parent <= size) tree[parent] = (tree[parent] as number) + (tree[index] as number);
    }
    this.tree = tree;
  }

  private add(position: number, delta: number): void {
    for (let index = position + 1; index < this.tree.length; index += index & -index) {
      this.tree[index] = (this.tree[index] as number) + delta;
    }
  }

  /** Live entries in positions [0, end). */
  private prefix(end: number): number {
    let sum = 0;
    for (let index = Math.min(end, this.tree.length - 1); index > 0; index -= index & -index) sum += this.tree[index] as number;
    return sum;
  }

  /** The position holding the `target`-th live entry (1-based), or undefined past the end. */
  private findByPrefix(target: number): number | undefined {
    if (target <= 0) return undefined;
    const size = this.tree.length - 1;
    let position = 0;
    let remaining = target;
    let step = 1;
    while (step * 2 <= size) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = position + step;
      if (next <= size && (this.tree[next] as number) < remaining) {
        position = next;
        remaining -= this.tree[next] as number;
      }
    }
    return position < this.times.length ? position : undefined;
  }
}

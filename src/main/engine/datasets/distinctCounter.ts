/**
 * Exact counts of distinct values, keyed by their two 32-bit hash lanes, in an open-addressing
 * table of typed arrays: no Map, no boxed keys, no per-cell allocation. The text of a value is
 * kept once, when first seen, for the top-values list. Gives up (returns false) past `cap` values.
 */
export interface DistinctState {
  cap: number;
  size: number;
  lo: Int32Array;
  hi: Int32Array;
  counts: Int32Array;
  texts: (string | undefined)[];
}

export class DistinctCounter {
  private lo = new Int32Array(1024);
  private hi = new Int32Array(1024);
  private counts = new Int32Array(1024);
  private texts: (string | undefined)[] = new Array<string | undefined>(1024);
  size = 0;

  constructor(private readonly cap: number) {}

  /** Slot of the value, or -1 when it is new (then `insert` must be called). */
  find(lo: number, hi: number): number {
    const mask = this.counts.length - 1;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (this.counts[i] === 0) return -1 - i;
      if (this.lo[i] === (lo | 0) && this.hi[i] === (hi | 0)) return i;
    }
  }

  increment(slot: number): void {
    this.counts[slot]++;
  }

  /** Adds a new value at the free slot `find` reported; false when the cap is reached. */
  insert(freeSlot: number, lo: number, hi: number, text: string): boolean {
    if (this.size >= this.cap) return false;
    const slot = -1 - freeSlot;
    this.lo[slot] = lo;
    this.hi[slot] = hi;
    this.counts[slot] = 1;
    this.texts[slot] = text;
    this.size++;
    if (this.size * 2 > this.counts.length) this.grow();
    return true;
  }

  private grow(): void {
    const { lo, hi, counts, texts } = this;
    const n = counts.length * 2;
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.counts = new Int32Array(n);
    this.texts = new Array<string | undefined>(n);
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      const slot = -1 - this.find(lo[i], hi[i]);
      this.lo[slot] = lo[i];
      this.hi[slot] = hi[i];
      this.counts[slot] = counts[i];
      this.texts[slot] = texts[i];
    }
  }

  /**
   * Adds another counter's values and counts (exact: a union of the value sets, counts summed).
   * False when the union passes the cap; this counter is then part-merged and must be dropped.
   */
  merge(o: DistinctState): boolean {
    for (let i = 0; i < o.counts.length; i++) {
      const c = o.counts[i];
      if (c === 0) continue;
      const slot = this.find(o.lo[i], o.hi[i]);
      if (slot >= 0) this.counts[slot] += c;
      else if (!this.insert(slot, o.lo[i], o.hi[i], o.texts[i] as string)) return false;
      else if (c !== 1) this.counts[this.find(o.lo[i], o.hi[i])] = c; // insert may have grown the table
    }
    return true;
  }

  /** A copy to send to another thread (structured-clone friendly). */
  state(): DistinctState {
    return { cap: this.cap, size: this.size, lo: this.lo.slice(), hi: this.hi.slice(), counts: this.counts.slice(), texts: this.texts.slice() };
  }

  static fromState(s: DistinctState): DistinctCounter {
    const d = new DistinctCounter(s.cap);
    d.lo = s.lo.slice();
    d.hi = s.hi.slice();
    d.counts = s.counts.slice();
    d.texts = s.texts.slice();
    d.size = s.size;
    return d;
  }

  /** Calls `fn` with the hash lanes of every value counted. */
  forEachKey(fn: (lo: number, hi: number) => void): void {
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > 0) fn(this.lo[i], this.hi[i]);
  }

  entries(): { text: string; count: number }[] {
    const out: { text: string; count: number }[] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > 0) out.push({ text: this.texts[i] as string, count: this.counts[i] });
    return out;
  }
}

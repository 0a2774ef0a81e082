/**
 * Exact counts of distinct values, keyed by their two 32-bit hash lanes, in an open-addressing
 * table of typed arrays: no Map, no boxed keys, no per-cell allocation. A slot is four int32s side
 * by side (lo, hi, count, kind), so a probe touches one cache line. The text of a value is kept
 * once, when first seen, for the top-values list; so is what the profiler made of it (its `kind`
 * and, for a number, its value), so a value seen again is not parsed again. Texts are only kept
 * while there are at most `textsUpTo` values (the most a column with a top-values list can have):
 * past that no text is decoded, stored or sent between threads.
 * Gives up (returns false) past `cap` values.
 */
export interface DistinctState {
  cap: number;
  textsUpTo: number;
  size: number;
  /** Stride 4: lo, hi, count, kind; count 0 is a free slot. */
  slots: Int32Array;
  /** Per slot: the value's number when its kind is KIND_NUMBER. */
  values: Float64Array;
  /** Per slot, null once there were more than `textsUpTo` values. */
  texts: (string | undefined)[] | null;
}

/** What a value was when first seen (the profiler's own kinds are other small integers). */
export const KIND_UNKNOWN = 0;
/** A number, kept in `values`: a column's numbers can then be read back with their counts. */
export const KIND_NUMBER = 1;

const STRIDE = 4;
const LO = 0;
const HI = 1;
const COUNT = 2;
const KIND = 3;

export class DistinctCounter {
  private slots = new Int32Array(1024 * STRIDE);
  private values = new Float64Array(1024);
  private texts: (string | undefined)[] | null = new Array<string | undefined>(1024);
  size = 0;

  constructor(
    private readonly cap: number,
    private readonly textsUpTo = Infinity,
  ) {}

  /** Whether `insert` wants the value's text (false past `textsUpTo` values: pass null). */
  get keepsTexts(): boolean {
    return this.texts !== null;
  }

  /** Slot of the value, or -1 - (a free slot) when it is new (then `insert` must be called). */
  find(lo: number, hi: number): number {
    const slots = this.slots;
    const mask = this.values.length - 1;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const at = i * STRIDE;
      if (slots[at + COUNT] === 0) return -1 - i;
      if (slots[at + LO] === (lo | 0) && slots[at + HI] === (hi | 0)) return i;
    }
  }

  increment(slot: number): void {
    this.slots[slot * STRIDE + COUNT]++;
  }

  /** The kind `insert` was given for the value in `slot`. */
  kindAt(slot: number): number {
    return this.slots[slot * STRIDE + KIND];
  }

  /** Adds a new value at the free slot `find` reported; false when the cap is reached. */
  insert(freeSlot: number, lo: number, hi: number, text: string | null, kind = KIND_UNKNOWN, value = 0): boolean {
    if (this.size >= this.cap) return false;
    this.put(-1 - freeSlot, lo, hi, 1, kind, value, text ?? undefined);
    this.added();
    return true;
  }

  /** One more value: drops the texts past `textsUpTo`, grows the table past half full. */
  private added(): void {
    this.size++;
    if (this.size > this.textsUpTo) this.texts = null;
    if (this.size * 2 > this.values.length) this.grow();
  }

  private put(slot: number, lo: number, hi: number, count: number, kind: number, value: number, text: string | undefined): void {
    const at = slot * STRIDE;
    this.slots[at + LO] = lo;
    this.slots[at + HI] = hi;
    this.slots[at + COUNT] = count;
    this.slots[at + KIND] = kind;
    this.values[slot] = value;
    if (this.texts !== null) this.texts[slot] = text;
  }

  /** Doubles the table, each value re-placed by its hash (probing inline: this runs for every value of a column that grows to the cap). */
  private grow(): void {
    const { slots, values, texts } = this;
    const n = values.length * 2;
    const mask = n - 1;
    const into = new Int32Array(n * STRIDE);
    const intoValues = new Float64Array(n);
    const intoTexts = texts === null ? null : new Array<string | undefined>(n);
    for (let i = 0; i < values.length; i++) {
      const at = i * STRIDE;
      if (slots[at + COUNT] === 0) continue;
      const lo = slots[at + LO];
      const hi = slots[at + HI];
      let j = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
      while (into[j * STRIDE + COUNT] !== 0) j = (j + 1) & mask;
      const to = j * STRIDE;
      into[to + LO] = lo;
      into[to + HI] = hi;
      into[to + COUNT] = slots[at + COUNT];
      into[to + KIND] = slots[at + KIND];
      intoValues[j] = values[i];
      if (intoTexts !== null && texts !== null) intoTexts[j] = texts[i];
    }
    this.slots = into;
    this.values = intoValues;
    this.texts = intoTexts;
  }

  /**
   * Adds another counter's values and counts (exact: a union of the value sets, counts summed, each
   * value's kind and number kept). All or nothing: false, with this counter unchanged, when the
   * union would pass the cap.
   */
  merge(o: DistinctState): boolean {
    const s = o.slots;
    let fresh = 0;
    for (let at = 0; at < s.length; at += STRIDE) if (s[at + COUNT] !== 0 && this.find(s[at + LO], s[at + HI]) < 0) fresh++;
    if (this.size + fresh > this.cap) return false;
    for (let i = 0; i < o.values.length; i++) {
      const at = i * STRIDE;
      const c = s[at + COUNT];
      if (c === 0) continue;
      const slot = this.find(s[at + LO], s[at + HI]);
      if (slot >= 0) {
        this.slots[slot * STRIDE + COUNT] += c;
        continue;
      }
      this.put(-1 - slot, s[at + LO], s[at + HI], c, s[at + KIND], o.values[i], o.texts?.[i]);
      this.added();
    }
    // A side without texts had more than textsUpTo values, and so has the union.
    if (o.texts === null) this.texts = null;
    return true;
  }

  /** A copy to send to another thread (structured-clone friendly). */
  state(): DistinctState {
    return { cap: this.cap, textsUpTo: this.textsUpTo, size: this.size, slots: this.slots.slice(), values: this.values.slice(), texts: this.texts?.slice() ?? null };
  }

  static fromState(s: DistinctState): DistinctCounter {
    const d = new DistinctCounter(s.cap, s.textsUpTo);
    d.merge(s);
    return d;
  }

  /** The numbers counted (kind KIND_NUMBER) and how often each was seen, in table order. */
  numbers(): { values: Float64Array; counts: Float64Array } {
    const s = this.slots;
    const values = new Float64Array(this.size);
    const counts = new Float64Array(this.size);
    let n = 0;
    for (let i = 0; i < this.values.length; i++) {
      const at = i * STRIDE;
      if (s[at + COUNT] === 0 || s[at + KIND] !== KIND_NUMBER) continue;
      values[n] = this.values[i];
      counts[n++] = s[at + COUNT];
    }
    return { values: values.subarray(0, n), counts: counts.subarray(0, n) };
  }

  /** How many fields the values of `kind` account for (their counts summed). */
  countOfKind(kind: number): number {
    const s = this.slots;
    let total = 0;
    for (let at = 0; at < s.length; at += STRIDE) if (s[at + KIND] === kind) total += s[at + COUNT];
    return total;
  }

  /** Calls `fn` with the hash lanes of every value counted. */
  forEachKey(fn: (lo: number, hi: number) => void): void {
    const s = this.slots;
    for (let at = 0; at < s.length; at += STRIDE) if (s[at + COUNT] > 0) fn(s[at + LO], s[at + HI]);
  }

  /** Every value's text and count; only while the texts are kept (at most `textsUpTo` values). */
  entries(): { text: string; count: number }[] {
    const texts = this.texts;
    if (texts === null) throw new Error(`distinct texts are kept for at most ${this.textsUpTo} values`);
    const out: { text: string; count: number }[] = [];
    const s = this.slots;
    for (let i = 0; i < this.values.length; i++) if (s[i * STRIDE + COUNT] > 0) out.push({ text: texts[i] as string, count: s[i * STRIDE + COUNT] });
    return out;
  }
}

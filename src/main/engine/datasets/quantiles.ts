import type { ColumnQuantiles } from '../../../shared/datasets';
import { KllSketch, xorshift32, type KllJSON } from '../sketches';
import { encodeF64 } from '../sketches/codec';

/** The quantiles a numeric column's profile reports. */
export const QUANTILE_PROBS: readonly [keyof ColumnQuantiles, number][] = [
  ['p01', 0.01],
  ['p05', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p99', 0.99],
];

/** Values gathered before one batch goes into the sketch (a power of two). */
const BATCH = 4096;
/** A full batch is halved this many times before it is merged: 4096 values become 512 of weight 8. */
const BATCH_LEVEL = 3;

/**
 * Rank error of the reported quantiles, as a fraction of the column's count: KLL with k = 200
 * (~1.33% for one quantile with 99% confidence, see sketches/kll.ts) plus at most
 * (1 + 2 + 4) / 4096 ≈ 0.17% from halving each batch before it is merged (each halving of a sorted
 * run of weight-w values moves any rank by at most w). Documented in docs/ARCHITECTURE.md.
 */
export const QUANTILE_RANK_ERROR = 0.0133 + (2 ** BATCH_LEVEL - 1) / BATCH;

/** Halved batches gathered before they are merged into KLL together. */
const HALVED_RUNS = 4;
/** Buckets of the batch sort: about 8 values each when the batch is spread evenly. */
const BUCKETS = 512;
/** A bucket holding more than this many values is sorted natively (insertion sort is quadratic). */
const SMALL_BUCKET = 48;

/**
 * Sorts `values` ascending (finite numbers) and returns it: a bucket pass over [min, max] (a counting
 * sort into `scratch`), then each bucket by insertion sort, or natively when crowded. About 2x faster
 * here than `Float64Array.prototype.sort` on a batch, which is most of what the sketch costs a value.
 */
export function sortBatch(values: Float64Array, scratch: Float64Array, counts: Int32Array): Float64Array {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const width = (max - min) / BUCKETS;
  // All equal, or a span too small (or too large) to divide: the native sort is right and rare.
  if (!(width > 0) || !Number.isFinite(1 / width)) return values.sort();
  const scale = 1 / width;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(BUCKETS - 1, Math.floor((values[i] - min) * scale)) + 1]++;
  for (let b = 1; b <= BUCKETS; b++) counts[b] += counts[b - 1];
  // counts[b] is now where bucket b starts; scattering advances it to where bucket b ends.
  for (let i = 0; i < n; i++) {
    const x = values[i];
    scratch[counts[Math.min(BUCKETS - 1, Math.floor((x - min) * scale))]++] = x;
  }
  let start = 0;
  for (let b = 0; b < BUCKETS; b++) {
    const end = counts[b];
    if (end - start > SMALL_BUCKET) scratch.subarray(start, end).sort();
    else {
      for (let i = start + 1; i < end; i++) {
        const x = scratch[i];
        let j = i - 1;
        while (j >= start && scratch[j] > x) {
          scratch[j + 1] = scratch[j];
          j--;
        }
        scratch[j + 1] = x;
      }
    }
    start = end;
  }
  values.set(scratch);
  return values;
}

/**
 * The quantile sketch of one numeric column: the shared KLL sketch (sketches/kll.ts), fed in sorted
 * batches. Adding to KLL one value at a time costs about half a microsecond once it is deep (its
 * lowest level then compacts every 8 values); here a value costs a store into a typed array, and
 * every 4096 values are sorted (`sortBatch`) and halved three times with random offsets (as KLL's own
 * compactions do); four such halved batches are merged at once as one level of weight 8. Columns with fewer values than a batch go
 * into the sketch value by value, so they stay exact while KLL is (n <= k).
 * Sketches of parts of a column merge (KLL's merge): the parallel import's quantiles are within
 * the same bound of the exact ones as the sequential pass's, not equal to them.
 */
export class QuantileSketch {
  // Allocated at the first value: a column whose numbers stay in its exact counter never needs them.
  private buf: Float64Array | null = null;
  private scratch: Float64Array | null = null;
  private counts: Int32Array | null = null;
  private used = 0;
  private halved: Float64Array | null = null;
  private halvedUsed = 0;
  private sketch: KllSketch | null = null;
  private rng: number;

  constructor(seed = 0x51ed2701) {
    this.rng = seed | 0 || 1;
  }

  add(x: number): void {
    const buf = (this.buf ??= new Float64Array(BATCH));
    buf[this.used++] = x;
    if (this.used === BATCH) this.flushBatch();
  }

  /**
   * Adds each `values[i]` `counts[i]` times, as KLL takes a weighted item: a count's binary digits
   * say which levels the value joins (weight 2^h at level h), so the total weight is exact and the
   * cost grows with the number of values, not with the counts. The weight-1 items (odd counts: all
   * of them in a column of distinct values) go in as added values, through the sorted batches, which
   * is much cheaper than one KLL level of tens of thousands of items (its compactions sort with a
   * comparator).
   */
  addWeighted(values: Float64Array, counts: Float64Array): void {
    const levels: number[][] = [];
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      let c = counts[i];
      if (c % 2 === 1) this.add(values[i]);
      c = Math.floor(c / 2);
      for (let h = 1; c > 0; h++, c = Math.floor(c / 2)) {
        if (c % 2 === 1) {
          (levels[h] ??= []).push(values[i]);
          n += 2 ** h;
        }
      }
    }
    if (n === 0) return;
    const encoded = Array.from({ length: levels.length }, (_, h) => encodeF64(Float64Array.from(levels[h] ?? []).sort()));
    this.kll().merge(KllSketch.fromJSON({ k: this.kll().k, n, rng: this.rng, levels: encoded }));
    this.nextBit();
  }

  private nextBit(): number {
    this.rng = xorshift32(this.rng);
    return (this.rng >>> 7) & 1;
  }

  private flushBatch(): void {
    const run = sortBatch(this.buf as Float64Array, (this.scratch ??= new Float64Array(BATCH)), (this.counts ??= new Int32Array(BUCKETS + 1)));
    let len = BATCH;
    for (let level = 0; level < BATCH_LEVEL; level++) {
      // Every other value from a random offset; a sorted run stays sorted in place.
      const offset = this.nextBit();
      len >>= 1;
      for (let i = 0; i < len; i++) run[i] = run[2 * i + offset];
    }
    // Halved batches wait in `halved` and go into KLL a few at a time: one merge (and its
    // compactions) per HALVED_RUNS batches instead of one per batch.
    const halved = (this.halved ??= new Float64Array(HALVED_RUNS * (BATCH >> BATCH_LEVEL)));
    halved.set(run.subarray(0, len), this.halvedUsed);
    this.halvedUsed += len;
    this.used = 0;
    if (this.halvedUsed === halved.length) this.mergeHalved();
  }

  /** The halved batches waiting (items of weight 2^BATCH_LEVEL) merged into KLL as one level. */
  private mergeHalved(): void {
    if (this.halvedUsed === 0) return;
    const levels = Array.from({ length: BATCH_LEVEL + 1 }, () => '');
    levels[BATCH_LEVEL] = encodeF64((this.halved as Float64Array).subarray(0, this.halvedUsed));
    const batch = KllSketch.fromJSON({ k: this.kll().k, n: this.halvedUsed << BATCH_LEVEL, rng: this.rng, levels });
    this.halvedUsed = 0;
    this.kll().merge(batch);
  }

  private kll(): KllSketch {
    return (this.sketch ??= new KllSketch());
  }

  /** Moves values still in the batch into the sketch one by one (a short column stays exact). */
  private settle(): KllSketch {
    this.mergeHalved();
    const s = this.kll();
    const buf = this.buf as Float64Array;
    for (let i = 0; i < this.used; i++) s.add(buf[i]);
    this.used = 0;
    return s;
  }

  /** State to send to another thread; null when no value was added. */
  state(): KllJSON | null {
    if (this.sketch === null && this.used === 0 && this.halvedUsed === 0) return null;
    return this.settle().toJSON();
  }

  merge(o: KllJSON | null): void {
    if (o === null) return;
    this.settle().merge(KllSketch.fromJSON(o));
  }

  result(): ColumnQuantiles | null {
    const s = this.settle();
    if (s.n === 0) return null;
    const out = {} as ColumnQuantiles;
    for (const [name, q] of QUANTILE_PROBS) out[name] = s.quantile(q) as number;
    return out;
  }
}

/**
 * Exact quantiles of numbers given with their counts (a column whose distinct values were all
 * counted): pNN is the smallest value whose cumulative count reaches NN% of `n`, the rule KLL's
 * `quantile` follows when it is exact.
 */
export function exactQuantiles(values: Float64Array, counts: Float64Array): ColumnQuantiles | null {
  if (values.length === 0) return null;
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  const out = {} as ColumnQuantiles;
  let r = 0;
  let cum = counts[order[0]];
  for (const [name, q] of QUANTILE_PROBS) {
    const target = q * n;
    while (cum < target && r + 1 < order.length) cum += counts[order[++r]];
    out[name] = values[order[r]];
  }
  return out;
}

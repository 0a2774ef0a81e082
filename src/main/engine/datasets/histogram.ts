import type { HistogramBin } from '../../../shared/datasets';

const WARMUP = 1024;
const FINE_BINS = 160;
export const HISTOGRAM_BINS = 20;
/** Finest bin width is 2^MIN_LEVEL: keeps 2^-level finite for any column of tiny values. */
const MIN_LEVEL = -1000;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The binary exponent of |m| (exact, monotone in |m|; subnormals give -1023). */
function exponentOf(m: number): number {
  f64[0] = m;
  return ((u32[1] >>> 20) & 0x7ff) - 1023;
}

/** Finest level allowed for values up to `maxAbs`: bin indices stay below 2^53, so they are exact. */
function floorLevel(maxAbs: number): number {
  return maxAbs === 0 ? MIN_LEVEL : Math.max(MIN_LEVEL, exponentOf(maxAbs) - 52);
}

/** Bins of [min, max] at `level` span fewer than FINE_BINS indices. */
function fits(min: number, max: number, level: number): boolean {
  const scale = 2 ** -level;
  return Math.floor(max * scale) - Math.floor(min * scale) < FINE_BINS;
}

/** The finest level at which [min, max] fits: a function of min and max alone. */
function levelFor(min: number, max: number): number {
  const span = max - min;
  let level = floorLevel(Math.max(Math.abs(min), Math.abs(max)));
  // Start strictly below the answer (bins of at most span/256 cannot fit), then step up.
  if (span > 0) level = Math.max(level, exponentOf(span) - 9);
  while (!fits(min, max, level)) level++;
  return level;
}

/** What a histogram sends between threads (structured-clone friendly). */
export interface HistogramState {
  min: number;
  max: number;
  warm: number[] | null;
  level: number;
  first: number;
  bins: Float64Array | null;
}

/**
 * A one-pass histogram whose bins are fixed before any split of the data: the grid of bins of width
 * 2^level with edges at multiples of the width (the same grid for every chunk, every machine). The
 * level is the finest one at which [min, max] spans fewer than 160 fine bins, so it depends only on
 * the data's min and max; a chunk starts at the level its own first 1024 values need (never finer
 * than the whole data needs) and coarsens by merging bins pairwise as its range grows. Two
 * histograms merge exactly: both coarsen to the common level and their counts add. The result,
 * trimmed and grouped to about 20 bins, is therefore the same whatever the order or the split.
 */
export class StreamingHistogram {
  private warm: number[] | null = [];
  private bins: Float64Array | null = null;
  private level = 0;
  private scale = 1;
  private magnitudeLimit = 2 ** 53;
  /** Absolute bin index of bins[0]. */
  private first = 0;
  private min = Infinity;
  private max = -Infinity;

  add(x: number): void {
    let extreme = false;
    if (x < this.min) {
      this.min = x;
      extreme = true;
    }
    if (x > this.max) {
      this.max = x;
      extreme = true;
    }
    if (this.bins === null) {
      const warm = this.warm as number[];
      warm.push(x);
      if (warm.length === WARMUP) this.start();
      return;
    }
    const j = Math.floor(x * this.scale);
    // A new extreme still inside the window (and small enough for this level) needs no refit: a
    // sorted column makes every value a new maximum.
    if (extreme && (j < this.first || j >= this.first + FINE_BINS || Math.abs(x) >= this.magnitudeLimit)) {
      this.refit(this.level);
      this.bins[Math.floor(x * this.scale) - this.first]++;
      return;
    }
    this.bins[j - this.first]++;
  }

  /** `x` added `c` times (the same bins as c calls of `add`). */
  addTimes(x: number, c: number): void {
    while (c > 0 && this.bins === null) {
      this.add(x);
      c--;
    }
    if (c === 0) return;
    this.add(x);
    (this.bins as Float64Array)[Math.floor(x * this.scale) - this.first] += c - 1;
  }

  private start(): void {
    const warm = this.warm as number[];
    this.warm = null;
    this.setLevel(levelFor(this.min, this.max));
    this.first = Math.floor(this.min * this.scale);
    this.bins = new Float64Array(FINE_BINS);
    for (const v of warm) this.bins[Math.floor(v * this.scale) - this.first]++;
  }

  private setLevel(level: number): void {
    this.level = level;
    this.scale = 2 ** -level;
    // floorLevel(m) <= level exactly when m < 2^(level + 53).
    this.magnitudeLimit = 2 ** (level + 53);
  }

  /**
   * Moves the window so it covers [min, max] at the finest level >= `atLeast` where it fits (and
   * not finer than the magnitude allows), carrying the counts over (pairs merge when coarser).
   */
  private refit(atLeast: number): void {
    const old = this.bins as Float64Array;
    const oldLevel = this.level;
    const oldFirst = this.first;
    let level = Math.max(atLeast, floorLevel(Math.max(Math.abs(this.min), Math.abs(this.max))));
    while (!fits(this.min, this.max, level)) level++;
    this.setLevel(level);
    const first = Math.floor(this.min * this.scale);
    if (level === oldLevel && first === oldFirst) return;
    const bins = new Float64Array(FINE_BINS);
    const factor = 2 ** (oldLevel - level); // <= 1: an old bin falls inside one new bin
    for (let i = 0; i < FINE_BINS; i++) {
      if (old[i] !== 0) bins[Math.floor((oldFirst + i) * factor) - first] += old[i];
    }
    this.bins = bins;
    this.first = first;
  }

  /** Adds another histogram's counts (it is left unchanged). */
  merge(o: StreamingHistogram | HistogramState): void {
    const other = o instanceof StreamingHistogram ? o.state() : o;
    if (other.bins === null) {
      for (const v of other.warm ?? []) this.add(v);
      return;
    }
    if (this.bins === null) {
      const mine = this.warm ?? [];
      this.warm = null;
      this.min = other.min;
      this.max = other.max;
      this.setLevel(other.level);
      this.first = other.first;
      this.bins = new Float64Array(other.bins);
      for (const v of mine) this.add(v);
      return;
    }
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.refit(Math.max(this.level, other.level));
    const factor = 2 ** (other.level - this.level);
    const bins = this.bins as Float64Array;
    for (let i = 0; i < FINE_BINS; i++) {
      if (other.bins[i] !== 0) bins[Math.floor((other.first + i) * factor) - this.first] += other.bins[i];
    }
  }

  state(): HistogramState {
    return { min: this.min, max: this.max, warm: this.warm ? [...this.warm] : null, level: this.level, first: this.first, bins: this.bins ? new Float64Array(this.bins) : null };
  }

  static fromState(s: HistogramState): StreamingHistogram {
    const h = new StreamingHistogram();
    h.merge(s);
    return h;
  }

  result(): HistogramBin[] {
    if (this.min > this.max) return [];
    if (this.bins === null) return equalBins(this.warm as number[], this.min, this.max);
    const bins = this.bins;
    let first = 0;
    let last = FINE_BINS - 1;
    while (first < last && bins[first] === 0) first++;
    while (last > first && bins[last] === 0) last--;
    const group = Math.max(1, Math.ceil((last - first + 1) / HISTOGRAM_BINS));
    const width = 2 ** this.level;
    const out: HistogramBin[] = [];
    for (let i = first; i <= last; i += group) {
      let count = 0;
      for (let j = i; j < Math.min(i + group, last + 1); j++) count += bins[j];
      out.push({ lo: (this.first + i) * width, hi: (this.first + Math.min(i + group, last + 1)) * width, count });
    }
    out[0].lo = this.min;
    out[out.length - 1].hi = this.max;
    return out;
  }
}

function equalBins(values: number[], min: number, max: number): HistogramBin[] {
  if (min === max) return [{ lo: min, hi: max, count: values.length }];
  const width = (max - min) / HISTOGRAM_BINS;
  const out = Array.from({ length: HISTOGRAM_BINS }, (_, i) => ({ lo: min + i * width, hi: min + (i + 1) * width, count: 0 }));
  out[HISTOGRAM_BINS - 1].hi = max;
  for (const v of values) out[Math.min(HISTOGRAM_BINS - 1, Math.floor((v - min) / width))].count++;
  return out;
}

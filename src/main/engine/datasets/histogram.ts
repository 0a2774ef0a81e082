import type { HistogramBin } from '../../../shared/datasets';

const WARMUP = 1024;
const FINE_BINS = 160;
export const HISTOGRAM_BINS = 20;

/**
 * A one-pass histogram for a stream whose range is not known in advance. The first values set a
 * range of fine bins; a value outside it doubles the range (merging bins pairwise) toward that
 * side. At the end the fine bins are trimmed and merged to about 20, so no second pass is needed.
 */
export class StreamingHistogram {
  private warm: number[] = [];
  private bins: Float64Array | null = null;
  private lo = 0;
  private width = 0;
  private min = Infinity;
  private max = -Infinity;

  add(x: number): void {
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (this.bins === null) {
      this.warm.push(x);
      if (this.warm.length === WARMUP) this.start();
      return;
    }
    this.place(x);
  }

  private start(): void {
    const span = this.max - this.min;
    this.lo = this.min;
    this.width = span > 0 ? (span * 1.0001) / FINE_BINS : Math.max(Math.abs(this.min) * 1e-9, 1e-9);
    this.bins = new Float64Array(FINE_BINS);
    for (const v of this.warm) this.place(v);
    this.warm = [];
  }

  private place(x: number): void {
    const bins = this.bins as Float64Array;
    while (x >= this.lo + this.width * FINE_BINS) this.grow(false);
    while (x < this.lo) this.grow(true);
    const i = Math.min(FINE_BINS - 1, Math.floor((x - this.lo) / this.width));
    bins[i]++;
  }

  /** Doubles the covered range: toward lower values when `down`, else upward. */
  private grow(down: boolean): void {
    const bins = this.bins as Float64Array;
    const merged = new Float64Array(FINE_BINS);
    const half = FINE_BINS / 2;
    for (let i = 0; i < half; i++) merged[(down ? half : 0) + i] = bins[2 * i] + bins[2 * i + 1];
    if (down) this.lo -= this.width * FINE_BINS;
    this.width *= 2;
    this.bins = merged;
  }

  result(): HistogramBin[] {
    if (this.min > this.max) return [];
    if (this.bins === null) return equalBins(this.warm, this.min, this.max);
    const bins = this.bins;
    let first = 0;
    let last = FINE_BINS - 1;
    while (first < last && bins[first] === 0) first++;
    while (last > first && bins[last] === 0) last--;
    const group = Math.max(1, Math.ceil((last - first + 1) / HISTOGRAM_BINS));
    const out: HistogramBin[] = [];
    for (let i = first; i <= last; i += group) {
      let count = 0;
      for (let j = i; j < Math.min(i + group, last + 1); j++) count += bins[j];
      out.push({ lo: this.lo + i * this.width, hi: this.lo + Math.min(i + group, last + 1) * this.width, count });
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

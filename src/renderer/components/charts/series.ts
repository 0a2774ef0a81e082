/** Chart data helpers: smoothing, x axes, colours. Pure functions (unit-tested). */
import { decodeMetricValue, type MetricHistory } from '../../../shared/tracking';
import { formatDuration, formatInt, formatNumber } from '../../format';

export type XMode = 'step' | 'wall' | 'relative';

export interface Point {
  x: number;
  y: number;
  /** The raw value (before smoothing); y is what is drawn. */
  raw: number;
  step: number;
}

/**
 * TensorBoard's smoothing: an exponential moving average debiased for its zero start,
 * ema_t = w * ema_{t-1} + (1 - w) * x_t, shown as ema_t / (1 - w^t). Non-finite values are skipped
 * (they neither move the average nor reset it). w = 0 returns the values unchanged.
 */
export function smoothEma(values: number[], w: number): number[] {
  if (!(w > 0)) return values.slice();
  const weight = Math.min(w, 0.999);
  const out = new Array<number>(values.length);
  let ema = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    n++;
    ema = weight * ema + (1 - weight) * v;
    out[i] = ema / (1 - Math.pow(weight, n));
  }
  return out;
}

/**
 * Points of a history for a chart: x by step, wall time (ms) or time since the run's first point
 * (seconds); non-finite values dropped (counted), and non-positive ones too on a log axis.
 */
export function toPoints(h: MetricHistory, mode: XMode, opts: { smoothing?: number; log?: boolean; startTime?: number } = {}): { raw: Point[]; smooth: Point[]; dropped: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  const steps: number[] = [];
  let dropped = 0;
  const t0 = opts.startTime ?? h.timestamps[0] ?? 0;
  for (let i = 0; i < h.values.length; i++) {
    const y = decodeMetricValue(h.values[i]);
    if (y === undefined || !Number.isFinite(y) || (opts.log && y <= 0)) {
      dropped++;
      continue;
    }
    xs.push(mode === 'step' ? h.steps[i] : mode === 'wall' ? h.timestamps[i] : (h.timestamps[i] - t0) / 1000);
    ys.push(y);
    steps.push(h.steps[i]);
  }
  const sm = smoothEma(ys, opts.smoothing ?? 0);
  const raw: Point[] = new Array(xs.length);
  const smooth: Point[] = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    raw[i] = { x: xs[i], y: ys[i], raw: ys[i], step: steps[i] };
    smooth[i] = { x: xs[i], y: sm[i], raw: ys[i], step: steps[i] };
  }
  return { raw, smooth, dropped };
}

/** Twelve distinguishable colours that read on dark and light backgrounds; cycles after that. */
export const PALETTE = ['#4e9af1', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#17becf', '#edc948', '#ff9da7', '#9c755f', '#76b7b2', '#bab0ac', '#8cd17d'];
export const colorFor = (i: number): string => PALETTE[i % PALETTE.length];

/** The steps [from, to] that an x range covers in the points drawn (for zoom in time modes). */
export function stepRange(points: Point[], x1: number, x2: number): [number, number] | null {
  const lo = Math.min(x1, x2);
  const hi = Math.max(x1, x2);
  let a = Infinity;
  let b = -Infinity;
  for (const p of points) {
    if (p.x >= lo && p.x <= hi) {
      a = Math.min(a, p.step);
      b = Math.max(b, p.step);
    }
  }
  return a <= b ? [a, b] : null;
}

export function formatX(mode: XMode, x: number): string {
  if (mode === 'step') return Number.isInteger(x) ? formatInt(x) : formatNumber(x);
  if (mode === 'relative') return x === 0 ? '0s' : formatDuration(x * 1000);
  const d = new Date(x);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The x axis's title: what a step counts (`epoch`, `batch`) or which time it is. */
export function xAxisLabel(mode: XMode, unit = 'step'): string {
  return mode === 'step' ? unit : mode === 'relative' ? 'time since start' : 'time of day';
}

/** Axes that fit their data: padded, rounded to readable ticks, and kept inside the metric's range. */
import { metricRange } from '../../metrics';

const STEPS = [1, 2, 2.5, 5, 10];
const clean = (x: number) => Number(x.toPrecision(12));

/** The smallest readable step (1, 2, 2.5 or 5 times a power of ten) of at least `raw`. */
function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  return (STEPS.find((s) => s * p >= raw - 1e-15 * p) ?? 10) * p;
}

/**
 * A y domain and its ticks for values in [lo, hi] of `metric`: 5% padding (a flat series gets a band
 * around it), rounded out to about five ticks, then clamped to the metric's natural range (metricRange)
 * on each side the data respects: an accuracy axis stops at 1, a loss or learning-rate axis at 0, and
 * any series with no negative value keeps a non-negative axis.
 */
export function niceDomain(lo: number, hi: number, metric = '', ticks = 5): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) return { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] };
  const [rangeLo, rangeHi] = metricRange(metric);
  const floor = lo >= Math.max(0, rangeLo) ? Math.max(0, rangeLo) : lo >= rangeLo ? rangeLo : -Infinity;
  const ceiling = hi <= rangeHi ? rangeHi : Infinity;
  const span = hi - lo;
  const pad = span > 0 ? span * 0.05 : Math.abs(lo) * 0.1 || 1;
  // A flat non-negative series (a constant learning rate) reads best from 0: its value, not its noise.
  const flatFromZero = span === 0 && floor === 0 && lo > 0;
  let a = flatFromZero ? 0 : Math.max(floor, lo - pad);
  let b = Math.min(ceiling, flatFromZero ? hi * 1.2 : hi + pad);
  if (!(b > a)) b = a + (pad || 1);
  const step = niceStep((b - a) / ticks);
  a = Math.max(floor, clean(Math.floor(a / step) * step));
  b = Math.min(ceiling, clean(Math.ceil(b / step) * step));
  const out: number[] = [];
  for (let k = Math.ceil(a / step - 1e-9); k * step <= b + step * 1e-9; k++) out.push(clean(k * step));
  return { domain: [a, b], ticks: out };
}

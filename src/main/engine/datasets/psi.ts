import type { ColumnProfile, HistogramBin } from '../../../shared/datasets';

const EPSILON = 1e-4;

function psiOf(expected: number[], actual: number[]): number {
  const e = expected.reduce((a, b) => a + b, 0);
  const a = actual.reduce((x, y) => x + y, 0);
  if (e === 0 || a === 0) return 0;
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const p = Math.max(expected[i] / e, EPSILON);
    const q = Math.max(actual[i] / a, EPSILON);
    psi += (q - p) * Math.log(q / p);
  }
  return psi;
}

/**
 * Re-bins `to` onto `from`'s edges assuming values spread evenly inside each bin (all that a stored
 * histogram still knows); mass outside `from`'s range goes to its first or last bin.
 */
function rebin(from: HistogramBin[], to: HistogramBin[]): number[] {
  const out = new Array<number>(from.length).fill(0);
  for (const bin of to) {
    const width = bin.hi - bin.lo;
    for (let i = 0; i < from.length; i++) {
      const lo = i === 0 ? -Infinity : from[i].lo;
      const hi = i === from.length - 1 ? Infinity : from[i].hi;
      if (width <= 0) {
        if (bin.lo >= lo && bin.lo < hi) out[i] += bin.count;
        continue;
      }
      const overlap = Math.min(hi, bin.hi) - Math.max(lo, bin.lo);
      if (overlap > 0) out[i] += (bin.count * overlap) / width;
    }
  }
  return out;
}

/** Population stability index between two profiles of a column, when their summaries are comparable. */
export function columnPsi(from: ColumnProfile, to: ColumnProfile): number | undefined {
  if (from.histogram?.length && to.histogram?.length) {
    return psiOf(from.histogram.map((b) => b.count), rebin(from.histogram, to.histogram));
  }
  if (from.top && to.top) {
    const values = [...new Set([...from.top.map((t) => t.value), ...to.top.map((t) => t.value)])];
    const counts = (p: ColumnProfile) => {
      const present = p.count - p.missing;
      const listed = values.map((v) => p.top?.find((t) => t.value === v)?.count ?? 0);
      return [...listed, Math.max(0, present - listed.reduce((a, b) => a + b, 0))];
    };
    return psiOf(counts(from), counts(to));
  }
  return undefined;
}

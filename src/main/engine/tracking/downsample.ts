/**
 * Largest-triangle-three-buckets (Steinarsson 2013) over a series, to at most `maxPoints` points, that
 * always keeps the first and last points and the global minimum and maximum, so a spike never
 * disappears from a chart. Non-finite values (NaN, ±Infinity) cannot take part in triangle areas: they
 * are left out of LTTB and a few of them (at most a tenth of the budget, evenly spread) are kept so a
 * chart can mark them. Works on typed arrays in one pass: 1M points take a few milliseconds.
 *
 * Returns the indices of the kept points, ascending.
 */
export function downsampleIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints: number): Int32Array {
  const n = ys.length;
  const budget = Math.max(1, Math.floor(maxPoints));
  if (n <= budget) return Int32Array.from({ length: n }, (_, i) => i);

  // Finite points (all of them in the usual case, without copying).
  let finite: Int32Array | null = null;
  let nonFinite: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(ys[i])) nonFinite.push(i);
  }
  if (nonFinite.length > 0) {
    finite = new Int32Array(n - nonFinite.length);
    let j = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(ys[i])) finite[j++] = i;
  }
  const reserve = Math.min(nonFinite.length, Math.floor(budget / 10));
  if (reserve < nonFinite.length) {
    const picked: number[] = [];
    for (let k = 0; k < reserve; k++) picked.push(nonFinite[Math.floor(((k + 0.5) * nonFinite.length) / reserve)]);
    nonFinite = picked;
  }
  const idx = (k: number) => (finite ? finite[k] : k);
  const m = finite ? finite.length : n;

  const chosen: number[] = [];
  if (m > 0) {
    // Global extremes among finite points.
    let minK = 0;
    let maxK = 0;
    for (let k = 1; k < m; k++) {
      const y = ys[idx(k)];
      if (y < ys[idx(minK)]) minK = k;
      if (y > ys[idx(maxK)]) maxK = k;
    }
    const target = budget - nonFinite.length - 2; // room for min and max
    if (m <= target || target < 3) {
      if (m <= target) for (let k = 0; k < m; k++) chosen.push(idx(k));
      else {
        // Too small a budget for triangles: evenly spaced points.
        const t = Math.max(1, target);
        for (let k = 0; k < t; k++) chosen.push(idx(Math.floor((k * (m - 1)) / Math.max(1, t - 1))));
      }
    } else {
      lttb(xs, ys, m, idx, target, chosen);
    }
    chosen.push(idx(minK), idx(maxK));
  }
  for (const i of nonFinite) chosen.push(i);
  chosen.sort((a, b) => a - b);
  const out: number[] = [];
  for (const i of chosen) if (out.length === 0 || out[out.length - 1] !== i) out.push(i);
  // Rounding above can only ever under-fill; this guards the contract anyway.
  return Int32Array.from(out.length > budget ? out.slice(0, budget) : out);
}

function lttb(xs: ArrayLike<number>, ys: ArrayLike<number>, m: number, idx: (k: number) => number, target: number, out: number[]): void {
  const every = (m - 2) / (target - 2);
  let a = 0;
  out.push(idx(0));
  for (let b = 0; b < target - 2; b++) {
    // Average of the next bucket.
    let avgStart = Math.floor((b + 1) * every) + 1;
    let avgEnd = Math.floor((b + 2) * every) + 1;
    if (avgEnd > m) avgEnd = m;
    if (avgStart >= avgEnd) avgStart = avgEnd - 1;
    let avgX = 0;
    let avgY = 0;
    for (let k = avgStart; k < avgEnd; k++) {
      const i = idx(k);
      avgX += xs[i];
      avgY += ys[i];
    }
    const len = avgEnd - avgStart;
    avgX /= len;
    avgY /= len;
    // The point of this bucket making the largest triangle with the previous pick and that average.
    const start = Math.floor(b * every) + 1;
    const end = Math.floor((b + 1) * every) + 1;
    const ai = idx(a);
    const ax = xs[ai];
    const ay = ys[ai];
    let best = start;
    let bestArea = -1;
    for (let k = start; k < end; k++) {
      const i = idx(k);
      const area = Math.abs((ax - avgX) * (ys[i] - ay) - (ax - xs[i]) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = k;
      }
    }
    out.push(idx(best));
    a = best;
  }
  out.push(idx(m - 1));
}

import { MAX_CURVE_POINTS, type RegressionMetrics, type ResidualSample } from '../../../shared/evaluation';

/** Regression metrics over typed arrays of actual and predicted values (sklearn's definitions). */
export function regressionMetrics(actual: Float64Array, predicted: Float64Array): RegressionMetrics {
  const n = actual.length;
  if (n === 0) return { n: 0, mae: 0, rmse: 0, r2: 0, meanResidual: 0 };
  let abs = 0;
  let sq = 0;
  let res = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i];
  mean /= n;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const r = actual[i] - predicted[i];
    abs += Math.abs(r);
    sq += r * r;
    res += r;
    const d = actual[i] - mean;
    tot += d * d;
  }
  // sklearn (force_finite): a constant target scores 1 when every prediction is exact, else 0.
  const r2 = tot > 0 ? 1 - sq / tot : sq === 0 ? 1 : 0;
  return { n, mae: abs / n, rmse: Math.sqrt(sq / n), r2, meanResidual: res / n };
}

/**
 * For plotting: up to `maxPoints` cases spread evenly over the predicted range (sorted by prediction,
 * every (n-1)/(m-1)-th one, so the extremes are kept), and a histogram of every residual.
 */
export function residualSample(actual: Float64Array, predicted: Float64Array, maxPoints = MAX_CURVE_POINTS, bins = 30): ResidualSample {
  const n = actual.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => predicted[a] - predicted[b] || a - b);
  const m = Math.min(n, maxPoints);
  const out: ResidualSample = { predicted: [], actual: [], residual: [], histogram: [] };
  for (let j = 0; j < m; j++) {
    const i = order[m === 1 ? 0 : Math.round((j * (n - 1)) / (m - 1))];
    out.predicted.push(predicted[i]);
    out.actual.push(actual[i]);
    out.residual.push(actual[i] - predicted[i]);
  }
  if (n === 0) return out;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = actual[i] - predicted[i];
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  if (hi === lo) {
    out.histogram.push({ lo, hi, count: n });
    return out;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(bins - 1, Math.floor((actual[i] - predicted[i] - lo) / width))]++;
  for (let b = 0; b < bins; b++) out.histogram.push({ lo: lo + b * width, hi: b === bins - 1 ? hi : lo + (b + 1) * width, count: counts[b] });
  return out;
}

export function subsetValues(xs: Float64Array, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = xs[rows[j]];
  return out;
}

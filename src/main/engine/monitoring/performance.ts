import type { CostMatrix } from '../../../shared/evaluation';
import type { MetricEstimate } from '../../../shared/monitoring';
import { perClassMetrics } from '../evaluation/classification';
import { alignMatrix } from '../evaluation/business';
import type { WindowJSON } from './windowSketch';

/**
 * Realized performance from the labels joined to a window (the evaluation suite's own confusion-matrix
 * metrics), and estimated performance before labels by CBPE: with calibrated probabilities, the
 * expected confusion matrix E[i][j] = Σ over rows predicted j of P(true = i) gives every
 * confusion-matrix metric in expectation. The band is ± 2 sd of the realized accuracy under those
 * probabilities (a Poisson-binomial: sd = √(Σ p(1-p)) / n); F1's band uses the binomial sd at its value.
 * Estimates assume the label given the features has not changed: they cannot see concept drift.
 */
export const ESTIMATE_CAVEAT = 'Estimated performance comes from the model’s calibrated confidence: it sees covariate shift, not concept drift (a change in how labels follow from features). Only realized metrics, from labels, reveal that.';

export function realizedMetrics(r: WindowJSON['realized'], labels: string[] | null): Record<string, number> | null {
  if (r.n === 0) return null;
  if (r.confusion && labels) {
    const c = r.confusion;
    let diag = 0;
    for (let i = 0; i < c.length; i++) diag += c[i][i];
    const m = perClassMetrics(c, labels);
    return { accuracy: diag / r.n, f1: m.macro.f1, precision: m.macro.precision, recall: m.macro.recall };
  }
  const n = r.n;
  const mae = (r.sumAbs ?? 0) / n;
  const rmse = Math.sqrt((r.sumSq ?? 0) / n);
  const ssTot = (r.sumY2 ?? 0) - ((r.sumY ?? 0) * (r.sumY ?? 0)) / n;
  const r2 = ssTot > 1e-12 ? 1 - (r.sumSq ?? 0) / ssTot : (r.sumSq ?? 0) < 1e-12 ? 1 : 0;
  return { mae, rmse, r2, meanResidual: (r.sumRes ?? 0) / n };
}

export function estimatedMetrics(c: WindowJSON['cbpe'], labels: string[] | null): Record<string, MetricEstimate> | null {
  if (!c || !labels || c.n === 0) return null;
  let diag = 0;
  for (let i = 0; i < c.expected.length; i++) diag += c.expected[i][i];
  const acc = diag / c.n;
  const sd = Math.sqrt(c.varSum) / c.n;
  const f1 = perClassMetrics(c.expected, labels).macro.f1;
  const sdF1 = Math.sqrt(Math.max(0, f1 * (1 - f1)) / c.n);
  const band = (v: number, s: number): MetricEstimate => ({ value: v, lo: Math.max(0, v - 2 * s), hi: Math.min(1, v + 2 * s) });
  return { accuracy: band(acc, sd), f1: band(f1, sdF1) };
}

/** The value matrix over the model's classes (rows actual, columns predicted); binary costs use labels[1] as positive. */
export function valueMatrixOf(cost: CostMatrix | null, labels: string[] | null): number[][] | null {
  if (!cost || !labels) return null;
  if (cost.kind === 'matrix') return alignMatrix(cost, labels);
  if (labels.length !== 2) return null;
  // index 0 negative, 1 positive
  return [
    [cost.tn, cost.fp],
    [cost.fn, cost.tp],
  ];
}

/** Value per 1000 cases of a confusion matrix (realized) or an expected one (estimated). */
export function valuePer1000(matrix: number[][] | undefined, n: number, values: number[][] | null): number | null {
  if (!matrix || !values || n === 0) return null;
  let s = 0;
  for (let i = 0; i < matrix.length; i++) for (let j = 0; j < matrix[i].length; j++) s += matrix[i][j] * (values[i]?.[j] ?? 0);
  return (1000 * s) / n;
}

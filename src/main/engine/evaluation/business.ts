import { MAX_CURVE_POINTS, type BinaryCost, type BusinessBinary, type BusinessMatrix, type MatrixCost, type ThresholdPoint } from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import { downsampleIndices } from '../tracking/downsample';
import type { ClassifiedCases } from './classification';
import { thresholdSweep } from './curves';

/**
 * Business value: what the model's decisions are worth under a value matrix over outcomes. Values are
 * gains (positive) and costs (negative) per case: a missed churner -120, a needless offer -10, a saved
 * churner +X. Reported per case and per 1000 cases.
 */

export interface BinaryOutcomeCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function outcomeValue(c: BinaryOutcomeCounts, v: BinaryCost): number {
  return c.tp * v.tp + c.fp * v.fp + c.fn * v.fn + c.tn * v.tn;
}

export interface BinaryThresholdAnalysis {
  /** Descending thresholds; entry g predicts positive every case with score >= thresholds[g] (entry 0: none). */
  thresholds: Float64Array;
  values: Float64Array;
  correct: Float64Array;
  tp: Float64Array;
  fp: Float64Array;
  positives: number;
  negatives: number;
  best: number;
  bestAccuracy: number;
}

/**
 * Total value and number of correct decisions at every distinct threshold, from one sort of the
 * scores (O(n log n)); the value-maximising and the accuracy-maximising thresholds. Ties between
 * thresholds go to the higher one (fewer positive calls).
 */
export function analyseThresholds(scores: ArrayLike<number>, positive: ArrayLike<number>, v: BinaryCost): BinaryThresholdAnalysis {
  const s = thresholdSweep(scores, positive);
  const m = s.thresholds.length;
  const values = new Float64Array(m);
  const correct = new Float64Array(m);
  let best = 0;
  let bestAccuracy = 0;
  for (let g = 0; g < m; g++) {
    const tp = s.tp[g];
    const fp = s.fp[g];
    const c = { tp, fp, fn: s.positives - tp, tn: s.negatives - fp };
    values[g] = outcomeValue(c, v);
    correct[g] = c.tp + c.tn;
    if (values[g] > values[best]) best = g;
    if (correct[g] > correct[bestAccuracy]) bestAccuracy = g;
  }
  return { thresholds: s.thresholds, values, correct, tp: s.tp, fp: s.fp, positives: s.positives, negatives: s.negatives, best, bestAccuracy };
}

/** Counts when predicting positive for score >= threshold. */
export function countsAt(scores: ArrayLike<number>, positive: ArrayLike<number>, threshold: number): BinaryOutcomeCounts {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i] >= threshold;
    if (positive[i]) p ? c.tp++ : c.fn++;
    else p ? c.fp++ : c.tn++;
  }
  return c;
}

/**
 * The value-optimal threshold of an analysis, with the interval of thresholds that are all as good.
 * Entry g of the sweep predicts positive for scores >= thresholds[g], so every threshold in
 * (thresholds[g+1], thresholds[g]] gives its counts. Among the runs of adjacent entries tied at the
 * best value, the widest interval wins and the threshold is its middle: on perfectly separated scores
 * it lands halfway between the classes instead of on the edge of one of them.
 */
export function valueOptimalThreshold(a: BinaryThresholdAnalysis): { threshold: number; lo: number; hi: number } {
  const m = a.thresholds.length;
  let max = -Infinity;
  for (let g = 0; g < m; g++) if (a.values[g] > max) max = a.values[g];
  const eps = 1e-9 * Math.max(1, Math.abs(max));
  const probabilities = m < 2 || (a.thresholds[1] <= 1 && a.thresholds[m - 1] >= 0);
  const upper = (g: number) => (g === 0 ? (probabilities ? Math.max(1, a.thresholds[1] ?? 1) : a.thresholds[0]) : a.thresholds[g]);
  const lower = (g: number) => (g + 1 < m ? a.thresholds[g + 1] : probabilities ? Math.min(0, a.thresholds[g]) : a.thresholds[g] - Math.max(1e-9, Math.abs(a.thresholds[g]) * 1e-9));
  let best = { lo: lower(0), hi: upper(0), width: -Infinity };
  for (let g = 0; g < m; g++) {
    if (a.values[g] < max - eps) continue;
    let h = g;
    while (h + 1 < m && a.values[h + 1] >= max - eps) h++;
    const lo = lower(h);
    const hi = upper(g);
    if (hi - lo > best.width) best = { lo, hi, width: hi - lo };
    g = h;
  }
  return { threshold: (best.lo + best.hi) / 2, lo: best.lo, hi: best.hi };
}

/**
 * Business value of binary decisions. The value-optimal threshold is chosen on `chooseOn` (the run's
 * validation rows) when given, else on the evaluated rows themselves (optimistic, and said so), and its
 * value is reported on the evaluated rows.
 */
export function binaryBusiness(
  scores: ArrayLike<number>,
  positive: ArrayLike<number>,
  cost: BinaryCost,
  defaultThreshold = 0.5,
  chooseOn?: { scores: ArrayLike<number>; positive: ArrayLike<number> },
): BusinessBinary {
  const n = scores.length;
  const per = (total: number) => (n > 0 ? total / n : 0);
  const a = analyseThresholds(scores, positive, cost);
  const summary = (g: number) => ({ threshold: a.thresholds[g], valuePerCase: per(a.values[g]), valuePer1000: per(a.values[g]) * 1000, accuracy: per(a.correct[g]) });
  const at = (t: number) => {
    const c = countsAt(scores, positive, t);
    const v = outcomeValue(c, cost);
    return { threshold: t, valuePerCase: per(v), valuePer1000: per(v) * 1000, accuracy: per(c.tp + c.tn), counts: c };
  };
  const chosen = valueOptimalThreshold(chooseOn && chooseOn.scores.length > 0 ? analyseThresholds(chooseOn.scores, chooseOn.positive, cost) : a);
  const { counts: _d, ...atDefault } = at(defaultThreshold);
  // The curve: value per case against threshold; LTTB keeps the maximum, so the best point stays visible.
  const keep = downsampleIndices(a.thresholds, a.values, MAX_CURVE_POINTS);
  const curve: ThresholdPoint[] = [];
  for (const g of keep) curve.push({ threshold: a.thresholds[g], value: per(a.values[g]) });
  const onValidation = chooseOn !== undefined && chooseOn.scores.length > 0;
  return {
    kind: 'binary',
    cost,
    atDefault,
    best: { ...at(chosen.threshold), interval: { lo: chosen.lo, hi: chosen.hi }, chosenOn: onValidation ? 'validation' : 'evaluated', chosenRows: onValidation ? chooseOn.scores.length : n },
    accuracyOptimal: summary(a.bestAccuracy),
    curve,
  };
}

/** Maps the cost matrix's classes onto the model's class indices; refuses a matrix that does not cover them. */
export function alignMatrix(cost: MatrixCost, classes: string[]): number[][] {
  const at = new Map(cost.classes.map((c, i) => [c, i]));
  const missing = classes.filter((c) => !at.has(c));
  if (missing.length > 0) {
    throw new LatheError('INVALID_INPUT', `The cost matrix has no row/column for class${missing.length > 1 ? 'es' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')}`, {
      where: 'cost.classes',
      hint: `The model's classes are ${classes.map((c) => JSON.stringify(c)).join(', ')}.`,
    });
  }
  return classes.map((ci) => classes.map((cj) => cost.values[at.get(ci) as number][at.get(cj) as number]));
}

/**
 * Multiclass (or binary given as a matrix): the value of predicting the most probable class, and of
 * predicting the class with the highest expected value under the predicted probabilities (the Bayes
 * decision for this matrix).
 */
export function matrixBusiness(cases: ClassifiedCases, classes: string[], cost: MatrixCost): BusinessMatrix {
  const V = alignMatrix(cost, classes);
  const { k, actual, probs, predicted } = cases;
  const n = actual.length;
  let argmaxTotal = 0;
  let optimalTotal = 0;
  let optimalCorrect = 0;
  for (let i = 0; i < n; i++) {
    argmaxTotal += V[actual[i]][predicted[i]];
    let bestJ = 0;
    let bestE = -Infinity;
    for (let j = 0; j < k; j++) {
      let e = 0;
      for (let t = 0; t < k; t++) e += probs[i * k + t] * V[t][j];
      if (e > bestE) {
        bestE = e;
        bestJ = j;
      }
    }
    optimalTotal += V[actual[i]][bestJ];
    if (bestJ === actual[i]) optimalCorrect++;
  }
  const per = (x: number) => (n > 0 ? x / n : 0);
  return {
    kind: 'matrix',
    cost,
    atArgmax: { valuePerCase: per(argmaxTotal), valuePer1000: per(argmaxTotal) * 1000 },
    valueOptimal: { valuePerCase: per(optimalTotal), valuePer1000: per(optimalTotal) * 1000, accuracy: per(optimalCorrect) },
  };
}

/** Value per case of the cases' own predictions (for slices). */
export function valuePerCase(cases: ClassifiedCases, classes: string[], positiveClass: number | null, cost: BinaryCost | MatrixCost): number {
  const n = cases.actual.length;
  if (n === 0) return 0;
  let total = 0;
  if (cost.kind === 'binary') {
    if (positiveClass === null) return 0;
    for (let i = 0; i < n; i++) {
      const a = cases.actual[i] === positiveClass;
      const p = cases.predicted[i] === positiveClass;
      total += a ? (p ? cost.tp : cost.fn) : p ? cost.fp : cost.tn;
    }
  } else {
    const V = alignMatrix(cost, classes);
    for (let i = 0; i < n; i++) total += V[cases.actual[i]][cases.predicted[i]];
  }
  return total / n;
}

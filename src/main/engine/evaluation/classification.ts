import type { AveragedMetrics, Calibration, CalibrationBin, ClassificationMetrics, ClassMetrics, PrCurve, RocCurve } from '../../../shared/evaluation';
import { averagePrecision, binaryCurves, rocAuc } from './curves';

/**
 * Classification metrics over typed arrays. The inputs everywhere:
 * - `actual`: the true class index of each case (0..k-1);
 * - `probs`: row-major n x k class probabilities (each row sums to 1);
 * - `predicted`: the predicted class index (default: the most probable class).
 * Conventions follow sklearn's (zero_division=0, log loss clipped, one-vs-rest macro AUC).
 */

export interface ClassifiedCases {
  k: number;
  actual: Int32Array;
  probs: Float64Array;
  predicted: Int32Array;
}

export const LOG_LOSS_EPS = 1e-15;

export function argmaxRows(probs: Float64Array, k: number): Int32Array {
  const n = probs.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = probs[i * k];
    for (let j = 1; j < k; j++) {
      const p = probs[i * k + j];
      if (p > bestP) {
        bestP = p;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Predicted class by threshold on the positive class's probability (binary only). */
export function thresholdPredictions(probs: Float64Array, positive: number, threshold: number): Int32Array {
  const n = probs.length / 2;
  const negative = 1 - positive;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = probs[i * 2 + positive] >= threshold ? positive : negative;
  return out;
}

/** rows: actual, columns: predicted. */
export function confusionMatrix(actual: Int32Array, predicted: Int32Array, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < actual.length; i++) m[actual[i]][predicted[i]]++;
  return m;
}

export function accuracy(actual: Int32Array, predicted: Int32Array): number {
  let hit = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] === predicted[i]) hit++;
  return actual.length > 0 ? hit / actual.length : 0;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/**
 * Precision, recall and F1 per class from a confusion matrix, with their macro and support-weighted
 * means. The macro mean is over the classes that occur (as actual or predicted), like sklearn's default
 * labels, so a slice holding two of three species is not marked down for the absent one.
 */
export function perClassMetrics(confusion: number[][], classes: string[]): { perClass: ClassMetrics[]; macro: AveragedMetrics; weighted: AveragedMetrics } {
  const k = confusion.length;
  const perClass: ClassMetrics[] = [];
  const macro = { precision: 0, recall: 0, f1: 0 };
  const weighted = { precision: 0, recall: 0, f1: 0 };
  let total = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    let seen = 0;
    for (let j = 0; j < k; j++) seen += confusion[c][j] + confusion[j][c];
    if (seen > 0) present++;
  }
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += confusion[j][c];
      support += confusion[c][j];
    }
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * tp, predicted + support);
    perClass.push({ class: classes[c], precision, recall, f1, support });
    if (support + predicted > 0) {
      macro.precision += precision / present;
      macro.recall += recall / present;
      macro.f1 += f1 / present;
    }
    weighted.precision += precision * support;
    weighted.recall += recall * support;
    weighted.f1 += f1 * support;
    total += support;
  }
  if (total > 0) {
    weighted.precision /= total;
    weighted.recall /= total;
    weighted.f1 /= total;
  }
  return { perClass, macro, weighted };
}

/** Mean -log p(true class), p clipped to [eps, 1 - eps]. */
export function logLoss(actual: Int32Array, probs: Float64Array, k: number, eps = LOG_LOSS_EPS): number {
  const n = actual.length;
  if (n === 0) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i * k + actual[i]]));
    s -= Math.log(p);
  }
  return s / n;
}

/** Column `c` of the probabilities and "is class c" as 0/1: the one-vs-rest problem of class c. */
export function oneVsRest(actual: Int32Array, probs: Float64Array, k: number, c: number): { scores: Float64Array; positive: Uint8Array } {
  const n = actual.length;
  const scores = new Float64Array(n);
  const positive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = probs[i * k + c];
    positive[i] = actual[i] === c ? 1 : 0;
  }
  return { scores, positive };
}

/**
 * ROC and PR curves: binary -> the positive class's; multiclass -> one-vs-rest per class. The summary
 * AUC / AP is the positive class's (binary) or the mean over classes where it exists (macro).
 */
export function classificationCurves(
  cases: ClassifiedCases,
  classes: string[],
  positiveClass: number | null,
): { roc: RocCurve[]; pr: PrCurve[]; auc: number | null; averagePrecision: number | null } {
  const { k, actual, probs } = cases;
  const targets = k === 2 && positiveClass !== null ? [positiveClass] : Array.from({ length: k }, (_, c) => c);
  const roc: RocCurve[] = [];
  const pr: PrCurve[] = [];
  for (const c of targets) {
    const { scores, positive } = oneVsRest(actual, probs, k, c);
    const curves = binaryCurves(scores, positive, classes[c]);
    roc.push(curves.roc);
    pr.push(curves.pr);
  }
  return { roc, pr, auc: meanOfDefined(roc.map((r) => r.auc)), averagePrecision: meanOfDefined(pr.map((p) => p.averagePrecision)) };
}

function meanOfDefined(xs: (number | null)[]): number | null {
  const d = xs.filter((x): x is number => x !== null);
  return d.length > 0 ? d.reduce((a, b) => a + b, 0) / d.length : null;
}

/** Summary AUC / AP without keeping curves (cheaper; for slices). */
export function summaryAuc(cases: ClassifiedCases, positiveClass: number | null): { auc: number | null; averagePrecision: number | null } {
  const { k, actual, probs } = cases;
  const targets = k === 2 && positiveClass !== null ? [positiveClass] : Array.from({ length: k }, (_, c) => c);
  const aucs: (number | null)[] = [];
  const aps: (number | null)[] = [];
  for (const c of targets) {
    const { scores, positive } = oneVsRest(actual, probs, k, c);
    aucs.push(rocAuc(scores, positive));
    aps.push(averagePrecision(scores, positive));
  }
  return { auc: meanOfDefined(aucs), averagePrecision: meanOfDefined(aps) };
}

/**
 * Reliability bins over [0, 1] (uniform, as sklearn's calibration_curve: bin edges i/bins, a value on an
 * inner edge goes to the upper bin) and the expected calibration error. Binary: P(positive) against
 * the positive rate; multiclass: the top probability against accuracy. Empty bins are left out.
 */
export function calibration(cases: ClassifiedCases, positiveClass: number | null, bins = 10): Calibration {
  const { k, actual, probs, predicted } = cases;
  const n = actual.length;
  const kind: Calibration['kind'] = k === 2 && positiveClass !== null ? 'positive' : 'confidence';
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * (1 / bins));
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    let p: number;
    let y: number;
    if (kind === 'positive') {
      p = probs[i * k + (positiveClass as number)];
      y = actual[i] === positiveClass ? 1 : 0;
    } else {
      p = probs[i * k + predicted[i]];
      y = actual[i] === predicted[i] ? 1 : 0;
    }
    // searchsorted(edges[1:-1], p, side='right')
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid + 1] <= p) lo = mid + 1;
      else hi = mid;
    }
    count[lo]++;
    sumP[lo] += p;
    sumY[lo] += y;
  }
  const out: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    const meanPredicted = sumP[b] / count[b];
    const observed = sumY[b] / count[b];
    out.push({ lo: edges[b], hi: edges[b + 1], count: count[b], meanPredicted, observed });
    ece += (count[b] / n) * Math.abs(observed - meanPredicted);
  }
  return { kind, bins: out, ece };
}

/** The scalar metrics (no curves). */
export function classificationMetrics(
  cases: ClassifiedCases,
  classes: string[],
  positiveClass: number | null,
  known?: { auc: number | null; averagePrecision: number | null },
): ClassificationMetrics {
  const confusion = confusionMatrix(cases.actual, cases.predicted, cases.k);
  const { perClass, macro, weighted } = perClassMetrics(confusion, classes);
  const { auc, averagePrecision: ap } = known ?? summaryAuc(cases, positiveClass);
  return {
    n: cases.actual.length,
    accuracy: accuracy(cases.actual, cases.predicted),
    logLoss: logLoss(cases.actual, cases.probs, cases.k),
    perClass,
    macro,
    weighted,
    confusion,
    auc,
    averagePrecision: ap,
  };
}

/** The cases at `rows` only. */
export function subsetCases(cases: ClassifiedCases, rows: ArrayLike<number>): ClassifiedCases {
  const { k } = cases;
  const m = rows.length;
  const actual = new Int32Array(m);
  const predicted = new Int32Array(m);
  const probs = new Float64Array(m * k);
  for (let j = 0; j < m; j++) {
    const i = rows[j];
    actual[j] = cases.actual[i];
    predicted[j] = cases.predicted[i];
    probs.set(cases.probs.subarray(i * k, i * k + k), j * k);
  }
  return { k, actual, probs, predicted };
}

import { MAX_CURVE_POINTS, type PrCurve, type RocCurve } from '../../../shared/evaluation';
import { downsampleIndices } from '../tracking/downsample';

/**
 * Threshold curves of one binary problem (a score per case and whether the case is positive), from
 * one sort of the scores: ROC with its AUC and the precision-recall curve with average precision.
 * Thresholds are the distinct scores, descending; a case is predicted positive when score >= threshold
 * (sklearn's convention), and the first point (nothing predicted positive) gets a threshold just above
 * the highest score. AUC and AP are computed on every distinct threshold; only the returned curves are
 * downsampled (LTTB, ends and extremes kept) to `MAX_CURVE_POINTS`.
 */

/** Indices of `scores` ordered by descending score (stable for ties). O(n log n). */
export function descendingOrder(scores: ArrayLike<number>): Uint32Array {
  const n = scores.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx;
}

/** A threshold just above every score: nothing reaches it. */
export function aboveAll(max: number): number {
  if (!Number.isFinite(max)) return Number.MAX_VALUE;
  return max < 1 ? (max + 1) / 2 : max + Math.max(1e-9, Math.abs(max) * 1e-9);
}

/**
 * Cumulative counts at each distinct threshold: after group g (all cases with score >= thresholds[g]),
 * tp[g] positives and fp[g] negatives are predicted positive. Entry 0 is "nothing positive".
 */
export interface ThresholdSweep {
  thresholds: Float64Array;
  tp: Float64Array;
  fp: Float64Array;
  positives: number;
  negatives: number;
}

export function thresholdSweep(scores: ArrayLike<number>, positive: ArrayLike<number>, order?: Uint32Array): ThresholdSweep {
  const n = scores.length;
  const idx = order ?? descendingOrder(scores);
  const thresholds: number[] = [n > 0 ? aboveAll(scores[idx[0]]) : 1];
  const tp: number[] = [0];
  const fp: number[] = [0];
  let t = 0;
  let f = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    if (positive[i]) t++;
    else f++;
    if (k === n - 1 || scores[idx[k + 1]] !== scores[i]) {
      thresholds.push(scores[i]);
      tp.push(t);
      fp.push(f);
    }
  }
  return { thresholds: Float64Array.from(thresholds), tp: Float64Array.from(tp), fp: Float64Array.from(fp), positives: t, negatives: f };
}

function pick(xs: ArrayLike<number>, keep: Int32Array): number[] {
  const out = new Array<number>(keep.length);
  for (let j = 0; j < keep.length; j++) out[j] = xs[keep[j]];
  return out;
}

export function rocFromSweep(s: ThresholdSweep, label: string, maxPoints = MAX_CURVE_POINTS): RocCurve {
  const m = s.thresholds.length;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  for (let g = 0; g < m; g++) {
    fpr[g] = s.negatives > 0 ? s.fp[g] / s.negatives : 0;
    tpr[g] = s.positives > 0 ? s.tp[g] / s.positives : 0;
  }
  let auc: number | null = null;
  if (s.positives > 0 && s.negatives > 0) {
    let area = 0;
    for (let g = 1; g < m; g++) area += ((fpr[g] - fpr[g - 1]) * (tpr[g] + tpr[g - 1])) / 2;
    auc = area;
  }
  const keep = downsampleIndices(fpr, tpr, maxPoints);
  return { class: label, auc, fpr: pick(fpr, keep), tpr: pick(tpr, keep), thresholds: pick(s.thresholds, keep) };
}

export function prFromSweep(s: ThresholdSweep, label: string, maxPoints = MAX_CURVE_POINTS): PrCurve {
  const m = s.thresholds.length;
  // Point 0 (nothing predicted positive) has recall 0 and, by convention, precision 1.
  const recall = new Float64Array(m);
  const precision = new Float64Array(m);
  precision[0] = 1;
  let ap = 0;
  for (let g = 1; g < m; g++) {
    recall[g] = s.positives > 0 ? s.tp[g] / s.positives : 0;
    const predicted = s.tp[g] + s.fp[g];
    precision[g] = predicted > 0 ? s.tp[g] / predicted : 1;
    ap += (recall[g] - recall[g - 1]) * precision[g];
  }
  const keep = downsampleIndices(recall, precision, maxPoints);
  return {
    class: label,
    averagePrecision: s.positives > 0 ? ap : null,
    recall: pick(recall, keep),
    precision: pick(precision, keep),
    thresholds: pick(s.thresholds, keep),
  };
}

/** ROC and PR of one binary problem in one sort. */
export function binaryCurves(scores: ArrayLike<number>, positive: ArrayLike<number>, label: string): { roc: RocCurve; pr: PrCurve } {
  const s = thresholdSweep(scores, positive);
  return { roc: rocFromSweep(s, label), pr: prFromSweep(s, label) };
}

/** Just the AUC (no curve kept): for slices. */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<number>): number | null {
  return rocFromSweep(thresholdSweep(scores, positive), '', 2).auc;
}

export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<number>): number | null {
  return prFromSweep(thresholdSweep(scores, positive), '', 2).averagePrecision;
}

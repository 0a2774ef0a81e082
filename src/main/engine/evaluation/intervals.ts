import type { BinaryCost, MatrixCost, MetricInterval } from '../../../shared/evaluation';
import { alignMatrix } from './business';
import { bootstrapIntervals, type BootstrapOptions, type WeightedStatistic } from './bootstrap';
import { LOG_LOSS_EPS, type ClassifiedCases } from './classification';

/**
 * Bootstrap intervals of a report's headline metrics: each metric rewritten as a function of resample
 * weights (see bootstrap.ts), O(n) per resample. Rank metrics (AUC, average precision) sort once and
 * sweep the sorted rows with weights; confusion-based ones share one weighted confusion matrix per
 * resample. The definitions follow classification.ts / curves.ts exactly (sklearn's), so the estimate
 * with every weight 1 equals the headline value.
 */

/** Descending score order and tie-group ends: rows order[a..b) share one score. */
function groupsByScore(scores: Float64Array): { order: Uint32Array; ends: Uint32Array } {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const ends: number[] = [];
  for (let k = 0; k < n; k++) if (k === n - 1 || scores[order[k + 1]] !== scores[order[k]]) ends.push(k + 1);
  return { order, ends: Uint32Array.from(ends) };
}

/**
 * AUC and average precision of one binary problem under weights, in one sweep of the pre-sorted rows.
 * A tie group counts as one threshold (half credit for tied pairs), exactly as curves.ts does.
 */
function rankSweep(scores: Float64Array, positive: Uint8Array): (w: Uint32Array) => { auc: number | null; ap: number | null } {
  const { order, ends } = groupsByScore(scores);
  const n = order.length;
  // Flattened for the hot loop: the sorted rows' positivity, and whether a tie group ends at each.
  const posSorted = new Uint8Array(n);
  const endsAt = new Uint8Array(n);
  for (let k = 0; k < n; k++) posSorted[k] = positive[order[k]];
  for (const e of ends) endsAt[e - 1] = 1;
  return (w) => {
    let cumP = 0;
    let cumN = 0;
    let gp = 0;
    let gn = 0;
    let area = 0;
    let ap = 0;
    for (let k = 0; k < n; k++) {
      const wi = w[order[k]];
      if (posSorted[k]) gp += wi;
      else gn += wi;
      if (endsAt[k] === 0) continue;
      if (gp + gn > 0) {
        area += gn * (cumP + gp / 2);
        if (gp > 0) ap += gp * ((cumP + gp) / (cumP + gp + cumN + gn));
        cumP += gp;
        cumN += gn;
      }
      gp = 0;
      gn = 0;
    }
    return { auc: cumP > 0 && cumN > 0 ? area / (cumP * cumN) : null, ap: cumP > 0 ? ap / cumP : null };
  };
}

function meanOfDefined(xs: (number | null)[]): number | null {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    if (x === null) continue;
    s += x;
    c++;
  }
  return c > 0 ? s / c : null;
}

export interface ClassificationIntervalInput {
  cases: ClassifiedCases;
  positiveClass: number | null;
  /** Reliability bin of each row and its (p, y) as calibration() sees them; null when ECE is not a headline. */
  calibration: { bin: Uint8Array; p: Float64Array; y: Uint8Array; bins: number } | null;
  cost?: BinaryCost | MatrixCost;
  /** Binary cost: the value-optimal threshold (its value per 1000 gets an interval too). */
  bestThreshold?: number;
}

/** Per-row value of a decision under a cost (binary: at `threshold`; matrix: the cases' own predictions). */
function rowValues(c: ClassifiedCases, positiveClass: number | null, cost: BinaryCost | MatrixCost, classes: string[], threshold?: number): Float64Array {
  const n = c.actual.length;
  const out = new Float64Array(n);
  if (cost.kind === 'binary') {
    if (positiveClass === null) return out;
    for (let i = 0; i < n; i++) {
      const a = c.actual[i] === positiveClass;
      const p = threshold === undefined ? c.predicted[i] === positiveClass : c.probs[i * 2 + positiveClass] >= threshold;
      out[i] = a ? (p ? cost.tp : cost.fn) : p ? cost.fp : cost.tn;
    }
    return out;
  }
  const V = alignMatrix(cost, classes);
  for (let i = 0; i < n; i++) out[i] = V[c.actual[i]][c.predicted[i]];
  return out;
}

/** Macro and support-weighted precision, recall and F1 from a weighted confusion matrix (perClassMetrics' rules). */
function averagedFromConfusion(m: Float64Array, k: number) {
  const macro = { precision: 0, recall: 0, f1: 0 };
  const weighted = { precision: 0, recall: 0, f1: 0 };
  let present = 0;
  let total = 0;
  for (let c = 0; c < k; c++) {
    let pred = 0;
    let sup = 0;
    for (let j = 0; j < k; j++) {
      pred += m[j * k + c];
      sup += m[c * k + j];
    }
    const tp = m[c * k + c];
    const precision = pred > 0 ? tp / pred : 0;
    const recall = sup > 0 ? tp / sup : 0;
    const f1 = pred + sup > 0 ? (2 * tp) / (pred + sup) : 0;
    if (pred + sup > 0) {
      present++;
      macro.precision += precision;
      macro.recall += recall;
      macro.f1 += f1;
    }
    weighted.precision += precision * sup;
    weighted.recall += recall * sup;
    weighted.f1 += f1 * sup;
    total += sup;
  }
  for (const key of ['precision', 'recall', 'f1'] as const) {
    macro[key] = present > 0 ? macro[key] / present : 0;
    weighted[key] = total > 0 ? weighted[key] / total : 0;
  }
  return { macro, weighted };
}

/**
 * Every headline metric of a classification report (and the business values) under resample weights.
 * One dense pass over the rows per resample (confusion, means, calibration bins) plus one rank sweep
 * per one-vs-rest problem: the metrics of a resample are computed together and read one by one.
 */
export function classificationIntervals(input: ClassificationIntervalInput, classes: string[], options: BootstrapOptions): Record<string, MetricInterval> {
  const { cases, positiveClass } = input;
  const { k, actual, probs, predicted } = cases;
  const n = actual.length;
  const logLoss = new Float64Array(n);
  for (let i = 0; i < n; i++) logLoss[i] = -Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, probs[i * k + actual[i]])));
  const targets = k === 2 && positiveClass !== null ? [positiveClass] : Array.from({ length: k }, (_, c) => c);
  const ranks = targets.map((c) => {
    const scores = new Float64Array(n);
    const pos = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = probs[i * k + c];
      pos[i] = actual[i] === c ? 1 : 0;
    }
    return rankSweep(scores, pos);
  });
  const hasValue = input.cost !== undefined;
  const hasBest = input.cost?.kind === 'binary' && input.bestThreshold !== undefined;
  const values = input.cost ? rowValues(cases, positiveClass, input.cost, classes) : new Float64Array(n);
  const bestValues = hasBest && input.cost ? rowValues(cases, positiveClass, input.cost, classes, input.bestThreshold) : new Float64Array(n);
  const cell = new Uint32Array(n);
  const hit = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    cell[i] = actual[i] * k + predicted[i];
    hit[i] = actual[i] === predicted[i] ? 1 : 0;
  }
  const cal = input.calibration;
  const bins = cal?.bins ?? 0;
  const cm = new Float64Array(k * k);
  const cnt = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);

  const summarize = (w: Uint32Array): Record<string, number | null> => {
    cm.fill(0);
    cnt.fill(0);
    sp.fill(0);
    sy.fill(0);
    let correct = 0;
    let ll = 0;
    let value = 0;
    let best = 0;
    // Branch-free on the weights: about a third of them are 0 in any resample, unpredictably.
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      cm[cell[i]] += wi;
      correct += wi * hit[i];
      ll += wi * logLoss[i];
      value += wi * values[i];
      best += wi * bestValues[i];
    }
    if (cal) {
      for (let i = 0; i < n; i++) {
        const wi = w[i];
        const b = cal.bin[i];
        cnt[b] += wi;
        sp[b] += wi * cal.p[i];
        sy[b] += wi * cal.y[i];
      }
    }
    const { macro, weighted } = averagedFromConfusion(cm, k);
    const rank = ranks.map((r) => r(w));
    const out: Record<string, number | null> = {
      accuracy: correct / n,
      f1_macro: macro.f1,
      f1_weighted: weighted.f1,
      precision_macro: macro.precision,
      recall_macro: macro.recall,
      auc: meanOfDefined(rank.map((r) => r.auc)),
      average_precision: meanOfDefined(rank.map((r) => r.ap)),
      log_loss: ll / n,
    };
    if (cal) {
      let e = 0;
      for (let b = 0; b < bins; b++) if (cnt[b] > 0) e += (cnt[b] / n) * Math.abs(sy[b] / cnt[b] - sp[b] / cnt[b]);
      out.ece = e;
    }
    if (hasValue) out.value_per_1000 = (value / n) * 1000;
    if (hasBest) out.best_value_per_1000 = (best / n) * 1000;
    return out;
  };
  // The weights buffer is reused across resamples, so the summary is keyed by a draw counter that the
  // first statistic advances (bootstrapIntervals calls the statistics in key order for every resample).
  let draw = 0;
  let summaryDraw = -1;
  let summary: Record<string, number | null> = {};
  const read = (key: string, first: boolean) => (w: Uint32Array) => {
    if (first) draw++;
    if (summaryDraw !== draw) {
      summary = summarize(w);
      summaryDraw = draw;
    }
    return summary[key] ?? null;
  };
  const keys = Object.keys(summarize(new Uint32Array(n).fill(1)));
  const stats: Record<string, WeightedStatistic> = {};
  keys.forEach((key, j) => (stats[key] = read(key, j === 0)));
  return strip(bootstrapIntervals(n, stats, options));
}

export function regressionIntervals(actual: Float64Array, predicted: Float64Array, options: BootstrapOptions): Record<string, MetricInterval> {
  const n = actual.length;
  const sums = (w: Uint32Array) => {
    let t = 0;
    let abs = 0;
    let sq = 0;
    let sy = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      if (!wi) continue;
      const r = actual[i] - predicted[i];
      t += wi;
      abs += wi * Math.abs(r);
      sq += wi * r * r;
      sy += wi * actual[i];
      syy += wi * actual[i] * actual[i];
    }
    return { t, abs, sq, tot: syy - (sy * sy) / t };
  };
  return strip(
    bootstrapIntervals(
      n,
      {
        mae: (w) => {
          const s = sums(w);
          return s.abs / s.t;
        },
        rmse: (w) => {
          const s = sums(w);
          return Math.sqrt(s.sq / s.t);
        },
        r2: (w) => {
          const s = sums(w);
          // sklearn (force_finite): a constant target scores 1 when every prediction is exact, else 0.
          return s.tot > 1e-12 * Math.max(1, s.t) ? 1 - s.sq / s.tot : s.sq === 0 ? 1 : 0;
        },
      },
      options,
    ),
  );
}

function strip(r: Record<string, { lo: number | null; hi: number | null }>): Record<string, MetricInterval> {
  const out: Record<string, MetricInterval> = {};
  for (const [k, v] of Object.entries(r)) out[k] = { lo: v.lo, hi: v.hi };
  return out;
}

/** Each row's reliability bin, probability and outcome, binned as calibration() bins them (edges i/bins, inner edges go up). */
export function calibrationRows(cases: ClassifiedCases, positiveClass: number | null, bins = 10): NonNullable<ClassificationIntervalInput['calibration']> {
  const { k, actual, probs, predicted } = cases;
  const n = actual.length;
  const positive = k === 2 && positiveClass !== null;
  const bin = new Uint8Array(n);
  const p = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = positive ? probs[i * k + (positiveClass as number)] : probs[i * k + predicted[i]];
    y[i] = positive ? (actual[i] === positiveClass ? 1 : 0) : actual[i] === predicted[i] ? 1 : 0;
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((mid + 1) * (1 / bins) <= p[i]) lo = mid + 1;
      else hi = mid;
    }
    bin[i] = lo;
  }
  return { bin, p, y, bins };
}

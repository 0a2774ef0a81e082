import type { CellValue } from '../../../shared/datasets';
import type { CostMatrix } from '../../../shared/evaluation';
import type { GateMetric, GateNumbers, GateRule } from '../../../shared/pipelines';
import type { Prediction } from '../../../shared/training';
import { pairedBootstrap, type PairedInterval } from './pairedBootstrap';

/**
 * The champion gate's arithmetic, apart from models and storage so it can be tested on crafted
 * scores. Every metric is scored per row, for both models on the same rows, so the comparison can be
 * paired: d_i = improvement of the challenger on row i (gains as they are, losses negated).
 */

const LOSSES: ReadonlySet<GateMetric> = new Set(['log_loss', 'mae', 'mse']);

export interface Truth {
  task: 'classification' | 'regression';
  /** Class labels (classification) or numbers (regression), one per scored row. */
  values: (string | number)[];
  cost?: CostMatrix;
  /** Binary cost: the class counted as positive. */
  positive?: string;
}

/** Per-row scores of one model's predictions for one metric; null when the metric does not apply. */
export function rowScores(metric: GateMetric, truth: Truth, p: Prediction, labels: string[] | null): Float64Array | null {
  const n = truth.values.length;
  const out = new Float64Array(n);
  if (truth.task === 'regression') {
    if (metric !== 'mae' && metric !== 'mse') return null;
    for (let i = 0; i < n; i++) {
      const e = Number(truth.values[i]) - Number(p.predictions[i]);
      out[i] = metric === 'mae' ? Math.abs(e) : e * e;
    }
    return out;
  }
  if (metric === 'accuracy') {
    for (let i = 0; i < n; i++) out[i] = String(p.predictions[i]) === String(truth.values[i]) ? 1 : 0;
    return out;
  }
  if (metric === 'log_loss') {
    if (!p.probabilities || !labels) return null;
    for (let i = 0; i < n; i++) {
      const j = labels.indexOf(String(truth.values[i]));
      const q = j < 0 ? 1e-15 : Math.min(1 - 1e-15, Math.max(1e-15, p.probabilities[i][j]));
      out[i] = -Math.log(q);
    }
    return out;
  }
  if (metric === 'value') {
    const cost = truth.cost;
    if (!cost) return null;
    for (let i = 0; i < n; i++) out[i] = caseValue(cost, String(truth.values[i]), String(p.predictions[i]), truth.positive);
    return out;
  }
  return null;
}

function caseValue(cost: CostMatrix, actual: string, predicted: string, positive: string | undefined): number {
  if (cost.kind === 'matrix') {
    const i = cost.classes.indexOf(actual);
    const j = cost.classes.indexOf(predicted);
    return i < 0 || j < 0 ? 0 : cost.values[i][j];
  }
  const a = actual === positive;
  const q = predicted === positive;
  return a ? (q ? cost.tp : cost.fn) : q ? cost.fp : cost.tn;
}

const mean = (a: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

export interface ScoredModel {
  prediction: Prediction;
  labels: string[] | null;
}

export interface GateOutcome {
  verdict: 'pass' | 'fail' | 'blocked';
  reason: string;
  numbers: GateNumbers | null;
}

/** The default primary metric: business value when there is a cost matrix, else accuracy (or mse). */
export function primaryMetric(rule: GateRule, truth: Truth): GateMetric {
  if (rule.primary) return rule.primary;
  if (truth.task === 'regression') return 'mse';
  return truth.cost ? 'value' : 'accuracy';
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));

/**
 * The default rule: enough rows; the primary metric's paired improvement exceeds the margin with
 * the lower end of its interval above zero; no guard metric worse than its tolerance.
 * No champion yet: the challenger passes on the row count alone (there is nothing to beat).
 */
export function decide(rule: GateRule, truth: Truth, challenger: ScoredModel, champion: ScoredModel | null, interval: PairedInterval = pairedBootstrap): GateOutcome {
  const metric = primaryMetric(rule, truth);
  const n = truth.values.length;
  const chal = rowScores(metric, truth, challenger.prediction, challenger.labels);
  if (!chal) return { verdict: 'blocked', reason: `the metric ${metric} does not apply to this evaluation (${truth.task}${truth.cost ? '' : ', no cost matrix'})`, numbers: null };
  if (n < rule.minRows) return { verdict: 'blocked', reason: `only ${n} scored rows; the gate needs at least ${rule.minRows}`, numbers: null };
  if (!champion) {
    return {
      verdict: 'pass',
      reason: `no champion yet: the challenger (${metric} ${fmt(mean(chal))} on ${n} rows) becomes the first`,
      numbers: { metric, champion: null, challenger: mean(chal), difference: null, interval: null, guards: [] },
    };
  }
  const champ = rowScores(metric, truth, champion.prediction, champion.labels);
  if (!champ) return { verdict: 'blocked', reason: `the champion's predictions cannot be scored with ${metric}`, numbers: null };
  const sign = LOSSES.has(metric) ? -1 : 1;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = sign * (chal[i] - champ[i]);
  const iv = interval(d, { resamples: rule.resamples, confidence: rule.confidence, seed: rule.seed });
  const guards = rule.guards.map((g) => {
    const a = rowScores(g.metric, truth, challenger.prediction, challenger.labels);
    const b = rowScores(g.metric, truth, champion.prediction, champion.labels);
    const ca = a ? mean(a) : NaN;
    const cb = b ? mean(b) : NaN;
    const change = (LOSSES.has(g.metric) ? -1 : 1) * (ca - cb);
    return { metric: g.metric, champion: cb, challenger: ca, change, tolerance: g.tolerance, ok: Number.isFinite(change) && change >= -g.tolerance };
  });
  const numbers: GateNumbers = {
    metric,
    champion: mean(champ),
    challenger: mean(chal),
    difference: iv.mean,
    interval: { lo: iv.lo, hi: iv.hi, confidence: iv.confidence, resamples: iv.resamples },
    guards,
  };
  const pct = `${Math.round(iv.confidence * 100)}%`;
  const span = `[${fmt(iv.lo)}, ${fmt(iv.hi)}]`;
  const bad = guards.find((g) => !g.ok);
  if (bad) return { verdict: 'fail', reason: `guard ${bad.metric} got worse by ${fmt(-bad.change)} (tolerance ${fmt(bad.tolerance)})`, numbers };
  if (iv.mean <= rule.margin) {
    return { verdict: 'fail', reason: `${metric}: the challenger's improvement ${fmt(iv.mean)} does not exceed the margin ${fmt(rule.margin)} (${pct} interval ${span})`, numbers };
  }
  if (iv.lo <= 0) return { verdict: 'fail', reason: `${metric}: improvement ${fmt(iv.mean)} is within noise: the ${pct} interval ${span} reaches zero`, numbers };
  return { verdict: 'pass', reason: `${metric}: the challenger beats the champion by ${fmt(iv.mean)} per case (${pct} interval ${span}, ${n} rows)`, numbers };
}

/** Rows whose target is missing are left out of both models' scores. */
export function scorableRows(rows: CellValue[][], targetIndex: number): number[] {
  const keep: number[] = [];
  rows.forEach((r, i) => {
    const v = r[targetIndex];
    if (v !== null && v !== '' && !(typeof v === 'number' && Number.isNaN(v))) keep.push(i);
  });
  return keep;
}

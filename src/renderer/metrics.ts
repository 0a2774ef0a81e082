/**
 * What a metric's name says about it: which way is better, its natural range, whether it is a rate,
 * and which metrics matter first. Pure functions (test/renderer/format.test.ts). The evaluation's
 * headline metrics have their direction in src/shared (HEADLINE_DIRECTION, also used by the engine's
 * comparisons); training and logged metrics (`val_loss`, `test_acc`, `batch.loss`) are read from their
 * name's words.
 */
import { HEADLINE_DIRECTION } from '../shared/evaluation';

export type Direction = 'max' | 'min';

/** The metric without its split or group prefix: `val_loss` -> `loss`, `baseline.logreg.test_acc` -> `acc`. */
export function metricBase(name: string): string {
  let b = name.replace(/^baseline\.[^.]+\./, '').replace(/^(batch|epoch|sweep)[./]/, '');
  b = b.replace(/^(val|valid|validation|test|train|training|eval|holdout)[_./-]/i, '');
  return b;
}

const words = (name: string) => metricBase(name).toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

const LOWER = new Set(['loss', 'error', 'err', 'mae', 'mse', 'rmse', 'mape', 'smape', 'ece', 'logloss', 'perplexity', 'brier', 'wer', 'cer', 'nll', 'regret', 'cost', 'latency']);
const HIGHER = new Set(['acc', 'accuracy', 'auc', 'roc', 'f1', 'precision', 'recall', 'r2', 'value', 'iou', 'map', 'ap', 'bleu', 'rouge', 'dice', 'kappa', 'mcc', 'sensitivity', 'specificity', 'score']);
/** Metrics that are shares of cases (shown as percentages in headlines) and bounded by [0, 1]. */
const RATES = new Set(['acc', 'accuracy', 'precision', 'recall', 'f1', 'sensitivity', 'specificity']);
const UNIT = new Set([...RATES, 'auc', 'roc', 'iou', 'ap', 'map', 'dice', 'ece', 'brier']);
const NON_NEGATIVE = new Set(['loss', 'mae', 'mse', 'rmse', 'mape', 'smape', 'logloss', 'perplexity', 'lr', 'rate', 'time', 'duration', 'samples', 'sec', 'epoch']);

/** Which way is better, or null when the name does not say (a learning rate, a count). */
export function metricDirection(name: string): Direction | null {
  const base = metricBase(name);
  const known = HEADLINE_DIRECTION[base] ?? HEADLINE_DIRECTION[name];
  if (known) return known;
  const w = words(name);
  if (w.includes('learning') || w.includes('lr')) return null;
  // The last word decides (`error_rate` is an error, `average_precision` a precision).
  for (let i = w.length - 1; i >= 0; i--) {
    if (LOWER.has(w[i])) return 'min';
    if (HIGHER.has(w[i])) return 'max';
  }
  return null;
}

/** Whether the metric is a share of cases in [0, 1] (accuracy, precision, recall, F1). */
export function isRateMetric(name: string): boolean {
  const w = words(name);
  return w.length > 0 && RATES.has(w[0]) && !w.includes('loss');
}

/**
 * The values a metric can take, for an axis: [0, 1] for rates, AUC, calibration error; [0, ∞) for
 * losses, errors and a learning rate; (−∞, 1] for R²; unbounded otherwise.
 */
export function metricRange(name: string): [number, number] {
  const w = words(name);
  if (w.includes('r2')) return [-Infinity, 1];
  if (w.some((x) => UNIT.has(x)) && !w.includes('loss')) return [0, 1];
  if (w.some((x) => NON_NEGATIVE.has(x) || LOWER.has(x))) return [0, Infinity];
  return [-Infinity, Infinity];
}

/** `better`, `worse` or `same` for a change of a metric (later minus earlier), or null if it has no direction. */
export function deltaSense(name: string, delta: number | null | undefined): 'better' | 'worse' | 'same' | null {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return null;
  const dir = metricDirection(name);
  if (!dir) return null;
  if (delta === 0) return 'same';
  return (delta > 0) === (dir === 'max') ? 'better' : 'worse';
}

/**
 * The order metrics are read in: held-out first (test_*, then val_*), then the training side, then
 * per-batch, baselines and bookkeeping; within a group those with a direction (what is optimised) before
 * the rest, then by name.
 */
export function metricRank(name: string): number {
  if (name.startsWith('baseline.')) return 60;
  if (/^(batch|sweep)[./]/.test(name)) return 50;
  if (/^test[_./-]/i.test(name)) return 0;
  if (/^(val|valid|validation|eval|holdout)[_./-]/i.test(name)) return 10;
  if (['lr', 'learning_rate', 'best_epoch', 'samples_per_sec', 'epoch', 'step'].includes(name)) return 40;
  if (/^(train|training)[_./-]/i.test(name)) return 30;
  return metricDirection(name) ? 20 : 35;
}

export function compareMetricNames(a: string, b: string): number {
  const ra = metricRank(a);
  const rb = metricRank(b);
  if (ra !== rb) return ra - rb;
  const base = metricBase(a).localeCompare(metricBase(b));
  return base !== 0 ? base : a.localeCompare(b);
}

/** Metric names in the order people read them (see metricRank). */
export function orderMetrics(names: Iterable<string>): string[] {
  return [...names].sort(compareMetricNames);
}

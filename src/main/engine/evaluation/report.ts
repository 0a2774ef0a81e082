import type {
  BusinessReport,
  ClassificationReport,
  CostMatrix,
  EvaluationReport,
  RegressionReport,
  SliceMetrics,
  SliceReport,
} from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import { binaryBusiness, matrixBusiness, valuePerCase } from './business';
import {
  argmaxRows,
  calibration,
  classificationCurves,
  classificationMetrics,
  oneVsRest,
  subsetCases,
  thresholdPredictions,
  type ClassifiedCases,
} from './classification';
import { regressionMetrics, residualSample, subsetValues } from './regression';
import { DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, type BootstrapOptions } from './bootstrap';
import { calibrationRows, classificationIntervals, regressionIntervals } from './intervals';

/**
 * Builds a whole evaluation report from predictions (pure: no model, no database). The engine feeds
 * it what the model predicted on a dataset version; tests feed it hand-made arrays.
 */

export interface ClassificationPredictions {
  task: 'classification';
  classes: string[];
  /** True class index per case. */
  actual: Int32Array;
  /** Row-major n x k probabilities. */
  probs: Float64Array;
  /** Binary: the index of the positive class (default 1). Ignored for more than two classes. */
  positiveClass?: number;
}

export interface RegressionPredictions {
  task: 'regression';
  actual: Float64Array;
  predicted: Float64Array;
}

export type Predictions = ClassificationPredictions | RegressionPredictions;

export interface ReportOptions {
  cost?: CostMatrix;
  /** The slice column's value for every case (null = missing), aligned with the predictions. */
  slice?: { column: string; values: (string | null)[]; top?: number };
  skippedRows?: number;
  /** Binary: the decision threshold on P(positive) the model uses (default 0.5). */
  threshold?: number;
  /** Binary cost: the rows the value-optimal threshold is chosen on (the run's validation split), same classes. */
  chooseOn?: { actual: Int32Array; probs: Float64Array };
  /** Bootstrap intervals of the headline metrics (omit or 0 resamples: none). */
  bootstrap?: BootstrapOptions;
}

export const MISSING_SLICE = '(missing)';
export const OTHER_SLICE = '(other)';

/** Groups row indices by the slice value: the `top` most frequent values, then "(other)", then "(missing)". */
export function sliceGroups(values: (string | null)[], top = 10): { value: string; rows: Int32Array }[] {
  const byValue = new Map<string, number[]>();
  const missing: number[] = [];
  values.forEach((v, i) => {
    if (v === null || v === '') return void missing.push(i);
    let rows = byValue.get(v);
    if (!rows) byValue.set(v, (rows = []));
    rows.push(i);
  });
  const sorted = [...byValue.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out = sorted.slice(0, top).map(([value, rows]) => ({ value, rows: Int32Array.from(rows) }));
  const rest = sorted.slice(top).flatMap(([, rows]) => rows);
  if (rest.length > 0) out.push({ value: OTHER_SLICE, rows: Int32Array.from(rest.sort((a, b) => a - b)) });
  if (missing.length > 0) out.push({ value: MISSING_SLICE, rows: Int32Array.from(missing) });
  return out;
}

function classificationHeadline(m: ReturnType<typeof classificationMetrics>, ece: number | null): Record<string, number | null> {
  return {
    accuracy: m.accuracy,
    f1_macro: m.macro.f1,
    f1_weighted: m.weighted.f1,
    precision_macro: m.macro.precision,
    recall_macro: m.macro.recall,
    auc: m.auc,
    average_precision: m.averagePrecision,
    log_loss: m.logLoss,
    ...(ece === null ? {} : { ece }),
  };
}

function resolvePositive(p: ClassificationPredictions): number | null {
  const k = p.classes.length;
  if (k !== 2) return null;
  const pos = p.positiveClass ?? 1;
  if (pos !== 0 && pos !== 1) throw new LatheError('INVALID_INPUT', `positive class index ${pos} is not 0 or 1`, { where: 'positive' });
  return pos;
}

export function buildClassificationReport(p: ClassificationPredictions, opts: ReportOptions = {}): EvaluationReport {
  const k = p.classes.length;
  const n = p.actual.length;
  if (k < 2) throw new LatheError('INVALID_INPUT', 'A classification report needs at least two classes', { where: 'classes' });
  if (p.probs.length !== n * k) throw new LatheError('INTERNAL', `Probabilities have ${p.probs.length} values for ${n} cases x ${k} classes`);
  const positiveClass = resolvePositive(p);
  const threshold = opts.threshold ?? 0.5;
  const predicted = positiveClass !== null ? thresholdPredictions(p.probs, positiveClass, threshold) : argmaxRows(p.probs, k);
  const cases: ClassifiedCases = { k, actual: p.actual, probs: p.probs, predicted };
  const curves = classificationCurves(cases, p.classes, positiveClass);
  const metrics = classificationMetrics(cases, p.classes, positiveClass, curves);
  const cal = calibration(cases, positiveClass);
  const report: ClassificationReport = {
    task: 'classification',
    classes: p.classes,
    positiveClass: positiveClass === null ? null : p.classes[positiveClass],
    ...metrics,
    roc: curves.roc,
    pr: curves.pr,
    calibration: cal,
  };
  const headline = classificationHeadline(metrics, cal.ece);

  let business: BusinessReport | undefined;
  if (opts.cost) {
    if (opts.cost.kind === 'binary') {
      if (positiveClass === null) {
        throw new LatheError('INVALID_INPUT', `A tp/fp/fn/tn cost needs a binary model; this one has ${k} classes`, {
          where: 'cost',
          hint: 'Give a value matrix instead: { kind: "matrix", classes: [...], values: [[...]] } (rows actual, columns predicted).',
        });
      }
      const { scores, positive } = oneVsRest(p.actual, p.probs, k, positiveClass);
      const chooseOn = opts.chooseOn && opts.chooseOn.actual.length > 0 ? oneVsRest(opts.chooseOn.actual, opts.chooseOn.probs, k, positiveClass) : undefined;
      business = binaryBusiness(scores, positive, opts.cost, threshold, chooseOn ? { scores: chooseOn.scores, positive: chooseOn.positive } : undefined);
      headline.value_per_1000 = business.atDefault.valuePer1000;
    } else {
      business = matrixBusiness(cases, p.classes, opts.cost);
      headline.value_per_1000 = business.atArgmax.valuePer1000;
    }
  }

  let slices: SliceReport | undefined;
  if (opts.slice) {
    if (opts.slice.values.length !== n) throw new LatheError('INTERNAL', `The slice column has ${opts.slice.values.length} values for ${n} cases`);
    const out: SliceMetrics[] = [];
    for (const g of sliceGroups(opts.slice.values, opts.slice.top)) {
      const sub = subsetCases(cases, g.rows);
      const m = classificationMetrics(sub, p.classes, positiveClass);
      const s: SliceMetrics = { value: g.value, n: g.rows.length, headline: classificationHeadline(m, null), confusion: m.confusion };
      if (opts.cost) s.businessValuePerCase = valuePerCase(sub, p.classes, positiveClass, opts.cost);
      out.push(s);
    }
    slices = { column: opts.slice.column, slices: out };
  }
  const out: EvaluationReport = { ...report, headline, business, slices, skippedRows: opts.skippedRows ?? 0 };
  if (wantsIntervals(opts)) {
    const bestThreshold = business?.kind === 'binary' ? business.best.threshold : undefined;
    out.intervals = classificationIntervals({ cases, positiveClass, calibration: calibrationRows(cases, positiveClass), cost: opts.cost, bestThreshold }, p.classes, opts.bootstrap);
    out.bootstrap = bootstrapRecord(opts.bootstrap);
  }
  return out;
}

const wantsIntervals = (opts: ReportOptions): opts is ReportOptions & { bootstrap: BootstrapOptions } => opts.bootstrap !== undefined && (opts.bootstrap.resamples ?? DEFAULT_RESAMPLES) > 0;
const bootstrapRecord = (b: BootstrapOptions) => ({ resamples: b.resamples ?? DEFAULT_RESAMPLES, seed: b.seed ?? DEFAULT_SEED, level: b.level ?? DEFAULT_LEVEL });

export function buildRegressionReport(p: RegressionPredictions, opts: ReportOptions = {}): EvaluationReport {
  if (opts.cost) throw new LatheError('INVALID_INPUT', 'A cost matrix applies to classification; this model does regression', { where: 'cost' });
  const n = p.actual.length;
  const metrics = regressionMetrics(p.actual, p.predicted);
  const report: RegressionReport = { task: 'regression', ...metrics, residuals: residualSample(p.actual, p.predicted) };
  const headline = (m: typeof metrics) => ({ mae: m.mae, rmse: m.rmse, r2: m.r2 });
  let slices: SliceReport | undefined;
  if (opts.slice) {
    if (opts.slice.values.length !== n) throw new LatheError('INTERNAL', `The slice column has ${opts.slice.values.length} values for ${n} cases`);
    slices = {
      column: opts.slice.column,
      slices: sliceGroups(opts.slice.values, opts.slice.top).map((g) => ({
        value: g.value,
        n: g.rows.length,
        headline: headline(regressionMetrics(subsetValues(p.actual, g.rows), subsetValues(p.predicted, g.rows))),
      })),
    };
  }
  const out: EvaluationReport = { ...report, headline: headline(metrics), slices, skippedRows: opts.skippedRows ?? 0 };
  if (wantsIntervals(opts)) {
    out.intervals = regressionIntervals(p.actual, p.predicted, opts.bootstrap);
    out.bootstrap = bootstrapRecord(opts.bootstrap);
  }
  return out;
}

export function buildReport(p: Predictions, opts: ReportOptions = {}): EvaluationReport {
  return p.task === 'classification' ? buildClassificationReport(p, opts) : buildRegressionReport(p, opts);
}

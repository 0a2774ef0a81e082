/**
 * Evaluation helpers for the screens: the cost-matrix editor's data (presets, raw text -> a cost the
 * contract accepts), curve downsampling for display, and the numbers a report shows. Pure functions.
 */
import { costMatrixSchema, HEADLINE_DIRECTION, type CostMatrix, type EvaluationReport } from '../../shared/evaluation';
import { issuesToErrors, type FieldErrors } from './trainingForm';

export interface BinaryCostForm {
  tp: string;
  fp: string;
  fn: string;
  tn: string;
}

export interface CostPreset {
  id: string;
  title: string;
  /** What each outcome means in the example. */
  explain: string;
  values: BinaryCostForm;
}

/** The example the issue gives: a missed churner costs 120, a needless offer costs 10. */
export const COST_PRESETS: CostPreset[] = [
  {
    id: 'churn',
    title: 'churn: missed churner −120, needless offer −10',
    explain: 'TP: offer to a churner who stays (−10); FP: needless offer (−10); FN: missed churner (−120); TN: nothing happens (0)',
    values: { tp: '-10', fp: '-10', fn: '-120', tn: '0' },
  },
  {
    id: 'accuracy',
    title: 'accuracy: right +1, wrong 0',
    explain: 'Every correct prediction is worth 1: the value per case is the accuracy',
    values: { tp: '1', fp: '0', fn: '0', tn: '1' },
  },
];

export const EMPTY_BINARY_COST: BinaryCostForm = { tp: '0', fp: '0', fn: '0', tn: '0' };

const num = (t: string): number | null => {
  const s = t.trim();
  if (s === '') return null;
  const n = Number(s.replace('−', '-'));
  return Number.isFinite(n) ? n : null;
};

/** A binary cost from the editor's text, or the errors by outcome (`tp`, `fp`, `fn`, `tn`). */
export function binaryCostOf(f: BinaryCostForm): { cost?: CostMatrix; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const v: Record<string, number> = {};
  for (const k of ['tp', 'fp', 'fn', 'tn'] as const) {
    const n = num(f[k]);
    if (n === null) errors[k] = f[k].trim() === '' ? 'a value is needed (0 for none)' : `"${f[k]}" is not a number`;
    else v[k] = n;
  }
  if (Object.keys(errors).length) return { errors };
  const parsed = costMatrixSchema.safeParse({ kind: 'binary', ...v });
  if (!parsed.success) return { errors: issuesToErrors(parsed.error.issues) };
  if (v.tp === v.fn && v.fp === v.tn) return { cost: parsed.data, errors: { cost: 'every outcome is worth the same whatever the model says: the value cannot pick a threshold' } };
  return { cost: parsed.data, errors: {} };
}

/** An n x n editor's start: 0 on the diagonal (right), −1 elsewhere (wrong). */
export function defaultMatrix(n: number): string[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? '0' : '-1')));
}

/** A multiclass cost from text cells (rows: actual, columns: predicted); errors keyed `values.i.j`. */
export function matrixCostOf(classes: string[], cells: string[][]): { cost?: CostMatrix; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const values = classes.map((_, i) =>
    classes.map((_, j) => {
      const t = cells[i]?.[j] ?? '';
      const n = num(t);
      if (n === null) errors[`values.${i}.${j}`] = t.trim() === '' ? 'a value is needed' : `"${t}" is not a number`;
      return n ?? 0;
    }),
  );
  if (Object.keys(errors).length) return { errors };
  const parsed = costMatrixSchema.safeParse({ kind: 'matrix', classes, values });
  if (!parsed.success) return { errors: issuesToErrors(parsed.error.issues) };
  return { cost: parsed.data, errors: {} };
}

/**
 * At most `max` points of a curve for drawing, first and last kept, evenly spaced in index; the
 * engine already caps curves at 200 points, this keeps overlays of many cheap.
 */
export function downsample<T>(points: T[], max: number): T[] {
  if (points.length <= max || max < 2) return points.slice();
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

/** Zip parallel arrays into {x, y} points, dropping non-finite pairs. */
export function zipPoints(xs: number[], ys: number[]): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) out.push({ x: xs[i], y: ys[i] });
  return out;
}

/** The value of a headline metric for display (`acc` 0.9823 -> 0.9823; value_per_1000 -> 895.3). */
export function headlineLabel(key: string): string {
  const labels: Record<string, string> = {
    accuracy: 'Accuracy',
    f1_macro: 'F1 (macro)',
    f1_weighted: 'F1 (weighted)',
    precision_macro: 'Precision (macro)',
    recall_macro: 'Recall (macro)',
    auc: 'ROC AUC',
    average_precision: 'Average precision',
    log_loss: 'Log loss',
    ece: 'Calibration error (ECE)',
    mae: 'MAE',
    rmse: 'RMSE',
    r2: 'R²',
    value_per_1000: 'Value per 1000 cases',
  };
  return labels[key] ?? key;
}

export const betterIs = (key: string): 'max' | 'min' | null => HEADLINE_DIRECTION[key] ?? null;

/** Counts normalised per actual row (recall per cell), for the heatmap's colour. */
export function rowShares(confusion: number[][]): number[][] {
  return confusion.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total > 0 ? c / total : 0));
  });
}

/** Baseline metrics a training run logged (`baseline.majority.test_acc`...), by baseline then metric. */
export function baselinesOf(metrics: Record<string, { last: number | string | null }>): { name: string; values: Record<string, number> }[] {
  const by = new Map<string, Record<string, number>>();
  for (const [k, m] of Object.entries(metrics)) {
    const match = /^baseline\.([^.]+)\.(.+)$/.exec(k);
    if (!match || typeof m.last !== 'number') continue;
    const rec = by.get(match[1]) ?? {};
    rec[match[2]] = m.last;
    by.set(match[1], rec);
  }
  return [...by.entries()].map(([name, values]) => ({ name, values })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Where the report says the value-optimal and the accuracy-optimal thresholds are, and how far apart. */
export function thresholdSummary(report: EvaluationReport): { best: number; accuracyOptimal: number; gainPer1000: number } | null {
  const b = report.business;
  if (!b || b.kind !== 'binary') return null;
  return { best: b.best.threshold, accuracyOptimal: b.accuracyOptimal.threshold, gainPer1000: b.best.valuePer1000 - b.accuracyOptimal.valuePer1000 };
}

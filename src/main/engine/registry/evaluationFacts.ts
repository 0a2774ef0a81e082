import type { BusinessReport, Evaluation } from '../../../shared/evaluation';

/** An evaluation report of a run, as model cards and comparisons show it. */
export interface EvaluationFacts {
  id: string;
  runId: string;
  datasetVersion: string | null;
  label: string;
  createdAt: number;
  metrics: Record<string, unknown>;
  business?: Record<string, unknown>;
  /** 95% bootstrap intervals of the metrics (same keys), when the evaluation made them. */
  intervals?: Record<string, { lo: number | null; hi: number | null }>;
  /** Scored rows the model was trained on (0: held out; null: unknown). */
  trainingRows?: number | null;
}

/** The evaluations of a run, newest first: what the registry is given by the evaluation feature. */
export type EvaluationsOf = (runId: string) => Promise<EvaluationFacts[]>;

/**
 * What a model card and a model comparison say about an evaluation: its data, headline metrics and,
 * when a cost matrix was given, the business value at the default and the best decision.
 */
export function evaluationFacts(e: Evaluation): EvaluationFacts {
  return {
    id: e.id,
    runId: e.runId,
    datasetVersion: e.versionId,
    label: `${e.dataRef} (${new Date(e.createdAt).toISOString().slice(0, 10)}; ${rowsLabel(e)})`,
    createdAt: e.createdAt,
    metrics: e.report.headline,
    business: e.report.business ? businessFacts(e.report.business) : undefined,
    intervals: e.report.intervals,
    trainingRows: e.trainingRows,
  };
}

/** Which rows, and the mark a card and a comparison must carry when they include training rows. */
function rowsLabel(e: Evaluation): string {
  const split = e.report.selection?.split ?? e.split;
  const rows = `${split === 'all' ? 'all' : `${split} split,`} ${e.report.n} rows`;
  if (e.trainingRows === null) return `${rows}; may include training rows`;
  return e.trainingRows > 0 ? `${rows}; includes ${e.trainingRows} training rows` : `${rows}, held out`;
}

function businessFacts(b: BusinessReport): Record<string, number> {
  if (b.kind === 'binary') {
    return {
      'value per 1000 cases at threshold 0.5': b.atDefault.valuePer1000,
      'value per 1000 cases at the best threshold': b.best.valuePer1000,
      'best threshold': b.best.threshold,
      ...(b.best.interval ? { 'best threshold: tied interval low': b.best.interval.lo, 'best threshold: tied interval high': b.best.interval.hi } : {}),
      'accuracy-optimal threshold': b.accuracyOptimal.threshold,
    };
  }
  return {
    'value per 1000 cases (most probable class)': b.atArgmax.valuePer1000,
    'value per 1000 cases (highest expected value)': b.valueOptimal.valuePer1000,
  };
}

/**
 * Evaluation types shared by the engine, every door and the renderer: what `evaluation.run` takes and
 * the report it stores. Plain data only, JSON-safe: a metric that is undefined for the data (AUC with a
 * single class present, R² of a constant target...) is `null`, never NaN; curves hold at most
 * `MAX_CURVE_POINTS` points.
 */
import { z } from 'zod';
import { idSchema } from './ids';

export const MAX_CURVE_POINTS = 200;

/** Binary outcomes: the value (positive = gain, negative = cost) of one case of each kind. */
export const binaryCostSchema = z
  .object({
    kind: z.literal('binary').default('binary'),
    tp: z.number().finite(),
    fp: z.number().finite(),
    fn: z.number().finite(),
    tn: z.number().finite(),
  })
  .strict();

/** Any number of classes: `values[i][j]` is the value of predicting class `classes[j]` when the truth is `classes[i]`. */
export const matrixCostSchema = z
  .object({
    kind: z.literal('matrix'),
    classes: z.array(z.string().min(1).max(500)).min(2).max(1000),
    values: z.array(z.array(z.number().finite())),
  })
  .strict()
  .refine((m) => m.values.length === m.classes.length && m.values.every((r) => r.length === m.classes.length), {
    message: 'values must be a square matrix with one row and one column per class (rows: actual, columns: predicted)',
    path: ['values'],
  });

export const costMatrixSchema = z.union([binaryCostSchema, matrixCostSchema]);
export type BinaryCost = z.output<typeof binaryCostSchema>;
export type MatrixCost = z.output<typeof matrixCostSchema>;
export type CostMatrix = z.output<typeof costMatrixSchema>;

/**
 * Which rows of the run's own training version to score: its `test` split (the default), `validation`,
 * `train` or `all` rows. The last two include rows the model was trained on, and the report says so.
 */
export const EVALUATION_SPLITS = ['test', 'validation', 'train', 'all'] as const;
export type EvaluationSplit = (typeof EVALUATION_SPLITS)[number];

export const evaluationIdSchema = idSchema('an evaluation id');

export const evaluationSpecSchema = z
  .object({
    runId: idSchema('a run id'),
    /** A dataset ref: `name`, `name@v2`, `name@<tag>`, `name@<hash prefix>`. */
    data: z.string().min(1).max(200),
    /** A categorical column to slice the metrics by (top values + "other"). */
    slice: z.string().min(1).max(500).optional(),
    /** How many of the slice column's most frequent values get their own slice; the rest are "other". */
    sliceTop: z.number().int().min(1).max(100).default(10),
    cost: costMatrixSchema.optional(),
    /** Binary classification: the class counted as positive (default: the model's, else the second class). */
    positive: z.string().min(1).max(500).optional(),
    /**
     * On the run's own training version: which of its split's rows to score (default `test`). On any
     * other version every row is scored (`all`) and rows equal to training rows are counted.
     */
    split: z.enum(EVALUATION_SPLITS).optional(),
    /** Bootstrap resamples behind the 95% intervals (0: no intervals). */
    resamples: z.number().int().min(0).max(20_000).default(1000),
    /** Seed of the bootstrap, so the intervals repeat. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  })
  .strict();
export type EvaluationSpec = z.output<typeof evaluationSpecSchema>;

export interface ClassMetrics {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

export interface RocCurve {
  class: string;
  /** null when the class has no positive or no negative case. */
  auc: number | null;
  /** Ascending fpr; a case is predicted positive when its score >= threshold. */
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

export interface PrCurve {
  class: string;
  averagePrecision: number | null;
  /** Descending threshold (ascending recall). */
  recall: number[];
  precision: number[];
  thresholds: number[];
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted probability in the bin. */
  meanPredicted: number;
  /** Observed frequency (of the positive class, or of a correct top prediction). */
  observed: number;
}

export interface Calibration {
  /** `positive`: P(positive) against the positive rate (binary); `confidence`: top probability against accuracy. */
  kind: 'positive' | 'confidence';
  bins: CalibrationBin[];
  /** Expected calibration error: sum over bins of count/n * |observed - meanPredicted|. */
  ece: number;
}

export interface ClassificationMetrics {
  n: number;
  accuracy: number;
  /** Mean negative log-likelihood of the true class, probabilities clipped to [1e-15, 1 - 1e-15]. */
  logLoss: number;
  perClass: ClassMetrics[];
  macro: AveragedMetrics;
  weighted: AveragedMetrics;
  /** rows: actual, columns: predicted, in `classes` order. */
  confusion: number[][];
  /** Binary: the positive class's AUC; multiclass: the mean of the one-vs-rest AUCs that exist. */
  auc: number | null;
  averagePrecision: number | null;
}

export interface RegressionMetrics {
  n: number;
  mae: number;
  rmse: number;
  /** 1 - SS_res / SS_tot; for a constant target 1 when every prediction is exact, else 0 (as sklearn). */
  r2: number;
  meanResidual: number;
}

export interface ThresholdPoint {
  threshold: number;
  value: number;
}

export interface BusinessBinary {
  kind: 'binary';
  cost: BinaryCost;
  /** At the model's default decision (threshold 0.5 on P(positive)). */
  atDefault: { threshold: number; valuePerCase: number; valuePer1000: number; accuracy: number };
  /**
   * The value-optimal threshold: chosen on `chosenOn` rows (the run's validation split when there is
   * one), its value reported on the evaluated rows. Every threshold in `interval` (lo exclusive, hi
   * inclusive) is equally good on the rows it was chosen on; the threshold is the middle of it.
   */
  best: {
    threshold: number;
    valuePerCase: number;
    valuePer1000: number;
    accuracy: number;
    counts: { tp: number; fp: number; fn: number; tn: number };
    interval: { lo: number; hi: number };
    chosenOn: 'validation' | 'evaluated';
    /** Rows it was chosen on. */
    chosenRows: number;
  };
  /** The threshold with the highest accuracy, and what it is worth. */
  accuracyOptimal: { threshold: number; valuePerCase: number; valuePer1000: number; accuracy: number };
  /** Value per case against threshold, downsampled. */
  curve: ThresholdPoint[];
}

export interface BusinessMatrix {
  kind: 'matrix';
  cost: MatrixCost;
  /** Predicting the most probable class. */
  atArgmax: { valuePerCase: number; valuePer1000: number };
  /** Predicting the class with the highest expected value under the model's probabilities. */
  valueOptimal: { valuePerCase: number; valuePer1000: number; accuracy: number };
}

export type BusinessReport = BusinessBinary | BusinessMatrix;

export interface SliceMetrics {
  /** The column's value, `(other)` for the rest, `(missing)` for empty cells. */
  value: string;
  n: number;
  /** The same headline metrics as the whole report's. */
  headline: Record<string, number | null>;
  confusion?: number[][];
  businessValuePerCase?: number;
}

export interface SliceReport {
  column: string;
  slices: SliceMetrics[];
}

export interface ClassificationReport extends ClassificationMetrics {
  task: 'classification';
  classes: string[];
  /** Binary classification: the class whose probability is the score. */
  positiveClass: string | null;
  /** Binary: one curve (the positive class); multiclass: one-vs-rest per class. */
  roc: RocCurve[];
  pr: PrCurve[];
  calibration: Calibration;
}

export interface ResidualSample {
  /** Up to MAX_CURVE_POINTS (predicted, actual, residual = actual - predicted), spread over the predicted range. */
  predicted: number[];
  actual: number[];
  residual: number[];
  /** Histogram of all residuals. */
  histogram: { lo: number; hi: number; count: number }[];
}

export interface RegressionReport extends RegressionMetrics {
  task: 'regression';
  residuals: ResidualSample;
}

export type MetricsReport = ClassificationReport | RegressionReport;

/** A 95% (by default) percentile bootstrap interval of one number of the report. */
export interface MetricInterval {
  lo: number | null;
  hi: number | null;
}

/** Which rows an evaluation scored, and how many of them the model was trained on. */
export interface RowSelection {
  split: EvaluationSplit;
  /** The dataset version is the one the run trained on. */
  sameVersion: boolean;
  /** Rows of the version, and rows selected (before rows without a target were left out). */
  versionRows: number;
  selectedRows: number;
  /**
   * How many selected rows the model was trained on: by the run's recorded split on its own version,
   * by row content (the model's inputs and target) on another. null: unknown (the run recorded no split).
   */
  trainingRows: number | null;
  /** sha256 of the run's split membership, when recorded. */
  membershipSha256: string | null;
  /** Another version: how many of the run's training rows it contains (by content). */
  overlap?: { trainingRowsFound: number; trainingRowsTotal: number };
  /** One line for people: "held-out test split: 52 rows", "includes 226 training rows". */
  summary: string;
}

export type EvaluationReport = MetricsReport & {
  /** The few numbers a table or a comparison shows: accuracy, f1_macro, auc, log_loss... or mae, rmse, r2. */
  headline: Record<string, number | null>;
  business?: BusinessReport;
  slices?: SliceReport;
  /** Rows of the dataset that could not be scored (e.g. a missing target), left out of every metric. */
  skippedRows: number;
  /** What a reader should know: rows left out and why. */
  notes?: string[];
  /** Bootstrap intervals of every headline metric (same keys) and of `best_value_per_1000`. */
  intervals?: Record<string, MetricInterval>;
  bootstrap?: { resamples: number; seed: number; level: number };
  /** Which rows were scored; absent on reports made before it was recorded. */
  selection?: RowSelection;
};

export interface Evaluation {
  id: string;
  runId: string;
  runName: string;
  datasetId: string;
  versionId: string;
  /** `name@vN` at the time of the evaluation. */
  dataRef: string;
  createdAt: number;
  durationMs: number;
  spec: EvaluationSpec;
  report: EvaluationReport;
  split: EvaluationSplit;
  /** Scored rows the model was trained on (0: held-out; null: unknown). The champion gate reads this. */
  trainingRows: number | null;
}

/** A list entry: no report body, only the headline. */
export interface EvaluationSummary {
  id: string;
  runId: string;
  runName: string;
  dataRef: string;
  createdAt: number;
  task: MetricsReport['task'];
  headline: Record<string, number | null>;
  businessValuePer1000: number | null;
  split: EvaluationSplit;
  /** Scored rows the model was trained on (0: held-out; null: unknown). */
  trainingRows: number | null;
  intervals: Record<string, MetricInterval>;
}

/** Two evaluations of the same rows compared by a paired bootstrap (a minus b). */
export interface PairedComparison {
  a: number;
  b: number;
  metric: string;
  /** Rows both scored. */
  rows: number;
  delta: number | null;
  lo: number | null;
  hi: number | null;
  /** The interval holds 0: the difference is inside the resampling noise. */
  inNoise: boolean;
  /** Which is better for the metric, when the difference is outside the noise. */
  better: 'a' | 'b' | null;
}

export interface EvaluationComparison {
  evaluations: EvaluationSummary[];
  /** Every headline key any of them has, in a stable order. */
  metrics: string[];
  /** For each metric: the index of the best evaluation (null when not comparable). */
  best: Record<string, number | null>;
  /** Each later evaluation against the first one, where both scored the same rows of the same version. */
  paired: PairedComparison[];
  /** Why an evaluation could not be paired with the first (different version, no common rows...). */
  unpaired: { index: number; reason: string }[];
}

/** Which way is better for a headline metric. */
export const HEADLINE_DIRECTION: Record<string, 'max' | 'min'> = {
  accuracy: 'max',
  f1_macro: 'max',
  f1_weighted: 'max',
  precision_macro: 'max',
  recall_macro: 'max',
  auc: 'max',
  average_precision: 'max',
  log_loss: 'min',
  ece: 'min',
  mae: 'min',
  rmse: 'min',
  r2: 'max',
  value_per_1000: 'max',
};

// Contract entries (spread into the table in ./contract) ------------------------------------------

/** Phantom output marker, the same shape as contract.ts's `out<T>()`. */
const returns = <T>(): { readonly __output?: T } => ({});

export const evaluationCalls = {
  'evaluation.run': {
    input: evaluationSpecSchema,
    output: returns<Evaluation>(),
    summary: "Evaluate a run's model on a dataset version (its held-out test split by default): metrics with bootstrap intervals, curves, slices, business value",
    mutates: true,
  },
  'evaluation.list': {
    input: z
      .object({
        runId: idSchema('a run id').optional(),
        /** Only evaluations on this dataset version (a ref). */
        data: z.string().min(1).max(200).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(10_000).default(100),
      })
      .strict(),
    output: returns<EvaluationSummary[]>(),
    summary: 'Evaluations (of a run, or on a dataset version), newest first',
    mutates: false,
  },
  'evaluation.get': {
    input: z.object({ id: evaluationIdSchema }).strict(),
    output: returns<Evaluation>(),
    summary: 'One evaluation with its full report',
    mutates: false,
  },
  'evaluation.compare': {
    input: z.object({ ids: z.array(evaluationIdSchema).min(2).max(20) }).strict(),
    output: returns<EvaluationComparison>(),
    summary: 'Two to twenty evaluations side by side: headline metrics, business value, and a paired bootstrap of each against the first on the rows they share',
    mutates: false,
  },
  'evaluation.delete': {
    input: z.object({ id: evaluationIdSchema }).strict(),
    output: returns<{ removed: boolean }>(),
    summary: 'Delete an evaluation (and its lineage edges)',
    mutates: true,
  },
} as const;

export interface EvaluationEvents {
  'evaluations.changed': { id: string; runId: string; change: 'created' | 'deleted' };
}

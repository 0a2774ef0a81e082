import type { ColumnKind, ColumnSketchJSON } from '../sketches';
import type { PcaReference } from './multivariate';

/**
 * What is stored about a model version to monitor it without its data (`monitor_references`, and in
 * the serving export as `monitoring/reference.json`): per feature a full column sketch of the training
 * rows (fixed bins with edges at the training quantiles, top categories), the prediction and label
 * distributions, the calibration CBPE needs, the held-out metrics, and drift thresholds calibrated on
 * chunks of the training rows.
 */
export const PROFILE_FORMAT = 1;
/** Fine bins per numeric column (edges at the reference's quantiles); PSI groups them into deciles. */
export const FINE_BINS = 50;
/**
 * The quantiles the edges sit at: every 2% plus finer tails (0.1%, 0.3%, 1% and their mirrors), so the
 * two outer bins are not wide stretches where "uniform inside a bin" would misplace shifted mass.
 */
export const EDGE_QUANTILES: readonly number[] = [0.001, 0.003, 0.01, ...Array.from({ length: FINE_BINS - 1 }, (_, i) => (i + 1) / FINE_BINS), 0.99, 0.997, 0.999].sort((a, b) => a - b);
export const PSI_BINS = 10;

/** Mean and sd of a statistic over reference chunks of `chunkRows` rows (for calibrated thresholds). */
export interface ChunkStat {
  mean: number;
  sd: number;
  chunkRows: number;
  /** Rows of the whole reference the chunks were compared with. */
  referenceRows: number;
}

export interface ReferenceColumn {
  name: string;
  kind: ColumnKind;
  sketch: ColumnSketchJSON;
  /** Categorical: the reference's categories in a fixed order (most frequent first, at most 64). */
  categories?: string[];
  calibrated: Partial<Record<'ks' | 'chi2' | 'wasserstein' | 'jensen-shannon' | 'psi', ChunkStat>>;
  /** Reference sd (numeric): Wasserstein is divided by it. */
  sd?: number;
}

/** Isotonic calibration of one class's probability: piecewise constant over ascending `x`. */
export interface IsotonicMap {
  x: number[];
  y: number[];
}

export interface ReferenceProfile {
  format: typeof PROFILE_FORMAT;
  model: string;
  version: number;
  versionId: string;
  createdAt: number;
  source: 'membership' | 'seeded-split';
  task: 'classification' | 'regression';
  target: string;
  /** Classification: class names in output order. */
  labels: string[] | null;
  trainRows: number;
  heldOutRows: number;
  features: ReferenceColumn[];
  /** Held-out predictions: classes (categorical) or values (numeric). */
  prediction: ReferenceColumn;
  /** Training target. */
  label: ReferenceColumn;
  /** Per class, in `labels` order (classification). */
  calibration: IsotonicMap[] | null;
  heldOut: Record<string, number>;
  calibrationError: { eceBefore: number; eceAfter: number } | null;
  /** The multivariate check (PCA reconstruction error); absent in profiles built before it, null when it could not be fitted. */
  multivariate?: PcaReference | null;
}

/**
 * Monitoring (issue 11): prediction logs, windows of sketches, drift, estimated and realized
 * performance, business value, alerts. Types and schemas shared by the engine, every door and the
 * renderer; the calls are `monitoringCalls`, spread into the contract, the events `MonitoringEvents`,
 * part of `EventMap`. docs/MONITORING.md says how each number is computed.
 *
 * One log format (NDJSON, one record a line), written by the serving export and read by every ingest:
 * ```json
 * {"requestId":"r-1","time":"2026-12-01T10:00:00.000Z","model":"churn","version":3,"alias":"champion",
 *  "features":{"age":41,"plan":"pro"},"output":{"prediction":"yes","probabilities":{"no":0.2,"yes":0.8}},"latencyMs":0.8}
 * ```
 */
import { z } from 'zod';
import { costMatrixSchema } from './evaluation';
import { idSchema } from './ids';

/** Version of the log record format (`v` in a record; absent means 1). */
export const LOG_FORMAT_VERSION = 1;
/** Records one `monitor.ingest` call may carry inline (files and the raw NDJSON route stream). */
export const MAX_INLINE_RECORDS = 50_000;
/** A window's length: hourly by default. */
export const DEFAULT_WINDOW_MINUTES = 60;
/** A timestamp further ahead of the ingesting clock than this is refused as "in the future". */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const cell = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);
const modelRef = z.string().min(1).max(200);
const requestId = z.string().min(1).max(200);
const timeValue = z.union([z.string().min(1).max(64), z.number().finite()]);
const seriesKey = z.string().min(1).max(300).regex(/^[A-Za-z0-9_.:@() -]+$/, 'a series key holds letters, digits and . _ : @ ( ) - and spaces');

export const predictionRecordSchema = z.object({
  v: z.literal(LOG_FORMAT_VERSION).optional(),
  requestId,
  /** ISO 8601 with an offset, or milliseconds since 1970 (UTC). */
  time: timeValue,
  model: z.string().min(1).max(200),
  version: z.number().int().min(1),
  alias: z.string().max(100).nullable().optional(),
  /** Features as received by the server (before imputation). */
  features: z.record(z.string().max(500), cell),
  output: z.object({
    /** Classification: the class; regression: the value. */
    prediction: z.union([z.string().max(500), z.number()]),
    /** Classification: class -> probability. */
    probabilities: z.record(z.string().max(500), z.number()).optional(),
  }),
  latencyMs: z.number().min(0).optional(),
});
export type PredictionRecord = z.output<typeof predictionRecordSchema>;

export const labelRecordSchema = z.object({ requestId, label: z.union([z.string().max(500), z.number()]) }).strict();
export type LabelRecord = z.output<typeof labelRecordSchema>;
export const outcomeRecordSchema = z.object({ requestId, outcome: z.string().min(1).max(100), value: z.number().finite() }).strict();
export type OutcomeRecord = z.output<typeof outcomeRecordSchema>;

export const kpiSchema = z
  .object({
    /** The outcome name as in outcome files (`request_id,<outcome>,<value>`). */
    outcome: z.string().min(1).max(100),
    label: z.string().max(200).optional(),
    aggregate: z.enum(['sum', 'mean', 'rate']).default('mean'),
    /** Which way is better. */
    direction: z.enum(['higher', 'lower']).default('higher'),
    baseline: z.number().finite().optional(),
    unit: z.string().max(40).default(''),
  })
  .strict();
export type KpiSpec = z.output<typeof kpiSchema>;

export const ALERT_OPS = ['>', '>=', '<', '<='] as const;
export type AlertOp = (typeof ALERT_OPS)[number];
export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const alertRuleInputSchema = z
  .object({
    /** A series of the timeline: see `SERIES_HELP`. */
    series: seriesKey,
    op: z.enum(ALERT_OPS),
    threshold: z.number().finite(),
    /** Consecutive windows the condition must hold before firing. */
    forWindows: z.number().int().min(1).max(1000).default(1),
    /** Consecutive windows the condition must stop holding before a firing alert resolves (hysteresis). */
    resolveAfter: z.number().int().min(1).max(1000).default(1),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    name: z.string().min(1).max(200).optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type AlertRuleInput = z.output<typeof alertRuleInputSchema>;

/** The series a rule (or a chart) can watch; `<f>` is a feature, `<k>` an outcome KPI. */
export const SERIES_HELP = [
  'traffic',
  'drift.share',
  'drift.dataset',
  'feature.<f>.drift',
  'feature.<f>.psi',
  'feature.<f>.missing',
  'prediction.drift',
  'prediction.psi',
  'label.drift',
  'multivariate.error',
  'multivariate.drift',
  'perf.estimated.<metric>',
  'perf.realized.<metric>',
  'value.estimated.per1000',
  'value.realized.per1000',
  'kpi.<k>',
  'quality.missingFields',
  'quality.extraFields',
  'quality.mismatches',
  'latency.p95',
] as const;

const rangeShape = {
  /** A model ref: `model` (every version), `model@3`, `model@champion` (the windows logged under that alias). */
  ref: modelRef,
  /** Range bounds: ISO time or ms since 1970; default the last 7 days that have windows. */
  from: timeValue.optional(),
  to: timeValue.optional(),
};

export const monitorConfigSchema = z
  .object({
    windowMinutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
    /** A value matrix for business value (default: the one of the version's newest evaluation). */
    valueMatrix: costMatrixSchema.nullable().optional(),
    kpis: z.array(kpiSchema).max(50).optional(),
    /** Which drift thresholds decide: the defaults, or the ones calibrated on the reference. */
    thresholds: z.enum(['default', 'calibrated']).optional(),
  })
  .strict();
export type MonitorConfigInput = z.output<typeof monitorConfigSchema>;

// Outputs --------------------------------------------------------------------------------------------

export interface MonitorConfig {
  model: string;
  windowMinutes: number;
  valueMatrix: z.output<typeof costMatrixSchema> | null;
  /** Where the value matrix came from. */
  valueSource: 'monitor' | 'evaluation' | 'none';
  kpis: KpiSpec[];
  thresholds: 'default' | 'calibrated';
  createdAt: number;
}

/** A drift statistic, always with the method and threshold that judged it. */
export interface DriftTest {
  method: 'ks' | 'chi2' | 'wasserstein' | 'jensen-shannon' | 'psi';
  /** KS: D; chi2: the statistic; wasserstein: normalised by the reference sd; JS: distance (base 2); PSI. */
  statistic: number;
  /** KS and chi2 only. */
  pValue: number | null;
  threshold: number;
  /** What is compared to the threshold: `p-value <` or `statistic >`. */
  rule: 'p < threshold' | 'statistic > threshold';
  drift: boolean;
  /** `default` (the thresholds) or `calibrated` (mean + 3 sd over chunks of the training rows). */
  thresholdSource: 'default' | 'calibrated';
}

export interface PsiBand {
  value: number;
  /** < 0.1 stable, 0.1 - 0.25 moderate, >= 0.25 significant. */
  band: 'stable' | 'moderate' | 'significant';
}

export interface HistogramPair {
  /** Numeric: bin edges (length = bins + 1), shared by both; categorical: the labels. */
  edges?: number[];
  labels?: string[];
  /** Shares (sum 1) of the reference and the current range, same order. */
  reference: number[];
  current: number[];
}

export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** Rows with the feature present (not missing) in the range. */
  count: number;
  /** The deciding test for the range's size (KS/chi2 <= 1000 rows, Wasserstein/JS above). */
  test: DriftTest | null;
  psi: PsiBand | null;
  missingRate: { reference: number; current: number; changed: boolean };
  /** Categories absent from the reference (up to 20) and the share of rows that carry them. */
  newCategories: { values: string[]; share: number };
  mismatchRate: number;
  drift: boolean;
  histogram: HistogramPair;
  /** Summary numbers for the detail view. */
  reference: { mean: number | null; sd: number | null; min: number | null; max: number | null };
  current: { mean: number | null; sd: number | null; min: number | null; max: number | null };
}

export interface DriftReport {
  model: string;
  from: number;
  to: number;
  rows: number;
  /** Features sorted by drift first, then by PSI. */
  features: FeatureDrift[];
  prediction: FeatureDrift | null;
  label: FeatureDrift | null;
  /** Share of features drifting, and the verdict at >= 50%. */
  dataset: { drifting: number; total: number; share: number; threshold: 0.5; drift: boolean };
  thresholds: 'default' | 'calibrated';
  /** How the numbers were computed (from sketches; the approximation), for the screen's footnote. */
  notes: string[];
}

export interface MetricEstimate {
  value: number;
  /** ± 2 sd sampling band under the calibrated probabilities. */
  lo: number;
  hi: number;
}

export interface WindowPoint {
  start: number;
  end: number;
  rows: number;
  /** Versions and aliases that served in this window. */
  versions: number[];
  aliases: string[];
  driftShare: number | null;
  driftingFeatures: string[];
  predictionDrift: boolean | null;
  predictionPsi: number | null;
  /** Classification: accuracy and macro F1 estimated by CBPE; regression: null. */
  estimated: Record<string, MetricEstimate> | null;
  /** From labels that arrived for this window's requests. */
  realized: Record<string, number> | null;
  labelled: number;
  value: { estimatedPer1000: number | null; realizedPer1000: number | null };
  kpis: Record<string, number | null>;
  quality: { missingFields: number; extraFields: number; mismatches: number; nulls: number; futureOrLate: number };
  latencyP95: number | null;
  /** PCA reconstruction error of the window (null: too few rows, or the reference has no multivariate check). */
  multivariate: MultivariatePoint | null;
}

/** A window's mean PCA reconstruction error and the band it is judged by (docs/MONITORING.md, "Multivariate drift"). */
export interface MultivariatePoint {
  error: number;
  /** Held-out rows' mean error ± 3 sd of a window of this many rows (multivariate.ts, bandFor). */
  lower: number;
  upper: number;
  drift: boolean;
  rows: number;
}

/** How the windows of a range fared against the multivariate (PCA) band; null when none was judged. */
export function multivariateOutcome(windows: WindowPoint[]): { judged: number; outside: number; last: MultivariatePoint } | null {
  const judged = windows.map((w) => w.multivariate).filter((m): m is MultivariatePoint => m !== null);
  if (judged.length === 0) return null;
  return { judged: judged.length, outside: judged.filter((m) => m.drift).length, last: judged[judged.length - 1] };
}

/** Whether a version's reference carries the multivariate check, and how it judges (said on screen). */
export interface MultivariateSummary {
  available: boolean;
  method: 'pca-reconstruction';
  note: string;
  components?: number;
  columns?: number;
  varianceExplained?: number;
  /** The band's centre: the held-out rows' mean error (else the training chunks'). */
  referenceError?: number;
}

export interface AliasMarker {
  at: number;
  alias: string;
  from: number | null;
  to: number | null;
  reason: string;
  /** The alias's last move before the range starts: the state at the left edge (drawn there). */
  before?: boolean;
}

export interface MonitorTimeline {
  model: string;
  windowMinutes: number;
  from: number;
  to: number;
  windows: WindowPoint[];
  aliasMoves: AliasMarker[];
  /** The reference's held-out numbers the estimated series compare against. */
  reference: { version: number; metrics: Record<string, number>; valuePer1000: number | null; multivariate?: MultivariateSummary }[];
  /** Summary over the whole range: "since X, value per 1000 went from A to B". */
  summary: { rows: number; firstValuePer1000: number | null; lastValuePer1000: number | null; metric: string | null };
  /** Where the range's raw logged rows are kept: sealed Parquet parts, and NDJSON files still landing (docs/MONITORING.md "Raw rows"). */
  raw: RawRowsSummary;
  caveat: string;
}

export interface RawRowsSummary {
  sealedRows: number;
  parts: number;
  partBytes: number;
  landingRows: number;
  landingFiles: number;
}

export interface FeatureDetail {
  model: string;
  feature: string;
  drift: FeatureDrift;
  /** Per window: the deciding statistic, PSI, missing rate, mean. */
  series: { start: number; rows: number; statistic: number | null; drift: boolean | null; psi: number | null; missing: number; mean: number | null }[];
  quantiles: { q: number; reference: number | null; current: number | null }[];
}

export interface ReferenceSummary {
  model: string;
  version: number;
  versionId: string;
  createdAt: number;
  /** `membership` (the run's recorded split) or `seeded-split` (recomputed the way training does). */
  source: 'membership' | 'seeded-split';
  trainRows: number;
  heldOutRows: number;
  features: { name: string; kind: 'numeric' | 'categorical'; bytes: number }[];
  task: 'classification' | 'regression';
  /** Held-out metrics on raw vs calibrated probabilities (CBPE needs the calibrated ones). */
  heldOut: Record<string, number>;
  calibration: { eceBefore: number; eceAfter: number } | null;
  bytes: number;
}

export interface AlertRule extends AlertRuleInput {
  id: string;
  model: string;
  name: string;
  builtin: boolean;
  state: AlertState;
  since: number | null;
  /** The last value seen and its window. */
  lastValue: number | null;
  lastWindow: number | null;
}

export interface AlertTransition {
  id: number;
  ruleId: string;
  model: string;
  rule: string;
  series: string;
  from: AlertState;
  to: AlertState;
  /** The window whose value moved the state. */
  window: number;
  value: number | null;
  at: number;
}

export interface AlertsView {
  rules: AlertRule[];
  /** Newest first. */
  history: AlertTransition[];
  firing: number;
}

export interface MonitoredModel {
  model: string;
  windows: number;
  rows: number;
  firstWindow: number | null;
  lastWindow: number | null;
  lastRows: number;
  versions: number[];
  /** Over the last 24 windows. */
  driftShare: number | null;
  headline: { metric: string; estimated: number | null; realized: number | null } | null;
  valuePer1000: { estimated: number | null; realized: number | null };
  alerts: { firing: number; pending: number };
  state: 'ok' | 'pending' | 'firing' | 'no-data';
}

export interface LineProblem {
  /** `file:line`, or `records[i]` for inline records. */
  where: string;
  message: string;
}

export interface IngestResult {
  model: string;
  ingestId: string;
  /** Lines read (including malformed ones). */
  lines: number;
  accepted: number;
  duplicates: number;
  malformed: number;
  /** Up to 100 problems, with their line numbers; `problemsTotal` counts all. */
  problems: LineProblem[];
  problemsTotal: number;
  windows: number[];
  future: number;
  outOfOrder: number;
  missingFields: number;
  extraFields: number;
  cancelled: boolean;
  rowsPerSecond: number;
  rawSegments: number;
}

export interface JoinResult {
  model: string;
  lines: number;
  matched: number;
  /** Ids that matched no logged request (up to 100 shown; all counted). */
  unmatched: number;
  unmatchedIds: string[];
  /** Ids given again (the newest value replaces the old one). */
  replaced: number;
  malformed: number;
  problems: LineProblem[];
  windows: number[];
}

/** `monitor.toDataset`: logged rows with their labels as a new dataset version. */
export interface LogDatasetResult {
  dataset: string;
  /** The version made (or the identical one that already held these rows). */
  version: { id: string; number: number };
  created: boolean;
  rows: number;
  labelled: number;
  /** Logged rows left out for want of a label. */
  unlabelled: number;
  /** The model versions that served the rows (lineage points from them to the new version). */
  servedBy: number[];
  from: number;
  to: number;
}

export interface ReportResult {
  file: string;
  bytes: number;
  windows: number;
}

const inlineOrFiles = {
  files: z.array(z.string().min(1).max(4096)).max(1000).optional(),
};

const ingestInput = z
  .object({
    ref: modelRef,
    ...inlineOrFiles,
    records: z.array(z.unknown()).max(MAX_INLINE_RECORDS).optional(),
    /** A label to find this ingest in progress events and `task.progress`. */
    task: z.string().min(1).max(100).optional(),
  })
  .strict()
  .refine((i) => (i.files === undefined) !== (i.records === undefined), 'give either files or records');

const labelsInput = z
  .object({ ref: modelRef, ...inlineOrFiles, labels: z.array(z.unknown()).max(MAX_INLINE_RECORDS).optional() })
  .strict()
  .refine((i) => (i.files === undefined) !== (i.labels === undefined), 'give either files or labels');

const outcomesInput = z
  .object({ ref: modelRef, ...inlineOrFiles, outcomes: z.array(z.unknown()).max(MAX_INLINE_RECORDS).optional() })
  .strict()
  .refine((i) => (i.files === undefined) !== (i.outcomes === undefined), 'give either files or outcomes');

interface Spec<I extends z.ZodType, O> {
  input: I;
  output: { readonly __output?: O };
  summary: string;
  mutates: boolean;
}
/** `call<Output>()(inputSchema, summary, mutates)`: the output type is named, the input inferred. */
const call =
  <O>() =>
  <I extends z.ZodType>(input: I, summary: string, mutates = false): Spec<I, O> => ({ input, output: {}, summary, mutates });
const range = z.object(rangeShape).strict();

export const monitoringCalls = {
  'monitor.list': call<MonitoredModel[]>()(z.object({}).strict(), 'Monitored models: traffic, last window, drift share, headline metric, value, alert state'),
  'monitor.ingest': call<IngestResult>()(ingestInput, 'Ingest prediction logs (NDJSON files, or records inline): idempotent by request id', true),
  'monitor.cancel': call<{ cancelled: boolean }>()(
    z.object({ task: z.string().min(1).max(200) }).strict(),
    'Stop a running ingest between lines (by the task named in its progress events); what it committed stays',
    true,
  ),
  'monitor.labels': call<JoinResult>()(labelsInput, 'Join late ground truth by request id (CSV `request_id,label` files, or inline)', true),
  'monitor.outcomes': call<JoinResult>()(outcomesInput, 'Join business outcomes by request id (CSV `request_id,outcome,value`, or inline)', true),
  'monitor.timeline': call<MonitorTimeline>()(range, 'Per-window series: traffic, drift share, estimated and realized metrics, value, KPIs, quality; alias moves'),
  'monitor.drift': call<DriftReport>()(range, 'Drift per feature, prediction and label over a range (a merge of windows), with histograms'),
  'monitor.feature': call<FeatureDetail>()(
    z.object({ ...rangeShape, feature: z.string().min(1).max(500) }).strict(),
    "One feature's drift over a range and per window, with quantiles",
  ),
  'monitor.reference': call<ReferenceSummary>()(
    z.object({ ref: modelRef, rebuild: z.boolean().default(false) }).strict(),
    "A version's reference profile (built now if missing): training rows and held-out predictions",
    true,
  ),
  'monitor.configure': call<MonitorConfig>()(
    z.object({ model: modelRef, config: monitorConfigSchema }).strict(),
    "Set a monitor's window length, value matrix, KPIs and threshold source",
    true,
  ),
  'monitor.config': call<MonitorConfig>()(z.object({ model: modelRef }).strict(), "A monitor's settings"),
  'monitor.alerts': call<AlertsView>()(
    z.object({ model: modelRef.optional(), limit: z.number().int().min(1).max(10_000).default(200) }).strict(),
    'Alert rules with their state, and the history of state changes',
  ),
  'monitor.setRule': call<AlertRule>()(
    z.object({ model: modelRef, id: idSchema('an alert rule id').optional(), rule: alertRuleInputSchema }).strict(),
    'Create or change an alert rule (series, operator, threshold, for N windows)',
    true,
  ),
  'monitor.removeRule': call<{ removed: boolean }>()(
    z.object({ id: idSchema('an alert rule id') }).strict(),
    'Remove an alert rule (its history stays)',
    true,
  ),
  'monitor.toDataset': call<LogDatasetResult>()(
    z
      .object({
        ...rangeShape,
        /** The dataset the rows become a version of (new or existing). */
        name: z.string().min(1).max(200),
        /** Keep only rows whose label arrived (default): training needs the target. */
        labelledOnly: z.boolean().default(true),
        message: z.string().max(2000).optional(),
      })
      .strict(),
    "Make a dataset version from a range's logged rows and their labels (the next training's data), with lineage from the model versions that served them",
    true,
  ),
  'monitor.sample': call<{ model: string; requests: number; labels: number }>()(
    z.object({}).strict(),
    "Add the sample project's monitored champion (penguins-sample) with three days of replayed requests: a body-mass shift from hour 48, labels for two days",
    true,
  ),
  'monitor.report': call<ReportResult>()(
    z.object({ ...rangeShape, out: z.string().min(1).max(4096) }).strict(),
    'Write a self-contained HTML report of a range (at most 2 MB whatever the row count)',
    true,
  ),
} as const;

export type MonitoringCallName = keyof typeof monitoringCalls;

export interface MonitoringEvents {
  /** An alert rule changed state (pipelines subscribe to `to: 'firing'`). */
  'monitor.alert': { model: string; ruleId: string; rule: string; series: string; from: AlertState; to: AlertState; window: number; value: number | null; severity: AlertRuleInput['severity'] };
  /** Windows of a model changed (ingest, labels, outcomes). */
  'monitor.windows': { model: string; windows: number[]; rows: number };
  /** A reference profile was built for a version. */
  'monitor.reference': { model: string; version: number; versionId: string };
}

export const monitoringEventNames = ['monitor.alert', 'monitor.windows', 'monitor.reference'] as const satisfies readonly (keyof MonitoringEvents)[];

// Reference profiles as they travel (registry bundles, the serving export) ---------------------------
// The engine's type is ReferenceProfile (engine/monitoring/profile.ts); this schema checks one made
// elsewhere before it is believed. JSON writes NaN and infinities as null: statistics may be null.

/** A reference column's JSON is built to stay under 16 KB; one from elsewhere is refused past twice that. */
export const MAX_REFERENCE_COLUMN_CHARS = 32 * 1024;
const finite = z.number().finite();
const stat = z.number().nullable();
const tally = z.number().min(0).max(2 ** 53);
const base64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is base64');
const momentsJsonSchema = z.object({ count: tally, nulls: tally, mismatches: tally, n: tally, min: finite.nullable(), max: finite.nullable(), sum: stat, sumSq: stat }).strict();
const kllJsonSchema = z.object({ k: z.number().int().min(8).max(4096), n: tally, rng: z.number().int(), levels: z.array(base64(64 * 1024)).max(64) }).strict();
const binsJsonSchema = z
  .object({ edges: z.array(finite).min(2).max(1000), counts: z.array(tally).max(999), under: tally, over: tally })
  .strict()
  .refine((b) => b.counts.length === b.edges.length - 1, 'has one count per pair of edges')
  .refine((b) => b.edges.every((e, i) => i === 0 || e > b.edges[i - 1]), 'edges increase strictly');
const topJsonSchema = z.object({ capacity: z.number().int().min(1).max(1024), n: tally, items: z.array(z.tuple([z.string().max(100), tally])).max(1024) }).strict();
const hllJsonSchema = z.object({ p: z.number().int().min(4).max(16), registers: base64(90_000) }).strict();
export const columnSketchJsonSchema = z
  .object({ kind: z.enum(['numeric', 'categorical']), moments: momentsJsonSchema, quantiles: kllJsonSchema.optional(), bins: binsJsonSchema.optional(), top: topJsonSchema.optional(), distinct: hllJsonSchema })
  .strict();
const chunkStatSchema = z.object({ mean: stat, sd: stat, chunkRows: tally, referenceRows: tally }).strict();
export const referenceColumnSchema = z
  .object({
    name: z.string().min(1).max(500),
    kind: z.enum(['numeric', 'categorical']),
    sketch: columnSketchJsonSchema,
    categories: z.array(z.string().max(100)).max(1024).optional(),
    calibrated: z.object(Object.fromEntries(['ks', 'chi2', 'wasserstein', 'jensen-shannon', 'psi'].map((k) => [k, chunkStatSchema.optional()]))).strict(),
    sd: stat.optional(),
  })
  .strict()
  .refine((c) => c.sketch.kind === c.kind, 'its sketch is of another kind');
const isotonicSchema = z
  .object({ x: z.array(finite).max(1000), y: z.array(z.number().min(0).max(1)).max(1000) })
  .strict()
  .refine((m) => m.x.length === m.y.length, 'has as many x as y');
/** The multivariate check's fitted transform (engine/monitoring/multivariate.ts): dims checked against each other, bounded. */
export const MAX_PCA_COLUMNS = 64;
const pcaColumnSchema = z
  .object({
    name: z.string().min(1).max(500),
    kind: z.enum(['numeric', 'categorical']),
    mean: finite,
    scale: finite.positive(),
    fill: finite,
    shares: z.array(z.tuple([z.string().max(100), z.number().min(0).max(1)])).max(64).optional(),
  })
  .strict()
  .refine((c) => (c.kind === 'categorical') === (c.shares !== undefined), 'has shares exactly when categorical');
const pcaSchema = z
  .object({
    method: z.literal('pca-reconstruction'),
    columns: z.array(pcaColumnSchema).min(2).max(MAX_PCA_COLUMNS),
    components: z.array(z.array(finite.min(-1).max(1)).max(MAX_PCA_COLUMNS)).min(1).max(MAX_PCA_COLUMNS),
    varianceExplained: z.number().min(0).max(1),
    omitted: z.array(z.string().max(500)).max(10_000),
    rowError: z.object({ mean: finite.min(0), sd: finite.min(0) }).strict(),
    chunks: z.object({ mean: finite.min(0), sd: finite.min(0), chunkRows: z.number().int().min(1), referenceRows: z.number().int().min(2) }).strict(),
    heldOut: z.object({ mean: finite.min(0), sd: finite.min(0), rows: z.number().int().min(1) }).strict().nullable(),
  })
  .strict()
  .refine((p) => p.components.length <= p.columns.length && p.components.every((r) => r.length === p.columns.length), 'has one loading per column in each of at most as many components as columns')
  .refine((p) => p.components.every((r) => Math.abs(r.reduce((s, x) => s + x * x, 0) - 1) < 1e-4), 'has unit-length components');
export const referenceProfileSchema = z
  .object({
    format: z.literal(1),
    model: z.string().min(1).max(200),
    version: z.number().int().min(1),
    versionId: idSchema('a version id'),
    createdAt: z.number().int().min(0),
    source: z.enum(['membership', 'seeded-split']),
    task: z.enum(['classification', 'regression']),
    target: z.string().min(1).max(500),
    labels: z.array(z.string().max(500)).max(10_000).nullable(),
    trainRows: tally,
    heldOutRows: tally,
    features: z.array(referenceColumnSchema).max(10_000),
    prediction: referenceColumnSchema,
    label: referenceColumnSchema,
    calibration: z.array(isotonicSchema).max(10_000).nullable(),
    heldOut: z.record(z.string().max(100), stat),
    calibrationError: z.object({ eceBefore: stat, eceAfter: stat }).strict().nullable(),
    /** Absent in profiles built before the multivariate check. */
    multivariate: pcaSchema.nullable().optional(),
  })
  .strict();

/**
 * The contract: every call the engine answers and every event it emits, as data.
 * Each door (IPC, HTTP, CLI) and the renderer's client is one generic piece of code driven by this
 * table: the input schema validates at runtime at every boundary, and the TypeScript types of inputs
 * and outputs are inferred from here. Adding a capability = an entry here + an engine method + a screen.
 */
import { z } from 'zod';
import type {
  AddResult,
  DatasetDiff,
  DatasetProfile,
  DatasetSummary,
  DatasetVersion,
  RowPage,
} from './datasets';
import { DATASET_FORMATS, datasetNameSchema, datasetRefSchema, tagSchema } from './datasets';
import type {
  ArtifactEntry,
  ArtifactPreview,
  Experiment,
  LogResult,
  MetricHistory,
  MetricValue,
  Run,
  RunComparison,
  RunPage,
} from './tracking';
import {
  experimentIdSchema,
  experimentNameSchema,
  keySchema,
  LIFECYCLES,
  LIMITS,
  metricPointSchema,
  paramValueSchema,
  RUN_SOURCES,
  RUN_STATUSES,
  runIdSchema,
  runNameSchema,
  tagValueSchema,
} from './tracking';
import { evaluationCalls, type EvaluationEvents } from './evaluation';
import { sweepCalls, type SweepEvents } from './sweeps';
import { monitoringCalls, type MonitoringEvents } from './monitoring';
import { pipelineCalls, type PipelineEvents } from './pipelines';
import { keyCalls } from './bundles';
import { settingsCalls } from './settings';
import type { ComputeStatus, JobInfo, JobProgress, JobQueueStatus, TaskSuggestion, TemplateDescription, TrainingSpec, TrainingStarted } from './training';
import { BACKEND_NAMES, trainingSpecSchema } from './training';

import type {
  AliasMove,
  BundleImportResult,
  BundleSummary,
  ExportRecord,
  LineageGraph,
  ModelCard,
  ModelComparison,
  ModelSummary,
  ModelVersion,
} from './registry';
import type { Prediction } from './training';
import { aliasSchema, CARD_FIELDS, EXPORT_FORMATS, modelNameSchema, modelRefSchema } from './registry';

const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Phantom marker carrying an output type through the table (outputs are produced by our own engine). */
export interface Output<T> {
  readonly __output?: T;
}
const out = <T>(): Output<T> => ({});

interface CallSpec<I extends z.ZodType, O> {
  input: I;
  output: Output<O>;
  /** One line for `--help`, the API listing and the command palette. */
  summary: string;
  /** Calls that change state: the HTTP door refuses them cross-origin. */
  mutates: boolean;
}

function call<I extends z.ZodType, O>(input: I, output: Output<O>, summary: string, mutates = false): CallSpec<I, O> {
  return { input, output, summary, mutates };
}

const empty = z.object({}).strict();

export interface AppInfo {
  name: string;
  version: string;
  home: string;
  door: 'electron' | 'http' | 'cli' | 'test';
  node: string;
  sqlite: string;
}

export interface GcResult {
  blobsRemoved: number;
  chunksRemoved: number;
  packsRewritten: number;
  bytesFreed: number;
  tempFilesRemoved: number;
}

export interface DoctorReport {
  ok: boolean;
  integrity: string;
  foreignKeys: number;
  chunksChecked: number;
  bytesChecked: number;
  problems: { object: string; problem: string }[];
  tempFilesRemoved: number;
  /** What the meaning checks read (names, paths, numbers, derived ids, profiles, row indexes; docs/REGISTRY.md). */
  meaning: { datasetVersions: number; modelVersions: number; runs: number; experiments: number; files: number };
  /** Pack files on disk the database never recorded (a crash mid-import): not damage, wasted space. */
  unrecordedPacks: { file: string; bytes: number }[];
  unrecordedBytes: number;
  /** The command that frees them. */
  freeCommand: string;
}

export interface ExportResult {
  outDir: string;
  files: string[];
  bytes: number;
}

export const contract = {
  'app.info': call(empty, out<AppInfo>(), 'Version, workspace folder and runtime of this Lathe'),

  'datasets.list': call(empty, out<DatasetSummary[]>(), 'All datasets with their latest version'),
  'datasets.versions': call(
    z.object({ name: datasetNameSchema }).strict(),
    out<DatasetVersion[]>(),
    'Every version of a dataset, newest first',
  ),
  'datasets.show': call(
    z.object({ ref: datasetRefSchema }).strict(),
    out<{ version: DatasetVersion; profile: DatasetProfile }>(),
    'One version and its profile',
  ),
  'datasets.rows': call(
    z
      .object({
        ref: datasetRefSchema,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    out<RowPage>(),
    'A page of rows of a version',
  ),
  'datasets.add': call(
    z
      .object({
        name: datasetNameSchema,
        path: z.string().min(1, 'a path to a file or folder is needed'),
        message: z.string().max(2000).default(''),
        tag: tagSchema.optional(),
        format: z.enum(DATASET_FORMATS).optional(),
      })
      .strict(),
    out<AddResult>(),
    'Import a file or folder as a new version of a dataset',
    true,
  ),
  'datasets.diff': call(
    z.object({ from: datasetRefSchema, to: datasetRefSchema, key: z.string().min(1).optional() }).strict(),
    out<DatasetDiff>(),
    'Compare two versions: schema, rows, profile shifts',
  ),
  'datasets.export': call(
    z.object({ ref: datasetRefSchema, out: z.string().min(1) }).strict(),
    out<ExportResult>(),
    'Write a version back to files, byte-identical to what was imported',
    true,
  ),
  'datasets.tag': call(
    z.object({ ref: datasetRefSchema, tag: tagSchema }).strict(),
    out<DatasetVersion>(),
    'Put a movable tag on a version',
    true,
  ),
  'datasets.untag': call(
    z.object({ name: datasetNameSchema, tag: tagSchema }).strict(),
    out<{ removed: boolean }>(),
    'Remove a tag',
    true,
  ),
  'datasets.remove': call(
    z.object({ ref: datasetRefSchema }).strict(),
    out<{ removed: DatasetVersion }>(),
    'Delete a version (refused while anything references it)',
    true,
  ),

  'store.gc': call(empty, out<GcResult>(), 'Free objects nothing references', true),
  'store.doctor': call(empty, out<DoctorReport>(), 'Check the database and re-hash every object', true),

  // Experiment tracking (issue 3). Types in ./tracking; the query language in ./runQuery.
  'experiments.create': call(
    z
      .object({
        name: experimentNameSchema,
        description: z.string().max(10_000).default(''),
        tags: z.record(keySchema, tagValueSchema).default({}),
      })
      .strict(),
    out<Experiment>(),
    'Create an experiment (a named group of runs)',
    true,
  ),
  'experiments.list': call(
    z
      .object({
        lifecycle: z.enum(LIFECYCLES).default('active'),
        nameLike: z.string().max(500).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(10_000).default(1000),
      })
      .strict(),
    out<Experiment[]>(),
    'Experiments with their run counts, newest first',
  ),
  'experiments.get': call(
    z
      .object({ id: experimentIdSchema.optional(), name: experimentNameSchema.optional() })
      .strict()
      .refine((i) => (i.id === undefined) !== (i.name === undefined), 'give either id or name'),
    out<Experiment>(),
    'One experiment, by id or by name',
  ),
  'experiments.update': call(
    z
      .object({
        id: experimentIdSchema,
        name: experimentNameSchema.optional(),
        description: z.string().max(10_000).optional(),
        tags: z.record(keySchema, tagValueSchema).optional(),
      })
      .strict(),
    out<Experiment>(),
    'Rename an experiment, change its description or tags',
    true,
  ),
  'experiments.delete': call(
    z.object({ id: experimentIdSchema, restore: z.boolean().default(false) }).strict(),
    out<Experiment>(),
    'Move an experiment to the trash (or restore it with restore: true)',
    true,
  ),

  'runs.create': call(
    z
      .object({
        experimentId: experimentIdSchema.optional(),
        /** An experiment name; created when it does not exist yet. */
        experiment: experimentNameSchema.optional(),
        name: runNameSchema.optional(),
        source: z.enum(RUN_SOURCES).default('api'),
        startTime: z.number().int().min(0).optional(),
        notes: z.string().max(LIMITS.notesLength).default(''),
        params: z.record(keySchema, paramValueSchema).default({}),
        tags: z.record(keySchema, tagValueSchema).default({}),
        environment: z.record(z.string(), z.unknown()).optional(),
        /** Dataset version ids this run reads (lineage). */
        inputs: z.array(z.string().min(1).max(128)).max(100).default([]),
      })
      .strict(),
    out<Run>(),
    'Start a run',
    true,
  ),
  'runs.get': call(z.object({ id: runIdSchema }).strict(), out<Run>(), 'One run with its params, tags, metric summaries and inputs'),
  'runs.update': call(
    z
      .object({
        id: runIdSchema,
        name: runNameSchema.optional(),
        status: z.enum(RUN_STATUSES).optional(),
        endTime: z.number().int().min(0).optional(),
        notes: z.string().max(LIMITS.notesLength).optional(),
      })
      .strict(),
    out<Run>(),
    'Rename a run, edit its notes, or end it (status finished, failed or killed)',
    true,
  ),
  'runs.search': call(
    z
      .object({
        /** The run query language: `metrics.acc > 0.9 and params.opt = "adam" order by metrics.loss`. */
        query: z.string().max(10_000).default(''),
        /** Overrides the query's order: `metrics.loss asc, max(metrics.acc) desc`. */
        orderBy: z.string().max(2000).optional(),
        experimentIds: z.array(experimentIdSchema).max(1000).optional(),
        experiment: experimentNameSchema.optional(),
        lifecycle: z.enum(LIFECYCLES).default('active'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(10_000).default(100),
      })
      .strict(),
    out<RunPage>(),
    'Find runs with the query language; one sorted page',
  ),
  'runs.logMetrics': call(
    z.object({ runId: runIdSchema, metrics: z.array(metricPointSchema).max(LIMITS.metricsPerCall) }).strict(),
    out<LogResult>(),
    'Log a batch of metric points (NaN and infinities kept)',
    true,
  ),
  'runs.logParams': call(
    z.object({ runId: runIdSchema, params: z.record(keySchema, paramValueSchema) }).strict(),
    out<LogResult>(),
    'Log params (each written once; the same value again is fine)',
    true,
  ),
  'runs.setTags': call(
    z.object({ runId: runIdSchema, tags: z.record(keySchema, tagValueSchema).default({}), remove: z.array(keySchema).max(1000).default([]) }).strict(),
    out<LogResult>(),
    'Set or remove tags of a run',
    true,
  ),
  'runs.logInputs': call(
    z.object({ runId: runIdSchema, datasetVersions: z.array(z.string().min(1).max(128)).min(1).max(100) }).strict(),
    out<LogResult>(),
    'Record dataset versions a run reads (lineage)',
    true,
  ),
  'runs.delete': call(z.object({ ids: z.array(runIdSchema).min(1).max(10_000) }).strict(), out<{ count: number }>(), 'Move runs to the trash', true),
  'runs.restore': call(z.object({ ids: z.array(runIdSchema).min(1).max(10_000) }).strict(), out<{ count: number }>(), 'Bring runs back from the trash', true),
  'runs.purge': call(
    z.object({ ids: z.array(runIdSchema).max(10_000).optional(), olderThanDays: z.number().min(0).default(0) }).strict(),
    out<{ purged: number }>(),
    'Empty the trash for good (then `lathe gc` frees their artifacts)',
    true,
  ),
  'runs.metricHistory': call(
    z
      .object({
        runId: runIdSchema,
        key: keySchema,
        /** Downsample (LTTB, min and max kept) to at most this many points. */
        maxPoints: z.number().int().min(2).max(1_000_000).optional(),
        /** Zoom: only steps in [stepFrom, stepTo]. */
        stepFrom: z.number().int().optional(),
        stepTo: z.number().int().optional(),
      })
      .strict(),
    out<MetricHistory>(),
    'The points of one metric of one run, downsampled for charts',
  ),
  'runs.metricPage': call(
    z
      .object({
        runId: runIdSchema,
        key: keySchema,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1_000_000).default(1000),
      })
      .strict(),
    out<{ points: { step: number; timestamp: number; value: MetricValue }[] }>(),
    'Raw points of one metric of one run in step order, one page (no downsampling)',
  ),
  'runs.compare': call(
    z.object({ ids: z.array(runIdSchema).min(2).max(50) }).strict(),
    out<RunComparison>(),
    'Two to fifty runs side by side: params (with differences) and metrics',
  ),
  'runs.keys': call(
    z.object({}).strict(),
    out<{ metrics: string[]; params: string[]; tags: string[] }>(),
    'Metric, param and tag keys in use (for autocomplete)',
  ),
  'runs.artifacts.list': call(
    z.object({ runId: runIdSchema, path: z.string().max(1024).default(''), recursive: z.boolean().default(false) }).strict(),
    out<ArtifactEntry[]>(),
    "A folder of a run's artifacts (recursive: every file under it)",
  ),
  'runs.artifacts.read': call(
    z.object({ runId: runIdSchema, path: z.string().min(1).max(1024), maxBytes: z.number().int().min(1).max(16 * 1024 * 1024).optional() }).strict(),
    out<ArtifactPreview>(),
    'Preview an artifact: text, JSON and CSV as text, images as base64',
  ),

  // Evaluation (issue 4). Types and schemas in ./evaluation.
  ...evaluationCalls,
  // Sweeps (issue 4). Types and schemas in ./sweeps.
  ...sweepCalls,
  // Monitoring (issue 11). Types and schemas in ./monitoring; docs/MONITORING.md.
  ...monitoringCalls,
  // Pipelines (issue 12). Types and schemas in ./pipelines; docs/PIPELINES.md.
  ...pipelineCalls,
  // Bundle signing keys and the keyring (issue 8). Types and schemas in ./bundles; docs/REGISTRY.md.
  ...keyCalls,
  // Workspace settings (desktop notifications). Types and schemas in ./settings.
  ...settingsCalls,
  // Model registry, deployment export, registry bundles (issue 5). Types in ./registry; docs/REGISTRY.md.
  'models.register': call(
    z.object({ runId: runIdSchema, name: modelNameSchema, description: z.string().max(10_000).default('') }).strict(),
    out<ModelVersion>(),
    "Register a run's model artifact as the next version of a model",
    true,
  ),
  'models.list': call(empty, out<ModelSummary[]>(), 'Registered models with their version counts and aliases'),
  'models.versions': call(z.object({ name: modelNameSchema }).strict(), out<ModelVersion[]>(), 'Every version of a model, newest first'),
  'models.show': call(z.object({ ref: modelRefSchema }).strict(), out<ModelVersion>(), 'One model version (ref: model, model@3, model@latest, model@<alias>)'),
  'models.alias': call(
    z.object({ ref: modelRefSchema, alias: aliasSchema, reason: z.string().max(2000).default('') }).strict(),
    out<{ version: ModelVersion; move: AliasMove | null }>(),
    'Point an alias (champion, challenger, ...) at a version; the move is recorded',
    true,
  ),
  'models.unalias': call(
    z.object({ name: modelNameSchema, alias: aliasSchema, reason: z.string().max(2000).default('') }).strict(),
    out<{ removed: boolean }>(),
    'Remove an alias (recorded in its history)',
    true,
  ),
  'models.aliasHistory': call(
    z.object({ name: modelNameSchema, alias: aliasSchema.optional() }).strict(),
    out<AliasMove[]>(),
    'Every move of the aliases of a model: who, when, from, to, why',
  ),
  'models.lineage': call(z.object({ ref: modelRefSchema }).strict(), out<LineageGraph>(), 'Dataset versions -> run -> model version -> exports, as a graph'),
  'lineage.downstream': call(
    z.object({ kind: z.enum(['dataset_version', 'run', 'model_version']), id: z.string().min(1).max(128) }).strict(),
    out<LineageGraph & { modelVersions: { id: string; model: string; number: number }[] }>(),
    'What a dataset version (or run) fed: runs, model versions, exports',
  ),
  'models.card': call(z.object({ ref: modelRefSchema }).strict(), out<ModelCard>(), 'The model card of a version, as Markdown and HTML'),
  'models.updateCard': call(
    z
      .object({
        ref: modelRefSchema,
        text: z.object(Object.fromEntries(CARD_FIELDS.map((f) => [f, z.string().max(50_000).optional()])) as Record<(typeof CARD_FIELDS)[number], z.ZodOptional<z.ZodString>>).strict().default({}),
        description: z.string().max(10_000).optional(),
      })
      .strict(),
    out<ModelCard>(),
    "Edit a model card's free-text fields (intended use, limitations, ethical considerations, notes)",
    true,
  ),
  'models.compare': call(
    z.object({ a: modelRefSchema, b: modelRefSchema }).strict(),
    out<ModelComparison>(),
    'Two model versions side by side: params, metrics, and evaluations on the same data',
  ),
  'models.predict': call(
    z
      .object({
        ref: modelRefSchema,
        rows: z.union([z.array(z.array(cellSchema)), z.array(z.record(z.string(), cellSchema))]).refine((r) => r.length >= 1 && r.length <= 10_000, 'give 1 to 10000 rows'),
        /** Fill missing required features as training did (the answer lists them) instead of refusing the row. */
        impute: z.boolean().default(false),
      })
      .strict(),
    out<Prediction>(),
    'Predict table rows (arrays in signature order, or objects by column) with a registered version',
  ),
  'export.run': call(
    z
      .object({
        ref: modelRefSchema,
        format: z.enum(EXPORT_FORMATS),
        out: z.string().min(1).max(4096),
        checkRows: z.number().int().min(1).max(10_000).default(100),
        /** serving, onnx: fill missing required features as training did instead of refusing the row. */
        impute: z.boolean().default(false),
      })
      .strict(),
    out<ExportRecord>(),
    'Export a model version: tfjs, onnx (checked in onnxruntime), serving (a Node HTTP server folder) or card',
    true,
  ),
  'export.history': call(
    z.object({ ref: modelRefSchema.optional(), limit: z.number().int().min(1).max(10_000).default(100) }).strict(),
    out<ExportRecord[]>(),
    'Exports made of a model version (or of every model), newest first',
  ),
  'bundle.export': call(
    z
      .object({
        out: z.string().min(1).max(4096),
        models: z.array(modelRefSchema).max(1000).optional(),
        runs: z.string().max(10_000).optional(),
        withData: z.boolean().default(false),
        gzip: z.boolean().default(false),
      })
      .strict(),
    out<BundleSummary>(),
    'Write a registry bundle: models, their runs and lineage (and data) in one file',
    true,
  ),
  'bundle.import': call(
    z.object({ file: z.string().min(1).max(4096), dryRun: z.boolean().default(false), force: z.boolean().default(false) }).strict(),
    out<BundleImportResult>(),
    'Check a registry bundle in quarantine, then merge it all or nothing',
    true,
  ),
  // Training and compute (issue 4). Types and schemas in ./training; docs/TRAINING.md.
  'training.templates': call(empty, out<TemplateDescription[]>(), 'The model templates and their hyperparameters (defaults, ranges, explanations)'),
  'training.suggest': call(
    z.object({ data: datasetRefSchema, target: z.string().min(1).max(500).optional() }).strict(),
    out<TaskSuggestion>(),
    'Suggest the task (classification or regression), template and features for a target column',
  ),
  'training.start': call(
    z.object({ spec: trainingSpecSchema, priority: z.number().int().min(-100).max(100).default(0) }).strict(),
    out<TrainingStarted>(),
    'Check the data and spec, create the run and queue its training (returns run id and job id)',
    true,
  ),
  'training.jobs': call(empty, out<JobQueueStatus>(), 'The compute queue: what runs where, what waits'),
  'training.cancel': call(
    z
      .object({ jobId: z.string().uuid().optional(), runId: runIdSchema.optional() })
      .strict()
      .refine((i) => (i.jobId === undefined) !== (i.runId === undefined), 'give either jobId or runId'),
    out<JobInfo>(),
    'Cancel a queued or running training (its run becomes killed; metrics so far are kept)',
    true,
  ),
  'training.resume': call(
    z.object({ runId: runIdSchema, priority: z.number().int().min(-100).max(100).default(0) }).strict(),
    out<TrainingStarted>(),
    'Continue a failed or killed training from its last checkpoint, in the same run',
    true,
  ),
  'training.rerun': call(
    z.object({ runId: runIdSchema, priority: z.number().int().min(-100).max(100).default(0) }).strict(),
    out<TrainingStarted>(),
    "Train again with a run's spec (same data ref, split, seed and hyperparameters) as a new run",
    true,
  ),
  'training.spec': call(z.object({ runId: runIdSchema }).strict(), out<TrainingSpec>(), "The training spec a run was started with (data ref, split, seed, hyperparameters)"),
  'training.wait': call(
    z.object({ jobId: z.string().uuid() }).strict(),
    out<JobInfo>(),
    'Wait until a job queued by this Lathe process ends; its final state (finished, failed, cancelled)',
  ),
  'compute.status': call(empty, out<ComputeStatus>(), 'The active compute backend, why the others did not load, and the worker count'),
  'compute.setBackend': call(
    z.object({ backend: z.enum(BACKEND_NAMES).nullable().optional(), workers: z.number().int().min(1).max(64).optional() }).strict(),
    out<ComputeStatus>(),
    'Pin a backend (null: automatic) and/or set the number of training workers',
    true,
  ),
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<K extends CallName> = z.input<Contract[K]['input']>;
export type ParsedInput<K extends CallName> = z.output<Contract[K]['input']>;
export type CallOutput<K extends CallName> = Contract[K]['output'] extends Output<infer O> ? O : never;

export const callNames = Object.keys(contract) as CallName[];
export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** What the engine implements: one async method per call, taking the parsed (defaulted) input. */
export type EngineApi = { [K in CallName]: (input: ParsedInput<K>) => Promise<CallOutput<K>> };

/** Events: typed, so screens (and later monitors and pipelines) can subscribe. */
export interface TaskProgress {
  task: string;
  label: string;
  phase: string;
  done: number;
  total: number;
}
export interface EventMap extends EvaluationEvents, SweepEvents, MonitoringEvents, PipelineEvents {
  'task.progress': TaskProgress;
  'datasets.changed': { name: string };
  'experiments.changed': { id: string };
  'runs.changed': { runIds: string[]; change: 'created' | 'updated' | 'deleted' | 'restored' | 'purged' | 'params' | 'tags' | 'inputs' | 'artifacts' };
  /** Live charts: the newest value per key written in one flush. */
  'runs.metrics': { runId: string; keys: string[]; last: Record<string, MetricValue>; step: Record<string, number> };
  /** A job was queued, started, progressed, finished, failed or was cancelled. */
  'training.jobs': { job: JobInfo };
  /** Live training progress: epoch, batch, samples/s, ETA. */
  'training.progress': { jobId: string; runId: string; progress: JobProgress };
  /** A model's versions, aliases, cards or exports changed. */
  'models.changed': { model: string };
}
export type EventName = keyof EventMap;
/**
 * An event as it travels: a discriminated union over `type`, so `if (e.type === 'runs.metrics')` narrows
 * `e.data` without a cast. `LatheEvent<'a' | 'b'>` is the union of just those.
 */
export type LatheEvent<K extends EventName = EventName> = { [P in K]: { type: P; data: EventMap[P] } }[K];
/**
 * Every event name, once. `satisfies Record<EventName, true>` makes a name missing from (or not in)
 * EventMap a compile error, so an event added to the map cannot be silently absent over SSE.
 */
const eventNameSet = {
  'task.progress': true,
  'datasets.changed': true,
  'experiments.changed': true,
  'runs.changed': true,
  'runs.metrics': true,
  'models.changed': true,
  'evaluations.changed': true,
  'training.jobs': true,
  'training.progress': true,
  'sweeps.changed': true,
  'monitor.alert': true,
  'monitor.windows': true,
  'monitor.reference': true,
  'pipelines.changed': true,
} as const satisfies Record<EventName, true>;
export const eventNames = Object.keys(eventNameSet) as EventName[];
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(eventNameSet, name);
}

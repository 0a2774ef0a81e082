/**
 * Pipelines: declared stages around typed built-ins, a content-addressed stage cache, triggers and a
 * champion gate (docs/PIPELINES.md). One zod schema serves the YAML file and the UI's editor; the engine
 * reports schema errors at line:column of the file.
 *
 * ```yaml
 * name: penguins-loop
 * triggers:
 *   - { kind: dataset, name: penguins }           # a new version (by content) of a watched dataset
 *   - { kind: schedule, cron: "0 3 * * *" }
 * stages:
 *   data:     { type: dataset, ref: penguins@latest }
 *   check:    { type: validate, data: "${stages.data.outputs.version}", against: previous, checks: [{ kind: schema }] }
 *   train:    { type: train, after: [check], spec: { template: tabular-mlp, data: "${stages.data.outputs.version}", target: Species } }
 *   evaluate: { type: evaluate, run: "${stages.train.outputs.run}", data: penguins-eval }
 *   gate:     { type: gate, evaluation: "${stages.evaluate.outputs.evaluation}", model: penguins, primary: accuracy }
 *   register: { type: register, run: "${stages.train.outputs.run}", model: penguins, gate: "${stages.gate.outputs.decision}" }
 *   promote:  { type: promote, version: "${stages.register.outputs.version}", alias: champion, gate: "${stages.gate.outputs.decision}" }
 *   export:   { type: export, version: "${stages.promote.outputs.version}", formats: [tfjs], out: exports/penguins }
 * ```
 */
import { z } from 'zod';
import { costMatrixSchema } from './evaluation';
import { idSchema } from './ids';
import { trainingSpecSchema } from './training';

export const pipelineNameSchema = z
  .string()
  .min(1, 'a pipeline name cannot be empty')
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a pipeline name starts with a letter or digit and holds only letters, digits, ".", "_" and "-"');

export const stageNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a stage name starts with a letter and holds only letters, digits, "_" and "-"');

const severity = z.enum(['blocking', 'warning']).default('blocking');
const paramValue = z.union([z.string(), z.number(), z.boolean()]);

export const validationCheckSchema = z.discriminatedUnion('kind', [
  /** The columns and their types are those of the reference. */
  z.object({ kind: z.literal('schema'), severity }).strict(),
  z.object({ kind: z.literal('required'), columns: z.array(z.string().min(1)).min(1), severity }).strict(),
  z.object({ kind: z.literal('range'), column: z.string().min(1), min: z.number().optional(), max: z.number().optional(), severity }).strict(),
  /** The share of missing cells of a column (every column when none is named) is at most `max`. */
  z.object({ kind: z.literal('missing'), column: z.string().min(1).optional(), max: z.number().min(0).max(1), severity }).strict(),
  z.object({ kind: z.literal('categories'), column: z.string().min(1), allowed: z.array(z.string()).min(1), severity }).strict(),
  z.object({ kind: z.literal('rows'), min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), severity }).strict(),
  /** Population stability index of each (or the named) column against the reference. */
  z.object({ kind: z.literal('drift'), columns: z.array(z.string().min(1)).optional(), maxPsi: z.number().positive().default(0.25), severity: z.enum(['blocking', 'warning']).default('warning') }).strict(),
]);
export type ValidationCheck = z.output<typeof validationCheckSchema>;

const common = {
  /** Stages that must finish first, besides those whose outputs this stage names. */
  after: z.array(stageNameSchema).max(100).default([]),
  /** Free parameters: part of the stage's cache key (and `${params.x}` in a command). */
  params: z.record(z.string().min(1).max(100), paramValue).default({}),
};

const importSourceSchema = z
  .object({ path: z.string().min(1).max(4096), name: z.string().min(1).max(100), format: z.enum(['csv', 'tsv', 'jsonl', 'parquet', 'images']).optional() })
  .strict();

const datasetStage = z
  .object({
    type: z.literal('dataset'),
    /** `name`, `name@latest`, `name@v3`, `name@<tag>`. */
    ref: z.string().min(1).max(200).optional(),
    /** Import a file or folder: new content becomes a new version; the same content is the same version. */
    'import': importSourceSchema.optional(),
    ...common,
  })
  .strict()
  .refine((s) => (s.ref === undefined) !== (s.import === undefined), { message: 'give either ref or import', path: ['ref'] });

const validateStage = z
  .object({
    type: z.literal('validate'),
    data: z.string().min(1).max(200),
    /** What "unchanged" and "drift" compare with: the previous version, the champion's training data, or a ref. */
    against: z.string().min(1).max(200).default('previous'),
    /** The model whose champion `against: champion` means. */
    model: z.string().min(1).max(100).optional(),
    alias: z.string().min(1).max(64).default('champion'),
    checks: z.array(validationCheckSchema).min(1).max(200),
    ...common,
  })
  .strict();

const trainStage = z.object({ type: z.literal('train'), spec: trainingSpecSchema, ...common }).strict();

const sweepStage = z.object({ type: z.literal('sweep'), spec: z.record(z.string(), z.unknown()), ...common }).strict();

const evaluateStage = z
  .object({
    type: z.literal('evaluate'),
    run: z.string().min(1).max(200),
    /** A dataset ref to evaluate on (the same for challenger and champion). */
    data: z.string().min(1).max(200).optional(),
    /** Or the run's own held-out rows: its recorded test (or validation) split of the version it trained on. */
    split: z.enum(['test', 'validation']).optional(),
    cost: costMatrixSchema.optional(),
    positive: z.string().min(1).max(500).optional(),
    ...common,
  })
  .strict()
  .refine((s) => (s.data === undefined) !== (s.split === undefined), { message: "give either data (a dataset ref) or split (the run's test or validation rows)", path: ['data'] });

export const GATE_METRICS = ['value', 'accuracy', 'log_loss', 'mae', 'mse'] as const;
export type GateMetric = (typeof GATE_METRICS)[number];

// The gate stage spreads these fields too: the shape itself, not gateRuleSchema.shape, which would build
// the schema when this module loads (the CLI builds its schemas on first use: src/main/cli/lazyZod.ts).
const gateRuleShape = {
  /** `value` is business value per case from the evaluation's cost matrix (the default when it has one). */
  primary: z.enum(GATE_METRICS).optional(),
  /** The challenger must beat the champion by at least this much (in the metric's units per case). */
  margin: z.number().min(0).default(0),
  /** Metrics that may not get worse by more than `tolerance` (per case). */
  guards: z.array(z.object({ metric: z.enum(GATE_METRICS), tolerance: z.number().min(0).default(0) }).strict()).max(10).default([]),
  minRows: z.number().int().min(1).default(30),
  resamples: z.number().int().min(100).max(100_000).default(1000),
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  seed: z.number().int().min(0).default(1),
};

export const gateRuleSchema = z.object(gateRuleShape).strict();
export type GateRule = z.output<typeof gateRuleSchema>;

const gateStage = z
  .object({
    type: z.literal('gate'),
    /** The challenger's evaluation (its run and data version decide what is compared). */
    evaluation: z.string().min(1).max(200),
    model: z.string().min(1).max(100),
    alias: z.string().min(1).max(64).default('champion'),
    /** Optional: the champion's evaluation to compare with; it must be on the same data. */
    championEvaluation: z.string().min(1).max(200).optional(),
    ...gateRuleShape,
    ...common,
  })
  .strict();

const registerStage = z
  .object({
    type: z.literal('register'),
    run: z.string().min(1).max(200),
    model: z.string().min(1).max(100),
    /** A gate decision: registered only when it passed. */
    gate: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).default(''),
    ...common,
  })
  .strict();

const promoteStage = z
  .object({
    type: z.literal('promote'),
    version: z.string().min(1).max(200),
    alias: z.string().min(1).max(64).default('champion'),
    gate: z.string().min(1).max(200).optional(),
    ...common,
  })
  .strict();

const exportStage = z
  .object({
    type: z.literal('export'),
    version: z.string().min(1).max(200),
    formats: z.array(z.enum(['tfjs', 'onnx', 'serving', 'card'])).min(1).max(4),
    /** A folder, relative to the pipeline file; each format goes to `<out>/<format>`. */
    out: z.string().min(1).max(4096),
    ...common,
  })
  .strict();

const commandStage = z
  .object({
    type: z.literal('command'),
    /** A shell command line, or an argv list. `${params.x}` and stage outputs are substituted. */
    run: z.union([z.string().min(1).max(10_000), z.array(z.string().max(10_000)).min(1).max(1000)]),
    /** Files (relative to the pipeline file) and dataset refs (`dataset:name@latest`) it reads. */
    deps: z.array(z.string().min(1).max(4096)).max(1000).default([]),
    /** Code files: a change re-runs the stage and is named as such. */
    code: z.array(z.string().min(1).max(4096)).max(1000).default([]),
    /** Files it writes, kept as the run's artifacts; a missing one re-runs the stage. */
    outs: z.array(z.string().min(1).max(4096)).max(1000).default([]),
    cwd: z.string().max(4096).optional(),
    timeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600).optional(),
    ...common,
  })
  .strict();

export const STAGE_TYPES = ['dataset', 'validate', 'train', 'sweep', 'evaluate', 'gate', 'register', 'promote', 'export', 'command'] as const;
export type StageType = (typeof STAGE_TYPES)[number];

export const stageSchema = z.discriminatedUnion('type', [datasetStage, validateStage, trainStage, sweepStage, evaluateStage, gateStage, registerStage, promoteStage, exportStage, commandStage]);
export type StageDef = z.output<typeof stageSchema>;
export type StageOf<T extends StageType> = Extract<StageDef, { type: T }>;

/** The outputs each stage type publishes (what `${stages.<name>.outputs.<output>}` may name). */
export const STAGE_OUTPUTS: Record<StageType, readonly string[]> = {
  dataset: ['version'],
  validate: ['report', 'passed', 'version'],
  train: ['run'],
  sweep: ['run', 'sweep'],
  evaluate: ['evaluation', 'run'],
  gate: ['decision', 'passed'],
  register: ['version'],
  promote: ['version'],
  export: ['folder'],
  command: ['run'],
};

export const triggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('manual') }).strict(),
  z.object({ kind: z.literal('schedule'), cron: z.string().min(1).max(200), timezone: z.string().max(100).optional(), catchUp: z.boolean().default(true) }).strict(),
  z.object({ kind: z.literal('dataset'), name: z.string().min(1).max(100) }).strict(),
  z
    .object({
      kind: z.literal('folder'),
      path: z.string().min(1).max(4096),
      /** The dataset its files become versions of. */
      dataset: z.string().min(1).max(100),
      /** A file counts once its size and mtime stay the same this long. */
      settleMs: z.number().int().min(0).max(3_600_000).default(2000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('alert'),
      /** A monitor name (any when left out). */
      monitor: z.string().min(1).max(200).optional(),
      cooldownMinutes: z.number().min(0).max(100_000).default(60),
      maxRunsPerDay: z.number().int().min(1).max(1000).default(3),
    })
    .strict(),
]);
export type TriggerDef = z.output<typeof triggerSchema>;
export type TriggerKind = TriggerDef['kind'];

export const pipelineDefinitionSchema = z
  .object({
    name: pipelineNameSchema,
    description: z.string().max(10_000).default(''),
    triggers: z.array(triggerSchema).max(50).default([]),
    stages: z.record(stageNameSchema, stageSchema).refine((s) => Object.keys(s).length > 0, 'give at least one stage'),
  })
  .strict();
export type PipelineDefinition = z.output<typeof pipelineDefinitionSchema>;

/** One problem in a pipeline file, at its line and column (1-based). */
export interface DefinitionIssue {
  message: string;
  path: string;
  line: number;
  column: number;
}

// Runs, jobs, decisions -----------------------------------------------------------------------------

export const PIPELINE_RUN_STATES = ['queued', 'running', 'succeeded', 'failed', 'blocked', 'cancelled'] as const;
export type PipelineRunState = (typeof PIPELINE_RUN_STATES)[number];
export const STAGE_STATES = ['pending', 'running', 'ran', 'cached', 'failed', 'skipped', 'blocked'] as const;
export type StageState = (typeof STAGE_STATES)[number];

export interface StageJob {
  id: string;
  stage: string;
  type: StageType;
  state: StageState;
  /** The cache key (sha256 of definition, params, input hashes and code). */
  key: string | null;
  /** "cached (key 1a2b...)" or "ran because input data changed (penguins@v1 -> penguins@v2)". */
  why: string;
  /** Each input's content hash (dataset version ids, file hashes, upstream outputs, code). */
  inputs: Record<string, string>;
  outputs: Record<string, string | boolean | number>;
  /** Output files: path -> sha256 (command outs, exports). */
  files: Record<string, string>;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  log: string;
}

export interface PipelineRun {
  id: string;
  pipeline: string;
  /** sha256 of the definition as parsed (comments and layout do not count). */
  definitionHash: string;
  trigger: TriggerKind | 'resume';
  triggerDetail: string;
  state: PipelineRunState;
  force: boolean;
  fromStage: string | null;
  resumeOf: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  stages: StageJob[];
}

export interface GateNumbers {
  metric: GateMetric;
  champion: number | null;
  challenger: number;
  /** challenger - champion, improvement positive (losses negated). */
  difference: number | null;
  interval: { lo: number; hi: number; confidence: number; resamples: number } | null;
  guards: { metric: GateMetric; champion: number; challenger: number; change: number; tolerance: number; ok: boolean }[];
}

export interface GateDecision {
  id: string;
  pipelineRun: string;
  stage: string;
  model: string;
  alias: string;
  verdict: 'pass' | 'fail' | 'blocked';
  reason: string;
  challengerRun: string;
  challengerEvaluation: string | null;
  championVersion: string | null;
  championEvaluation: string | null;
  /** The evaluation data both were scored on. */
  dataVersion: string;
  rows: number;
  rule: GateRule;
  numbers: GateNumbers | null;
  createdAt: number;
}

export interface PipelineSummary {
  name: string;
  sourcePath: string | null;
  definitionHash: string;
  description: string;
  stages: { name: string; type: StageType; needs: string[] }[];
  triggers: TriggerDef[];
  nextRunAt: number | null;
  lastRun: Pick<PipelineRun, 'id' | 'state' | 'trigger' | 'createdAt' | 'endedAt'> | null;
  updatedAt: number;
}

export interface PipelineDetail extends PipelineSummary {
  text: string;
  issues: DefinitionIssue[];
}

export interface StageExplanation {
  stage: string;
  type: StageType;
  /** Would it run now? `cached` or `run`; `unknown` when an upstream stage must run first. */
  verdict: 'cached' | 'run' | 'unknown' | 'blocked';
  key: string | null;
  why: string;
}

// Contract entries ----------------------------------------------------------------------------------

const returns = <T>(): { readonly __output?: T } => ({});
const runIdSchema = idSchema('a pipeline run id');

export const pipelineCalls = {
  'pipelines.save': {
    input: z.object({ text: z.string().min(1).max(1_000_000), sourcePath: z.string().max(4096).optional() }).strict(),
    output: returns<PipelineDetail>(),
    summary: 'Store a pipeline definition (YAML); schema errors come back at line:column',
    mutates: true,
  },
  'pipelines.check': {
    input: z.object({ text: z.string().max(1_000_000) }).strict(),
    output: returns<{ issues: DefinitionIssue[]; definitionHash: string | null }>(),
    summary: 'Check a pipeline definition without storing it (for the editor)',
    mutates: false,
  },
  'pipelines.list': {
    input: z.object({}).strict(),
    output: returns<PipelineSummary[]>(),
    summary: 'Pipelines with their last run, triggers and next scheduled run',
    mutates: false,
  },
  'pipelines.get': {
    input: z.object({ name: pipelineNameSchema }).strict(),
    output: returns<PipelineDetail>(),
    summary: 'One pipeline: its file, stages (DAG) and triggers',
    mutates: false,
  },
  'pipelines.delete': {
    input: z.object({ name: pipelineNameSchema }).strict(),
    output: returns<{ removed: boolean }>(),
    summary: 'Remove a pipeline (its run history stays)',
    mutates: true,
  },
  'pipelines.run': {
    input: z
      .object({
        name: pipelineNameSchema,
        force: z.boolean().default(false),
        from: stageNameSchema.optional(),
        /** Wait for the run to end (default) or return once queued. */
        wait: z.boolean().default(true),
      })
      .strict(),
    output: returns<PipelineRun>(),
    summary: 'Run a pipeline now (stages whose inputs did not change are cached)',
    mutates: true,
  },
  'pipelines.resume': {
    input: z.object({ runId: runIdSchema, wait: z.boolean().default(true) }).strict(),
    output: returns<PipelineRun>(),
    summary: 'Resume a failed pipeline run from its failed stage',
    mutates: true,
  },
  'pipelines.status': {
    input: z.object({ runId: runIdSchema.optional(), name: pipelineNameSchema.optional() }).strict(),
    output: returns<PipelineRun>(),
    summary: 'A pipeline run with its stages (default: the latest run of a pipeline)',
    mutates: false,
  },
  'pipelines.history': {
    input: z.object({ name: pipelineNameSchema, limit: z.number().int().min(1).max(1000).default(50) }).strict(),
    output: returns<PipelineRun[]>(),
    summary: "A pipeline's runs, newest first, with why each stage ran",
    mutates: false,
  },
  'pipelines.explain': {
    input: z.object({ name: pipelineNameSchema, force: z.boolean().default(false), from: stageNameSchema.optional() }).strict(),
    output: returns<StageExplanation[]>(),
    summary: 'For each stage: would it be cached (key ...) or run, and because of which input',
    mutates: false,
  },
  'pipelines.decision': {
    input: z.object({ id: idSchema('a gate decision id') }).strict(),
    output: returns<GateDecision>(),
    summary: "A gate's decision: inputs, numbers, interval, verdict and reason",
    mutates: false,
  },
} as const;

export interface PipelineEvents {
  'pipelines.changed': { name: string; runId?: string; stage?: string; state?: PipelineRunState | StageState };
}

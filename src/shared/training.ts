/**
 * Training types shared by the engine, every door and the renderer (and read by evaluation, sweeps,
 * the registry and export). Plain data and zod schemas only.
 *
 * The model artifact format written under a run's `model/` folder is described in docs/TRAINING.md:
 *   model/model.json          TF.js layers format (topology + weightsManifest pointing at weights.bin)
 *   model/weights.bin         the weights, float32, in weightsManifest order
 *   model/preprocessing.json  `Preprocessing`: how raw cells become the model's input tensor
 *   model/signature.json      `ModelSignature`: inputs, task, labels (output order), provenance
 */
import { z } from 'zod';
import type { ColumnType } from './datasets';
import type { LatheErrorData } from './errors';

export const TEMPLATE_NAMES = ['tabular-mlp', 'image-cnn'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export const TASKS = ['classification', 'regression'] as const;
export type Task = (typeof TASKS)[number];

/** Bumped when the artifact layout changes incompatibly; readers refuse what they do not know. */
export const MODEL_FORMAT = 'lathe-model/1';

// Hyperparameters ---------------------------------------------------------------------------------
// Each field's `.describe()` is the one-line explanation the UI shows next to it; min/max/choices and
// the default come from the schema itself (see describeTemplate), so there is one source of truth.

const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;
const SCHEDULES = ['constant', 'step', 'exponential', 'cosine'] as const;
const ACTIVATIONS = ['relu', 'elu', 'selu', 'tanh', 'sigmoid'] as const;
export const MONITORS = ['val_loss', 'val_acc', 'val_rmse'] as const;
export type Monitor = (typeof MONITORS)[number];

const commonHyperparameters = {
  optimizer: z.enum(OPTIMIZERS).default('adam').describe('How weights are updated from gradients'),
  learningRate: z.number().positive('the learning rate must be above 0').max(10).default(0.001).describe('Step size of each update'),
  lrSchedule: z.enum(SCHEDULES).default('constant').describe('How the learning rate changes over epochs'),
  lrDecay: z.number().gt(0).max(1).default(0.5).describe('Factor per decay step (step and exponential schedules)'),
  lrStepEpochs: z.number().int().min(1).max(10_000).default(10).describe('Epochs between decay steps (step schedule)'),
  batchSize: z.number().int().min(1).max(65_536).default(32).describe('Examples per weight update'),
  epochs: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(0)
    .describe('Passes over the training split; 0 = auto: enough for about 2000 optimizer steps (10 to 500 epochs), early stopping ends it sooner'),
  earlyStopping: z.boolean().default(true).describe('Stop when the monitored metric stops improving'),
  monitor: z.enum(MONITORS).default('val_loss').describe('Validation metric watched by early stopping'),
  patience: z.number().int().min(1).max(1000).default(5).describe('Epochs without improvement before stopping'),
  restoreBest: z.boolean().default(true).describe('Keep the weights of the best epoch, not the last'),
  checkpointEvery: z.number().int().min(0).max(10_000).default(5).describe('Save a resumable checkpoint every N epochs (0: never)'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42).describe('Seed of weight initialisation, dropout and shuffling'),
};

export const mlpHyperparametersSchema = z
  .object({
    hiddenUnits: z
      .array(z.number().int().min(1, 'a layer needs at least 1 unit').max(4096))
      .min(1)
      .max(16)
      .default([64, 32])
      .describe('Units of each hidden layer, input side first'),
    activation: z.enum(ACTIVATIONS).default('relu').describe('Non-linearity after each hidden layer'),
    dropout: z.number().min(0).max(0.9).default(0.1).describe('Share of units dropped while training (regularisation)'),
    batchNorm: z.boolean().default(false).describe('Normalise each hidden layer’s outputs per batch'),
    maxOneHot: z.number().int().min(2).max(1000).default(32).describe('Categories up to this many are one-hot encoded; more are index encoded'),
    ...commonHyperparameters,
  })
  .strict();
export type MlpHyperparameters = z.output<typeof mlpHyperparametersSchema>;

export const cnnHyperparametersSchema = z
  .object({
    width: z.number().int().min(8).max(512).default(32).describe('Images are resized to this width'),
    height: z.number().int().min(8).max(512).default(32).describe('Images are resized to this height'),
    channels: z.union([z.literal(1), z.literal(3)]).default(3).describe('1: grayscale, 3: RGB'),
    filters: z.array(z.number().int().min(1).max(512)).min(1).max(6).default([16, 32]).describe('Filters of each conv block (conv + max-pool)'),
    kernelSize: z.number().int().min(1).max(11).default(3).describe('Width of the square convolution kernels'),
    denseUnits: z.number().int().min(1).max(4096).default(64).describe('Units of the dense layer before the output'),
    dropout: z.number().min(0).max(0.9).default(0.25).describe('Share of units dropped before the output layer'),
    flip: z.boolean().default(true).describe('Randomly mirror training images left-right'),
    crop: z.boolean().default(false).describe('Randomly crop (up to 1/8 of each side) and resize training images'),
    ...commonHyperparameters,
    batchSize: commonHyperparameters.batchSize.default(16),
    epochs: commonHyperparameters.epochs.default(15),
    // (images: a fixed default; an epoch of decoded images costs far more than one of table rows)
  })
  .strict();
export type CnnHyperparameters = z.output<typeof cnnHyperparametersSchema>;

export const HYPERPARAMETER_SCHEMAS = {
  'tabular-mlp': mlpHyperparametersSchema,
  'image-cnn': cnnHyperparametersSchema,
} as const;

// Splits ------------------------------------------------------------------------------------------

export const fractionSplitSchema = z
  .object({
    kind: z.literal('fraction'),
    train: z.number().gt(0).lt(1).default(0.7),
    validation: z.number().min(0).lt(1).default(0.15),
    test: z.number().min(0).lt(1).default(0.15),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    /** Keep class shares equal across parts (classification only; ignored for regression). */
    stratify: z.boolean().default(true),
    /**
     * Cross-validation fold runs (set by the cross-validation mode, not by hand): the test part is the
     * one this fraction split gives; the other rows are dealt into `folds` folds (per class when
     * stratified) and fold `index` is the validation part. Index -1: train on every non-test row.
     */
    fold: z.object({ folds: z.number().int().min(2).max(20), index: z.number().int().min(-1).max(19) }).strict().optional(),
  })
  .strict()
  .refine((s) => Math.abs(s.train + s.validation + s.test - 1) < 1e-6, { message: 'train + validation + test must add up to 1', path: ['train'] });

/** A column whose values say the part of each row: train, validation (or val, valid), test. */
export const columnSplitSchema = z.object({ kind: z.literal('column'), column: z.string().min(1) }).strict();

export const splitSchema = z.discriminatedUnion('kind', [fractionSplitSchema, columnSplitSchema]);
export type SplitSpec = z.output<typeof splitSchema>;
export const DEFAULT_SPLIT: SplitSpec = { kind: 'fraction', train: 0.7, validation: 0.15, test: 0.15, seed: 42, stratify: true };

// The training spec ---------------------------------------------------------------------------------

const specBase = {
  /** A dataset ref: `name`, `name@v3`, `name@<tag>`, `name@<hash prefix>`. */
  data: z.string().min(1).max(200),
  /** The column to predict (image folders: always `class`). */
  target: z.string().min(1).max(500).optional(),
  /** Input columns; default: every other column (text columns with many values left out). */
  features: z.array(z.string().min(1).max(500)).max(10_000).optional(),
  /** Default: suggested from the target column (see `training.suggest`). */
  task: z.enum(TASKS).optional(),
  split: splitSchema.default(DEFAULT_SPLIT),
  experiment: z.string().min(1).max(500).optional(),
  name: z.string().max(500).optional(),
  /**
   * Cross-validation mode (fraction splits): `folds` fold runs grouped under one parent run, which gets
   * the mean and sd of every metric; with `refit`, one more run trains on all non-test rows for the
   * mean best epoch of the folds: the model to register.
   */
  crossValidation: z
    .object({ folds: z.number().int().min(2).max(20).default(5), refit: z.boolean().default(true) })
    .strict()
    .optional(),
};

// Defaults as functions: parsed when a spec needs them, not when this module loads (the CLI's start).
export const trainingSpecSchema = z.discriminatedUnion('template', [
  z.object({ template: z.literal('tabular-mlp'), hyperparameters: mlpHyperparametersSchema.default(() => mlpHyperparametersSchema.parse({})), ...specBase }).strict(),
  z.object({ template: z.literal('image-cnn'), hyperparameters: cnnHyperparametersSchema.default(() => cnnHyperparametersSchema.parse({})), ...specBase }).strict(),
]);
export type TrainingSpecInput = z.input<typeof trainingSpecSchema>;
/** A spec with every default applied: what a run records (artifact `training/spec.json`) and re-runs. */
export type TrainingSpec = z.output<typeof trainingSpecSchema>;

// Template descriptions (for the UI form and `lathe train --help`) ---------------------------------

export type HyperparameterType = 'int' | 'float' | 'bool' | 'enum' | 'int[]';
export interface HyperparameterDescription {
  name: string;
  type: HyperparameterType;
  default: number | boolean | string | number[];
  min?: number;
  max?: number;
  /** Bounds that are exclusive (learning rate > 0). */
  exclusiveMin?: boolean;
  choices?: (string | number)[];
  help: string;
}
export interface TemplateDescription {
  name: TemplateName;
  title: string;
  summary: string;
  /** What data it trains from. */
  data: 'table' | 'images';
  tasks: Task[];
  hyperparameters: HyperparameterDescription[];
}

interface JsonSchemaNode {
  type?: string;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: (string | number)[];
  anyOf?: JsonSchemaNode[];
  const?: string | number;
  items?: JsonSchemaNode;
}

function describeField(name: string, node: JsonSchemaNode): HyperparameterDescription {
  const choices = node.enum ?? node.anyOf?.map((n) => n.const).filter((c): c is string | number => c !== undefined);
  const bound = node.type === 'array' ? (node.items ?? {}) : node;
  const type: HyperparameterType =
    choices && choices.length > 0 ? 'enum' : node.type === 'boolean' ? 'bool' : node.type === 'array' ? 'int[]' : node.type === 'integer' ? 'int' : 'float';
  const d: HyperparameterDescription = { name, type, default: node.default as HyperparameterDescription['default'], help: node.description ?? '' };
  if (type === 'enum') d.choices = choices;
  const min = bound.minimum ?? bound.exclusiveMinimum;
  if (min !== undefined && type !== 'enum' && type !== 'bool') d.min = min;
  if (bound.exclusiveMinimum !== undefined) d.exclusiveMin = true;
  if (bound.maximum !== undefined && bound.maximum < Number.MAX_SAFE_INTEGER && type !== 'enum' && type !== 'bool') d.max = bound.maximum;
  return d;
}

export function describeHyperparameters(template: TemplateName): HyperparameterDescription[] {
  const json = z.toJSONSchema(HYPERPARAMETER_SCHEMAS[template], { io: 'input' }) as { properties: Record<string, JsonSchemaNode> };
  return Object.entries(json.properties).map(([name, node]) => describeField(name, node));
}

export function describeTemplates(): TemplateDescription[] {
  return [
    {
      name: 'tabular-mlp',
      title: 'Tabular MLP',
      summary: 'A multi-layer perceptron over a table: standardised numbers, encoded categories, imputed gaps',
      data: 'table',
      tasks: ['classification', 'regression'],
      hyperparameters: describeHyperparameters('tabular-mlp'),
    },
    {
      name: 'image-cnn',
      title: 'Image CNN',
      summary: 'A small convolutional network over an image-folder version (one subfolder per class)',
      data: 'images',
      tasks: ['classification'],
      hyperparameters: describeHyperparameters('image-cnn'),
    },
  ];
}

// The model artifact --------------------------------------------------------------------------------

export interface SignatureColumn {
  name: string;
  type: ColumnType;
}

export interface ModelSignature {
  format: typeof MODEL_FORMAT;
  template: TemplateName;
  task: Task;
  target: string;
  /** Table models take these columns, in this order (rows as arrays use this order). */
  inputs: { kind: 'table'; columns: SignatureColumn[] } | { kind: 'image'; width: number; height: number; channels: 1 | 3 };
  /** Classification: class names in the order of the output units (probabilities follow it). Regression: null. */
  labels: string[] | null;
  /** Width of the model's input vector (table) after preprocessing; the output has `labels.length` or 1 units. */
  inputSize: number;
  outputSize: number;
  /** Where the model came from. */
  dataVersion: string;
  dataset: string;
  runId: string;
  backend: string;
  createdAt: number;
}

/**
 * How a raw cell becomes model input, learned on the TRAIN split only.
 * numeric: missing (null, '', NaN) -> `impute` (the train mean), then (x - mean) / std (std 1 when 0).
 *          booleans count as 0/1; datetimes as ms since 1970.
 * categorical: the cell as a string (`String(v)`; booleans "true"/"false"); missing -> `impute` when it
 *          is not null, else the unknown bucket. onehot: `vocab.length + 1` inputs, the last one is the
 *          unknown bucket. index: one input, the vocab position (unknown = vocab.length), divided by
 *          `vocab.length` so it lies in [0, 1].
 */
export type FeaturePreprocessing = (
  | { kind: 'numeric'; column: string; type: ColumnType; mean: number; std: number; impute: number }
  | { kind: 'categorical'; column: string; type: ColumnType; encoding: 'onehot' | 'index'; vocab: string[]; impute: string | null }
) & {
  /**
   * Cells of the column missing in the training split. A column that had none is required: prediction
   * refuses a row without it unless imputation is asked for (models.predict `impute`, the serving
   * export's `impute`). Absent in models made before it was recorded (then every column is required).
   */
  missingInTraining?: number;
};

/** Regression targets are standardised for training; predictions are mapped back with mean and std. */
export type TargetPreprocessing = { kind: 'classification'; labels: string[] } | { kind: 'regression'; mean: number; std: number };

export type Preprocessing =
  | { kind: 'table'; features: FeaturePreprocessing[]; inputSize: number; target: TargetPreprocessing }
  | {
      kind: 'image';
      width: number;
      height: number;
      channels: 1 | 3;
      /** sharp: resize to width x height with `fit: 'fill'`, remove alpha, grayscale when channels is 1; pixel / 255. */
      resize: 'fill';
      scale: number;
      target: TargetPreprocessing;
    };

export interface Prediction {
  /** Classification: the label; regression: the value. */
  predictions: (string | number)[];
  /** Classification only: one row per input, in `signature.labels` order. */
  probabilities?: number[][];
  /** Classification only: the class labels, the order of each probabilities row (as the serving export answers). */
  labels?: string[];
  /** Rows whose missing fields were filled as in training, and which fields. */
  imputed?: { row: number; fields: string[] }[];
}

// Jobs ------------------------------------------------------------------------------------------------

export const JOB_KINDS = ['train', 'evaluate', 'trial', 'command'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobProgress {
  phase: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  samplesPerSec: number;
  /** Estimated milliseconds left; null before the first epoch gives a rate. */
  etaMs: number | null;
}

export interface JobInfo {
  id: string;
  runId: string | null;
  kind: JobKind;
  label: string;
  /** Higher runs first; equal priorities run in submission order. */
  priority: number;
  state: JobState;
  /** The pool slot running it (0-based); null while queued. */
  worker: number | null;
  progress: JobProgress | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  error: LatheErrorData | null;
}

export interface JobQueueStatus {
  workers: number;
  jobs: JobInfo[];
}

// Compute backends --------------------------------------------------------------------------------

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendProbe {
  name: BackendName;
  /** The package that provides it. */
  package: string;
  loaded: boolean;
  /** Why it did not load (when it did not). */
  reason?: string;
  /** What to do to get it. */
  install?: string;
}

export interface ComputeStatus {
  /** The backend training uses. */
  active: BackendName;
  /** E.g. "CPU (wasm, SIMD)", "CUDA GPU". */
  device: string;
  /** Set by `compute.setBackend` or the LATHE_BACKEND environment variable. */
  pinned: BackendName | null;
  probes: BackendProbe[];
  workers: number;
}

// Calls' outputs --------------------------------------------------------------------------------------

export interface TaskSuggestion {
  target: string;
  task: Task;
  reason: string;
  /** Default features: every other usable column. */
  features: string[];
  /** Columns left out of the default features, with why. */
  excluded: { column: string; reason: string }[];
  template: TemplateName;
  /** Classification: the classes and their counts. */
  classes?: { value: string; count: number }[];
}

/** Advice a finished run gives its user (CLI and UI), kept as the run's `training.hints` tag (JSON). */
export interface TrainingHint {
  code: 'still-improving' | 'baseline-better';
  message: string;
  hint: string;
}
export const TRAINING_HINTS_TAG = 'training.hints';

export interface TrainingStarted {
  runId: string;
  jobId: string;
  /** Cross-validation: `runId` is the parent run; these are its fold runs (the refit follows them). */
  folds?: { runId: string; jobId: string }[];
}

/** Tags that group cross-validation runs. */
export const CV_TAGS = { parent: 'cv.parent', role: 'cv.role', fold: 'cv.fold', refit: 'cv.refit_run' } as const;

/**
 * Sweeps: many trainings of one spec over a parameter space. One zod schema serves the CLI's YAML
 * file and the UI's form. Each trial is a run (tagged `sweep.id`, `sweep.trial`) in the sweep's
 * experiment; poor trials can be stopped early by successive halving (tag `sweep.pruned=true`).
 *
 * ```yaml
 * name: penguins-lr
 * base:                      # a training spec (as `training.start` takes it)
 *   template: tabular-mlp
 *   data: penguins
 *   target: Species
 *   hyperparameters: { epochs: 20 }
 * parameters:                # dotted paths into the spec
 *   hyperparameters.learningRate: { distribution: loguniform, min: 0.0001, max: 0.1 }
 *   hyperparameters.hiddenUnits: { values: [[16], [32, 16]] }
 *   hyperparameters.dropout: { distribution: uniform, min: 0, max: 0.5 }
 *   hyperparameters.batchSize: { distribution: int, min: 8, max: 64 }
 * strategy: { kind: random, trials: 8, seed: 1 }     # or { kind: grid }
 * pruning: { kind: successive-halving, minEpochs: 2, eta: 3 }   # optional
 * parallelism: 2
 * objective: { metric: val_loss, direction: minimize }
 * ```
 */
import { z } from 'zod';
import { idSchema } from './ids';

const paramValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.number()), z.array(z.string())]);
export type ParamValue = z.output<typeof paramValue>;

/** A list of values: every one in a grid; one drawn uniformly in a random search. */
const valuesParam = z.object({ values: z.array(paramValue).min(1).max(1000) }).strict();
const uniformParam = z
  .object({ distribution: z.literal('uniform'), min: z.number().finite(), max: z.number().finite() })
  .strict()
  .refine((p) => p.max > p.min, { message: 'max must be above min', path: ['max'] });
const logUniformParam = z
  .object({ distribution: z.literal('loguniform'), min: z.number().positive('a log-uniform range starts above 0'), max: z.number().finite() })
  .strict()
  .refine((p) => p.max > p.min, { message: 'max must be above min', path: ['max'] });
const intParam = z
  .object({ distribution: z.literal('int'), min: z.number().int(), max: z.number().int(), step: z.number().int().min(1).default(1) })
  .strict()
  .refine((p) => p.max >= p.min, { message: 'max must be at least min', path: ['max'] });
const choiceParam = z.object({ distribution: z.literal('choice'), values: z.array(paramValue).min(1).max(1000) }).strict();

export const parameterSchema = z.union([valuesParam, uniformParam, logUniformParam, intParam, choiceParam]);
export type ParameterSpec = z.output<typeof parameterSchema>;

/** `hyperparameters.learningRate`, `split.seed`: a dotted path into the training spec. */
export const parameterPathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/, 'a parameter is a dotted path into the training spec, like hyperparameters.learningRate');

export const strategySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('grid') }).strict(),
  z
    .object({
      kind: z.literal('random'),
      trials: z.number().int().min(1).max(1000),
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    })
    .strict(),
]);

/**
 * Asynchronous successive halving: rungs at minEpochs, minEpochs*eta, minEpochs*eta^2, ... below the
 * trials' epochs. A trial reaching a rung continues only if its objective there is among the best
 * 1/eta of the trials that reached that rung so far (the first to arrive always continues).
 */
export const pruningSchema = z
  .object({
    kind: z.literal('successive-halving'),
    minEpochs: z.number().int().min(1).max(10_000).default(1),
    /** Default: the base spec's epochs. */
    maxEpochs: z.number().int().min(1).max(10_000).optional(),
    eta: z.number().int().min(2).max(10).default(3),
  })
  .strict();
export type PruningSpec = z.output<typeof pruningSchema>;

export const objectiveSchema = z
  .object({
    metric: z.string().min(1).max(250).default('val_loss'),
    direction: z.enum(['minimize', 'maximize']).default('minimize'),
  })
  .strict();
export type Objective = z.output<typeof objectiveSchema>;

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** Default: an experiment named after the sweep. */
    experiment: z.string().min(1).max(500).optional(),
    /** A training spec (validated once the parameters are applied, per trial). */
    base: z.record(z.string(), z.unknown()),
    parameters: z.record(parameterPathSchema, parameterSchema).refine((p) => Object.keys(p).length > 0, 'give at least one parameter'),
    strategy: strategySchema.default({ kind: 'grid' }),
    pruning: pruningSchema.optional(),
    parallelism: z.number().int().min(1).max(64).default(2),
    objective: objectiveSchema.default({ metric: 'val_loss', direction: 'minimize' }),
    /** Most trials a sweep may run (a grid larger than this is refused). */
    maxTrials: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.output<typeof sweepSpecSchema>;

export const SWEEP_STATUSES = ['running', 'finished', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];
export const TRIAL_STATUSES = ['queued', 'running', 'finished', 'pruned', 'failed', 'cancelled'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

export interface SweepTrial {
  trial: number;
  runId: string | null;
  params: Record<string, ParamValue>;
  status: TrialStatus;
  /** The objective: its best value over the trial's epochs (null until known). */
  objective: number | null;
  /** Epochs the trial ran (reported so far). */
  epochs: number;
  /** Highest successive-halving rung reached. */
  rung: number;
  error: string | null;
}

export interface Sweep {
  id: string;
  name: string;
  experimentId: string;
  status: SweepStatus;
  createdAt: number;
  endedAt: number | null;
  spec: SweepSpec;
  error: string | null;
  trials: SweepTrial[];
  /** The finished trial with the best objective (null while none has one). */
  best: SweepTrial | null;
  counts: Record<TrialStatus, number>;
}

export type SweepSummary = Omit<Sweep, 'trials' | 'spec'> & { objective: Objective; strategy: SweepSpec['strategy']['kind'] };

const returns = <T>(): { readonly __output?: T } => ({});
const sweepIdSchema = idSchema('a sweep id');

export const sweepCalls = {
  'sweeps.start': {
    input: z.object({ spec: sweepSpecSchema }).strict(),
    output: returns<Sweep>(),
    summary: 'Start a sweep: trials of a training spec over a parameter space (grid or random, optional successive halving)',
    mutates: true,
  },
  'sweeps.list': {
    input: z.object({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: returns<SweepSummary[]>(),
    summary: 'Sweeps, newest first, with trial counts and the best trial',
    mutates: false,
  },
  'sweeps.get': {
    input: z.object({ id: sweepIdSchema }).strict(),
    output: returns<Sweep>(),
    summary: 'One sweep: its trials (params, status, objective) and the best trial',
    mutates: false,
  },
  'sweeps.cancel': {
    input: z.object({ id: sweepIdSchema }).strict(),
    output: returns<Sweep>(),
    summary: 'Stop a sweep: queued trials are dropped, running ones killed',
    mutates: true,
  },
  'sweeps.wait': {
    input: z.object({ id: sweepIdSchema }).strict(),
    output: returns<Sweep>(),
    summary: 'Wait until a sweep run by this Lathe process ends; the sweep with every trial',
    mutates: false,
  },
} as const;

export interface SweepEvents {
  'sweeps.changed': { id: string; status: SweepStatus; trial?: number };
}

/**
 * The sweep form as data: parameter rows (grid lists, random distributions), strategy, pruning,
 * parallelism and objective over a base training spec, checked with the contract's sweep schema; and
 * YAML import (the same file `lathe sweep` reads). Pure functions (unit-tested).
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { sweepSpecSchema, type ParamValue, type SweepSpecInput } from '../../shared/sweeps';
import { trainingSpecSchema, type TrainingSpecInput } from '../../shared/training';
import { issuesToErrors, type FieldErrors } from './trainingForm';

export const PARAM_KINDS = ['values', 'uniform', 'loguniform', 'int', 'choice'] as const;
export type ParamKind = (typeof PARAM_KINDS)[number];

export const PARAM_KIND_HELP: Record<ParamKind, string> = {
  values: 'a list: every value in a grid, one drawn at random otherwise',
  uniform: 'random: any number between min and max',
  loguniform: 'random: spread evenly over orders of magnitude (learning rates)',
  int: 'random: a whole number between min and max (inclusive)',
  choice: 'random: one of the listed values',
};

export interface ParamRow {
  path: string;
  kind: ParamKind;
  /** `0.001, 0.01` or `[16], [32, 16]` (YAML flow items). */
  values: string;
  min: string;
  max: string;
  step: string;
}

export interface SweepForm {
  name: string;
  params: ParamRow[];
  strategy: 'grid' | 'random';
  trials: string;
  seed: string;
  pruning: boolean;
  minEpochs: string;
  eta: string;
  parallelism: string;
  metric: string;
  direction: 'minimize' | 'maximize';
}

export const newParamRow = (path = 'hyperparameters.learningRate', kind: ParamKind = 'values'): ParamRow => ({ path, kind, values: '', min: '', max: '', step: '1' });

export const DEFAULT_SWEEP_FORM: SweepForm = {
  name: '',
  params: [{ ...newParamRow(), values: '0.001, 0.01' }],
  strategy: 'grid',
  trials: '4',
  seed: '0',
  pruning: false,
  minEpochs: '1',
  eta: '3',
  parallelism: '2',
  metric: 'val_loss',
  direction: 'minimize',
};

/** `0.001, 0.01` -> [0.001, 0.01]; `[16], [32, 16]` -> [[16], [32, 16]]; `adam, sgd` -> ['adam', 'sgd']. */
export function parseValueList(text: string): { values?: ParamValue[]; error?: string } {
  const t = text.trim();
  if (t === '') return { error: 'list at least one value, separated by commas' };
  try {
    const v = parseYaml(`[${t}]`) as unknown;
    if (!Array.isArray(v) || v.length === 0) return { error: 'list at least one value, separated by commas' };
    return { values: v as ParamValue[] };
  } catch {
    return { error: 'values separated by commas; lists in brackets, like [32, 16]' };
  }
}

const numOrNaN = (t: string) => (t.trim() === '' ? NaN : Number(t));

function paramOf(row: ParamRow, at: string, errors: FieldErrors): unknown {
  if (row.kind === 'values' || row.kind === 'choice') {
    const r = parseValueList(row.values);
    if (r.error) errors[`${at}.values`] = r.error;
    return row.kind === 'values' ? { values: r.values ?? [] } : { distribution: 'choice', values: r.values ?? [] };
  }
  const min = numOrNaN(row.min);
  const max = numOrNaN(row.max);
  if (!Number.isFinite(min)) errors[`${at}.min`] = row.min.trim() === '' ? 'a minimum is needed' : `"${row.min}" is not a number`;
  if (!Number.isFinite(max)) errors[`${at}.max`] = row.max.trim() === '' ? 'a maximum is needed' : `"${row.max}" is not a number`;
  if (row.kind === 'int') return { distribution: 'int', min, max, step: Number(row.step) || 1 };
  return { distribution: row.kind, min, max };
}

/** The sweep spec a form describes over `base`, and every problem with it (by dotted path). */
export function sweepSpecOf(form: SweepForm, base: TrainingSpecInput): { spec: SweepSpecInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const parameters: Record<string, unknown> = {};
  form.params.forEach((row, i) => {
    const at = `params.${i}`;
    if (!row.path.trim()) errors[`${at}.path`] = 'choose a parameter';
    else if (row.path in parameters) errors[`${at}.path`] = 'this parameter is already in the sweep';
    parameters[row.path] = paramOf(row, at, errors);
    if (form.strategy === 'grid' && row.kind !== 'values') errors[`${at}.kind`] = 'a grid takes lists of values; use random search for distributions';
  });
  const int = (t: string) => (t.trim() === '' ? NaN : Number(t));
  const spec = {
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    base: base as Record<string, unknown>,
    parameters,
    strategy: form.strategy === 'grid' ? { kind: 'grid' } : { kind: 'random', trials: int(form.trials), seed: int(form.seed) },
    ...(form.pruning ? { pruning: { kind: 'successive-halving', minEpochs: int(form.minEpochs), eta: int(form.eta) } } : {}),
    parallelism: int(form.parallelism),
    objective: { metric: form.metric.trim(), direction: form.direction },
  } as SweepSpecInput;
  const parsed = sweepSpecSchema.safeParse(spec);
  if (!parsed.success) {
    for (const [k, m] of Object.entries(issuesToErrors(parsed.error.issues))) {
      // parameters.<path>.x -> the row's field
      const pm = /^parameters\.(.+?)\.(values|min|max|step|distribution)(\..*)?$/.exec(k);
      const row = pm ? form.params.findIndex((r) => r.path === pm[1]) : -1;
      const key = row >= 0 ? `params.${row}.${pm![2] === 'distribution' ? 'kind' : pm![2]}` : k;
      if (!(key in errors)) errors[key] = m;
    }
  }
  return { spec, errors };
}

/** How many trials a grid would run (the product of the list lengths), or null when not a grid. */
export function gridSize(form: SweepForm): number | null {
  if (form.strategy !== 'grid') return null;
  let n = 1;
  for (const r of form.params) n *= parseValueList(r.values).values?.length ?? 0;
  return n;
}

/** A pasted YAML sweep file: the spec, or what is wrong with it (YAML syntax, then schema, then the base). */
export function parseSweepYaml(text: string): { spec?: SweepSpecInput; errors: string[] } {
  if (!text.trim()) return { errors: ['paste a sweep file (YAML): name, base, parameters, strategy, objective'] };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { errors: [`YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`] };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { errors: ['the file must be a mapping with base, parameters, strategy…'] };
  const parsed = sweepSpecSchema.safeParse(doc);
  if (!parsed.success) return { errors: Object.entries(issuesToErrors(parsed.error.issues)).map(([k, m]) => `${k}: ${m}`) };
  const base = trainingSpecSchema.safeParse(parsed.data.base);
  if (!base.success) {
    // Parameters may fill what the base leaves out; only report base fields no parameter sets.
    const set = Object.keys(parsed.data.parameters);
    const errs = Object.entries(issuesToErrors(base.error.issues)).filter(([k]) => !set.some((p) => p === k || k.startsWith(p + '.')));
    if (errs.length) return { errors: errs.map(([k, m]) => `base.${k}: ${m}`) };
  }
  return { spec: doc as SweepSpecInput, errors: [] };
}

/** The YAML of a spec (to start the import box from what the form holds). */
export function sweepYamlOf(spec: SweepSpecInput): string {
  return stringifyYaml(spec, { indent: 2, lineWidth: 120, collectionStyle: 'any' });
}

/** Param paths worth offering in the row's picker: the template's hyperparameters and the split seed. */
export function parameterChoices(hyperparameters: string[]): string[] {
  return [...hyperparameters.map((h) => `hyperparameters.${h}`), 'split.seed'];
}

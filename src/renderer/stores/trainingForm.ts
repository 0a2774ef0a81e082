/**
 * The new-training form as data: a form generated from a template description (raw text per field so
 * a user can type "-0." on the way to "-0.1"), turned into a training spec and checked with the
 * contract's own zod schema as they type. Pure functions (unit-tested); the store holds the state.
 */
import { trainingSpecSchema, type HyperparameterDescription, type SplitSpec, type Task, type TemplateName, type TrainingSpecInput } from '../../shared/training';

/** What an input holds: text for numbers and lists, a boolean for a checkbox, the chosen option for a select. */
export type HpRaw = string | boolean;
export type HpForm = Record<string, HpRaw>;

/** Field errors by dotted path (`hyperparameters.learningRate`, `split.train`, `target`). */
export type FieldErrors = Record<string, string>;

export function rawOf(d: HyperparameterDescription, v: HyperparameterDescription['default'] = d.default): HpRaw {
  if (d.type === 'bool') return Boolean(v);
  if (d.type === 'int[]') return Array.isArray(v) ? v.join(', ') : String(v ?? '');
  return v === undefined || v === null ? '' : String(v);
}

/** The form of a template: every hyperparameter at its default. */
export function initialHpForm(desc: HyperparameterDescription[]): HpForm {
  return Object.fromEntries(desc.map((d) => [d.name, rawOf(d)]));
}

/** Parse one raw field; `error` when the text is not a number (list) at all — ranges are zod's job. */
export function parseHp(d: HyperparameterDescription, raw: HpRaw | undefined): { value?: unknown; error?: string } {
  if (raw === undefined) return {};
  if (d.type === 'bool') return { value: Boolean(raw) };
  const text = String(raw).trim();
  if (d.type === 'enum') {
    const choice = d.choices?.find((c) => String(c) === text);
    return choice === undefined ? { error: `choose one of ${(d.choices ?? []).join(', ')}` } : { value: choice };
  }
  if (d.type === 'int[]') {
    if (text === '') return { error: 'give at least one number, like 64, 32' };
    const parts = text.split(/[\s,]+/).filter(Boolean);
    const nums = parts.map(Number);
    if (nums.some((n) => !Number.isFinite(n))) return { error: 'a list of whole numbers separated by commas, like 64, 32' };
    return { value: nums };
  }
  if (text === '') return { error: 'a value is needed' };
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: `"${text}" is not a number` };
  return { value: n };
}

/** Hyperparameters whose text parses, and the errors of those that do not. */
export function hyperparametersOf(desc: HyperparameterDescription[], form: HpForm): { values: Record<string, unknown>; errors: FieldErrors } {
  const values: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const d of desc) {
    const r = parseHp(d, form[d.name]);
    if (r.error) errors[`hyperparameters.${d.name}`] = r.error;
    else if (r.value !== undefined) values[d.name] = r.value;
  }
  return { values, errors };
}

/** A human range for the help text: "0 < x ≤ 10", "1 – 4096", "each 1 – 4096". */
export function rangeText(d: HyperparameterDescription): string {
  if (d.min === undefined && d.max === undefined) return '';
  const each = d.type === 'int[]' ? 'each ' : '';
  if (d.exclusiveMin && d.min !== undefined) return `${each}${d.min} < x${d.max !== undefined ? ` ≤ ${d.max}` : ''}`;
  if (d.min !== undefined && d.max !== undefined) return `${each}${d.min} – ${d.max}`;
  return d.min !== undefined ? `${each}≥ ${d.min}` : `${each}≤ ${d.max}`;
}

/** Groups of the form, in order; names a template adds land in "Model". */
export const HP_GROUPS: { title: string; names: string[] | null }[] = [
  { title: 'Model', names: null },
  { title: 'Optimisation', names: ['optimizer', 'learningRate', 'lrSchedule', 'lrDecay', 'lrStepEpochs', 'batchSize', 'epochs'] },
  { title: 'Early stopping', names: ['earlyStopping', 'monitor', 'patience', 'restoreBest'] },
  { title: 'Reproducibility', names: ['checkpointEvery', 'seed'] },
];

export function groupHyperparameters(desc: HyperparameterDescription[]): { title: string; fields: HyperparameterDescription[] }[] {
  const named = new Set(HP_GROUPS.flatMap((g) => g.names ?? []));
  return HP_GROUPS.map((g) => ({
    title: g.title,
    fields: g.names ? g.names.map((n) => desc.find((d) => d.name === n)).filter((d): d is HyperparameterDescription => !!d) : desc.filter((d) => !named.has(d.name)),
  })).filter((g) => g.fields.length > 0);
}

/** Fields that do nothing with the current choices (shown dimmed, still sent). */
export function inactiveFields(form: HpForm): Set<string> {
  const off = new Set<string>();
  const schedule = form.lrSchedule;
  if (schedule !== 'step' && schedule !== 'exponential') off.add('lrDecay');
  if (schedule !== 'step') off.add('lrStepEpochs');
  if (form.earlyStopping === false) for (const n of ['monitor', 'patience', 'restoreBest']) off.add(n);
  return off;
}

export interface SplitForm {
  kind: 'fraction' | 'column';
  train: string;
  validation: string;
  test: string;
  seed: string;
  stratify: boolean;
  column: string;
}
export const DEFAULT_SPLIT_FORM: SplitForm = { kind: 'fraction', train: '0.7', validation: '0.15', test: '0.15', seed: '42', stratify: true, column: '' };

export function splitOf(f: SplitForm): { split?: Record<string, unknown>; errors: FieldErrors } {
  if (f.kind === 'column') return { split: { kind: 'column', column: f.column }, errors: f.column ? {} : { 'split.column': 'choose the column that says train, validation or test' } };
  const errors: FieldErrors = {};
  const out: Record<string, unknown> = { kind: 'fraction', stratify: f.stratify };
  for (const k of ['train', 'validation', 'test', 'seed'] as const) {
    const t = f[k].trim();
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) errors[`split.${k}`] = t === '' ? 'a value is needed' : `"${t}" is not a number`;
    else out[k] = n;
  }
  return { split: out, errors };
}

export interface SpecForm {
  data: string | null;
  target: string | null;
  task: Task | null;
  features: string[];
  template: TemplateName;
  hp: HpForm;
  split: SplitForm;
  name: string;
  experiment: string;
}

/** The spec the form describes, plus what cannot even be put into it (unparseable text). */
export function specOf(form: SpecForm, desc: HyperparameterDescription[]): { spec: TrainingSpecInput; errors: FieldErrors } {
  const hp = hyperparametersOf(desc, form.hp);
  const split = splitOf(form.split);
  const spec = {
    template: form.template,
    data: form.data ?? '',
    ...(form.target ? { target: form.target } : {}),
    ...(form.target ? { features: form.features } : {}),
    ...(form.task ? { task: form.task } : {}),
    hyperparameters: hp.values,
    split: split.split as SplitSpec,
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    ...(form.experiment.trim() ? { experiment: form.experiment.trim() } : {}),
  } as TrainingSpecInput;
  return { spec, errors: { ...hp.errors, ...split.errors } };
}

/** zod issues -> one message per dotted path (the first wins). */
export function issuesToErrors(issues: { path: PropertyKey[]; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const key = i.path.map(String).join('.') || 'spec';
    if (!(key in out)) out[key] = i.message;
  }
  return out;
}

/** Everything wrong with the form, as the engine's schema sees it (parsed client-side as they type). */
export function validateSpecForm(form: SpecForm, desc: HyperparameterDescription[]): { spec: TrainingSpecInput; errors: FieldErrors } {
  const { spec, errors } = specOf(form, desc);
  if (!form.data) errors.data = 'choose a dataset version';
  if (form.target !== null && form.features.length === 0) errors.features = 'choose at least one feature';
  const parsed = trainingSpecSchema.safeParse(spec);
  if (!parsed.success) {
    for (const [k, m] of Object.entries(issuesToErrors(parsed.error.issues))) {
      // A field whose text did not parse keeps that message (zod only saw it missing).
      if (!(k in errors)) errors[k] = m;
    }
  }
  return { spec, errors };
}

/** Errors that no field of the form shows (so the form lists them above the Start button). */
export function unplacedErrors(errors: FieldErrors, placed: (key: string) => boolean): string[] {
  return Object.entries(errors)
    .filter(([k]) => !placed(k))
    .map(([k, m]) => `${k}: ${m}`);
}

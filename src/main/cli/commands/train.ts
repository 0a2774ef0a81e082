import type { Command } from 'commander';
import type { TrainingSpecInput, TemplateName, ComputeStatus, JobProgress, TrainingHint } from '../../../shared/training';
import { describeHyperparameters, TEMPLATE_NAMES, TRAINING_HINTS_TAG } from '../../../shared/training';
import { LatheError } from '../../../shared/errors';
import type { Run } from '../../../shared/tracking';
import { dispatch, invoke } from '../../engine/dispatch';
import { getEngine } from '../context';
import { waitCrossValidation } from './trainCv';

/**
 * `lathe train`: checks the data, starts a training run, prints its progress on stderr while it trains
 * and the run id and final metrics on stdout. Ctrl-C cancels the job (the run becomes killed).
 */

interface TrainOptions {
  data?: string;
  target?: string;
  template: string;
  task?: string;
  features?: string;
  set: string[];
  from?: string;
  resume?: string;
  experiment?: string;
  name?: string;
  cv?: string;
  refit?: boolean;
  json?: boolean;
}

const SPLIT_KEYS = new Set(['kind', 'train', 'validation', 'test', 'seed', 'stratify', 'column']);

/** Reads `--set key=value` with the template's declared types (numbers, booleans, lists, choices). */
export function parseSets(template: TemplateName, sets: string[]): { hyperparameters: Record<string, unknown>; split: Record<string, unknown> } {
  const described = new Map(describeHyperparameters(template).map((h) => [h.name, h]));
  const hyperparameters: Record<string, unknown> = {};
  const split: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new LatheError('INVALID_INPUT', `--set takes key=value, not "${s}"`, { where: '--set' });
    const key = s.slice(0, eq).trim();
    const raw = s.slice(eq + 1).trim();
    if (key.startsWith('split.')) {
      const k = key.slice(6);
      if (!SPLIT_KEYS.has(k)) throw new LatheError('INVALID_INPUT', `Unknown split setting "${k}" (known: ${[...SPLIT_KEYS].join(', ')})`, { where: '--set' });
      split[k] = raw === 'true' ? true : raw === 'false' ? false : k === 'kind' || k === 'column' ? raw : Number(raw);
      continue;
    }
    const h = described.get(key);
    if (!h) throw new LatheError('INVALID_INPUT', `${template} has no hyperparameter "${key}"`, { where: '--set', hint: `Known: ${[...described.keys()].join(', ')}` });
    if (h.type === 'bool') {
      if (raw !== 'true' && raw !== 'false') throw new LatheError('INVALID_INPUT', `${key} is true or false, not "${raw}"`, { where: `--set ${key}` });
      hyperparameters[key] = raw === 'true';
    } else if (h.type === 'int[]') hyperparameters[key] = raw.replace(/^\[|\]$/g, '').split(',').filter(Boolean).map((v) => Number(v.trim()));
    else if (h.type === 'enum') hyperparameters[key] = h.choices?.some((c) => typeof c === 'number') ? Number(raw) : raw;
    else {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw new LatheError('INVALID_INPUT', `${key} is a number, not "${raw}"`, { where: `--set ${key}` });
      hyperparameters[key] = n;
    }
  }
  return { hyperparameters, split };
}

function progressLine(p: JobProgress): string {
  const eta = p.etaMs === null ? '' : `, ETA ${Math.ceil(p.etaMs / 1000)} s`;
  if (p.phase !== 'training') return `${p.phase}...`;
  return `epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, ${Math.round(p.samplesPerSec)} samples/s${eta}`;
}

const SHOWN = /^(val_|test_|baseline\.|best_epoch)/;

function summary(run: Run): string {
  const lines = [`Run ${run.id} ${run.status} (${run.name}), ${(run.duration / 1000).toFixed(1)} s on ${run.tags['lathe.backend'] ?? '?'} [${run.tags['lathe.device'] ?? ''}]`];
  if (run.tags['training.error']) lines.push(`  error: ${run.tags['training.error']}`);
  for (const [k, m] of Object.entries(run.metrics).filter(([k]) => SHOWN.test(k)).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${k.padEnd(32)} ${typeof m.last === 'number' ? Number(m.last.toPrecision(5)) : m.last}`);
  }
  if (run.params.best_epoch === undefined && run.metrics.best_epoch) lines.push(`  (values of the saved model: the best epoch, ${run.metrics.best_epoch.last} of ${run.params.epochs_run ?? '?'})`);
  for (const h of runHints(run)) lines.push(`  hint: ${h.message}. ${h.hint}`);
  return lines.join('\n');
}

/** The advice a finished run recorded (still improving, beaten by its baseline). */
export function runHints(run: Run): TrainingHint[] {
  try {
    return JSON.parse(run.tags[TRAINING_HINTS_TAG] ?? '[]') as TrainingHint[];
  } catch {
    return [];
  }
}

export function formatCompute(s: ComputeStatus): string {
  const lines = [`compute: ${s.active} — ${s.device}${s.pinned ? ` (pinned: ${s.pinned})` : ''}; ${s.workers} training worker(s)`];
  for (const p of s.probes) {
    lines.push(`  ${p.loaded ? 'ok  ' : '--  '}${p.name.padEnd(15)} ${p.package}${p.loaded ? '' : `: ${p.reason}`}`);
    if (!p.loaded && p.install && p.reason === 'not installed') lines.push(`        to use it: ${p.install}`);
  }
  return lines.join('\n');
}

/** `--cv K [--refit]` as the spec's crossValidation, checked before anything starts. */
export function cvOption(o: Pick<TrainOptions, 'cv' | 'refit' | 'resume'>): { folds: number; refit: boolean } | undefined {
  if (o.cv === undefined) {
    if (o.refit) throw new LatheError('INVALID_INPUT', '--refit goes with --cv <folds>', { where: '--refit', hint: 'lathe train --cv 5 --refit ...' });
    return undefined;
  }
  const folds = Number(o.cv);
  if (!Number.isInteger(folds) || folds < 2 || folds > 20) throw new LatheError('INVALID_INPUT', `--cv takes a number of folds from 2 to 20, not "${o.cv}"`, { where: '--cv' });
  if (o.resume) throw new LatheError('INVALID_INPUT', '--cv starts new runs; it cannot resume one', { where: '--cv', hint: 'Resume a fold run on its own: lathe train --resume <fold run>.' });
  return { folds, refit: Boolean(o.refit) };
}

async function train(o: TrainOptions): Promise<void> {
  const crossValidation = cvOption(o);
  const engine = await getEngine();
  let started: { runId: string; jobId: string; folds?: { runId: string; jobId: string }[] };
  if (o.resume) started = (await dispatch(engine, 'training.resume', { runId: o.resume })) as typeof started;
  else {
    let spec: TrainingSpecInput;
    if (o.from) {
      const base = await invoke(engine, 'training.spec', { runId: o.from });
      const sets = parseSets(base.template, o.set);
      spec = { ...base, hyperparameters: { ...base.hyperparameters, ...sets.hyperparameters }, split: { ...base.split, ...sets.split } } as TrainingSpecInput;
      if (o.data) spec.data = o.data;
      if (o.target) spec.target = o.target;
    } else {
      if (!o.data) throw new LatheError('INVALID_INPUT', 'Say which data to train on: --data <dataset ref>', { where: '--data' });
      if (!(TEMPLATE_NAMES as readonly string[]).includes(o.template)) throw new LatheError('INVALID_INPUT', `Unknown template "${o.template}" (known: ${TEMPLATE_NAMES.join(', ')})`, { where: '--template' });
      const template = o.template as TemplateName;
      const sets = parseSets(template, o.set);
      spec = {
        template,
        data: o.data,
        target: o.target,
        hyperparameters: sets.hyperparameters,
        ...(Object.keys(sets.split).length ? { split: { kind: 'fraction', ...sets.split } } : {}),
      } as TrainingSpecInput;
    }
    if (o.task) spec.task = o.task as TrainingSpecInput['task'];
    if (o.features) spec.features = o.features.split(',').map((f) => f.trim()).filter(Boolean);
    if (o.experiment) spec.experiment = o.experiment;
    if (o.name) spec.name = o.name;
    if (crossValidation) spec.crossValidation = crossValidation;
    started = (await dispatch(engine, 'training.start', { spec })) as typeof started;
  }
  if (started.folds) {
    await waitCrossValidation(engine, { runId: started.runId, folds: started.folds }, Boolean(o.json));
    return;
  }
  process.stderr.write(`lathe: training run ${started.runId} (job ${started.jobId})\n`);
  const tty = process.stderr.isTTY;
  let lastEpoch = -1;
  const off = engine.events.subscribe((ev) => {
    if (ev.type !== 'training.progress') return;
    const d = ev.data;
    if (d.jobId !== started.jobId) return;
    if (tty) process.stderr.write(`\r\x1b[2K${progressLine(d.progress)}`);
    else if (d.progress.epoch !== lastEpoch || d.progress.phase !== 'training') {
      lastEpoch = d.progress.epoch;
      process.stderr.write(`${progressLine(d.progress)}\n`);
    }
  });
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\nlathe: cancelling the training...\n');
    void invoke(engine, 'training.cancel', { jobId: started.jobId }).catch((e: unknown) => process.stderr.write(`lathe: ${(e as Error).message}\n`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await invoke(engine, 'training.wait', { jobId: started.jobId });
  } finally {
    off();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tty) process.stderr.write('\r\x1b[2K');
  }
  const run = (await dispatch(engine, 'runs.get', { id: started.runId })) as Run;
  process.stdout.write((o.json ? JSON.stringify(run, null, 2) : summary(run)) + '\n');
  if (run.status === 'killed') process.exitCode = 130;
  else if (run.status !== 'finished') process.exitCode = 2;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train a model on a dataset version as a tracked run (progress on stderr, Ctrl-C cancels)')
    .option('--data <ref>', 'dataset ref: name, name@v2, name@<tag>')
    .option('--target <column>', 'the column to predict')
    .option('--template <name>', `${TEMPLATE_NAMES.join(' or ')}`, 'tabular-mlp')
    .option('--task <task>', 'classification or regression (default: suggested from the target)')
    .option('--features <columns>', 'comma-separated input columns (default: all other usable columns)')
    .option('--set <key=value>', 'a hyperparameter (epochs=20, hiddenUnits=64,32) or split.<key> (split.seed=7); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--from <run>', "repeat a run's spec (with --set overrides) as a new run")
    .option('--resume <run>', 'continue a failed or killed run from its last checkpoint')
    .option('--experiment <name>', 'experiment to put the run in')
    .option('--name <name>', 'run name')
    .option('--cv <folds>', 'cross-validation: this many fold runs (stratified, seeded) under one parent run with mean ± sd of every metric')
    .option('--refit', 'with --cv: then train on every non-test row (the model to register)')
    .option('--json', 'print the finished run as JSON (with --cv: the parent, its folds and the refit)')
    .action((o: TrainOptions) => train(o));
}

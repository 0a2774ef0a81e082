import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellValue } from '../../src/shared/datasets';
import type { BusinessBinary, Evaluation } from '../../src/shared/evaluation';
import type { TrainingHint } from '../../src/shared/training';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { SplitsRepo } from '../../src/main/engine/db/splitsRepo';
import { resourcesDir } from '../../src/main/engine/resources';
import { loadMembership, rowsOf } from '../../src/main/engine/training/membership';
import { formatEvaluation } from '../../src/main/cli/commands/evaluation';
import { tempDir, tempEngine } from '../helpers';

/**
 * The leak, end to end with the real trainer on penguins: a run records which rows it trained on; an
 * evaluation of it on its own version scores only its test split by default (the count checked against
 * the split), a forced evaluation on training rows is marked in the report, the list, the comparison,
 * the CLI text, the model card and the model comparison; another version is checked for training rows
 * by content. Also: the values a finished run reports last are the restored best epoch's.
 */

let engine: Engine;
let cleanup: () => void;
let work: string;
let runId: string;
let ref: string;
const FEATURES = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'];

async function train(hyperparameters: Record<string, unknown>, data = ref ?? 'penguins', extra: Record<string, unknown> = {}): Promise<string> {
  const s = await invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data, target: 'Species', features: FEATURES, hyperparameters: { checkpointEvery: 0, ...hyperparameters }, ...extra } });
  const job = await engine.training.wait(s.jobId);
  expect(job.state, JSON.stringify(job.error)).toBe('done');
  return s.runId;
}

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine({ sample: true }));
  work = tempDir('lathe-heldout-');
  runId = await train({ epochs: 40, learningRate: 0.01, earlyStopping: false });
  const run = await invoke(engine, 'runs.get', { id: runId });
  ref = `penguins@${run.params.data_version}`;
}, 240_000);

afterAll(() => {
  cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('split membership', () => {
  it('is recorded with a hash and matches the split counts', async () => {
    const m = loadMembership(new SplitsRepo(engine.db), runId);
    expect(m).not.toBeNull();
    const run = await invoke(engine, 'runs.get', { id: runId });
    expect(m!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.params['split.sha256']).toBe(m!.sha256);
    expect(m!.rows).toBe(344);
    expect(m!.parts.length).toBe(86); // 2 bits a row
    const counts = { train: rowsOf(m!, ['train']).length, validation: rowsOf(m!, ['validation']).length, test: rowsOf(m!, ['test']).length };
    expect(counts).toEqual({ train: Number(run.params['split.train_rows']), validation: Number(run.params['split.validation_rows']), test: Number(run.params['split.test_rows']) });
    expect(counts.train + counts.validation + counts.test).toBe(344);
  });
});

describe('held-out evaluation by default', () => {
  let heldOut: Evaluation;
  let onTrain: Evaluation;

  it('scores only the test split of the run\'s own version, with intervals', async () => {
    heldOut = await invoke(engine, 'evaluation.run', { runId, data: ref });
    const run = await invoke(engine, 'runs.get', { id: runId });
    const testRows = Number(run.params['split.test_rows']);
    expect(testRows).toBe(52);
    expect(heldOut.split).toBe('test');
    expect(heldOut.trainingRows).toBe(0);
    expect(heldOut.report.selection).toMatchObject({ split: 'test', sameVersion: true, versionRows: 344, selectedRows: testRows, trainingRows: 0 });
    expect(heldOut.report.n + heldOut.report.skippedRows).toBe(testRows);
    const acc = heldOut.report.headline.accuracy as number;
    const ci = heldOut.report.intervals?.accuracy;
    expect(ci?.lo).toBeLessThanOrEqual(acc);
    expect(ci?.hi).toBeGreaterThanOrEqual(acc);
    console.log(`penguins held-out accuracy: ${acc.toFixed(3)} [${ci?.lo?.toFixed(3)}, ${ci?.hi?.toFixed(3)}] on ${heldOut.report.n} test rows`);
    expect(formatEvaluation(heldOut)).toContain('held-out test split: 52 of 344 rows');
    expect(formatEvaluation(heldOut)).not.toContain('WARNING');
  });

  it('scoring training rows needs an explicit split and is marked everywhere', async () => {
    onTrain = await invoke(engine, 'evaluation.run', { runId, data: ref, split: 'train' });
    const all = await invoke(engine, 'evaluation.run', { runId, data: ref, split: 'all' });
    const trainRows = Number((await invoke(engine, 'runs.get', { id: runId })).params['split.train_rows']);
    expect(onTrain.trainingRows).toBe(trainRows);
    expect(all.trainingRows).toBe(trainRows);
    expect(all.report.selection?.selectedRows).toBe(344);
    expect(onTrain.report.notes?.join(' ')).toContain(`Includes ${trainRows} row(s) the model was trained on`);
    expect(formatEvaluation(onTrain)).toContain(`WARNING: includes ${trainRows} training rows`);
    const list = await invoke(engine, 'evaluation.list', { runId });
    expect(list.find((e) => e.id === onTrain.id)).toMatchObject({ split: 'train', trainingRows: trainRows });
    expect(list.find((e) => e.id === heldOut.id)).toMatchObject({ split: 'test', trainingRows: 0 });
    const cmp = await invoke(engine, 'evaluation.compare', { ids: [heldOut.id, onTrain.id, all.id] });
    expect(cmp.evaluations.map((e) => e.trainingRows)).toEqual([0, trainRows, trainRows]);
    // test vs train share no rows; test vs all share the test rows and are compared pairwise on them.
    expect(cmp.unpaired).toEqual([{ index: 1, reason: 'no rows in common' }]);
    const acc = cmp.paired.find((p) => p.b === 2 && p.metric === 'accuracy');
    expect(acc).toMatchObject({ rows: 52, delta: 0, inNoise: true });
    // The model card and the model comparison carry the mark of the latest evaluation.
    await invoke(engine, 'models.register', { runId, name: 'penguin' });
    const card = await invoke(engine, 'models.card', { ref: 'penguin@1' });
    expect(card.markdown).toContain(`includes ${trainRows} training rows`);
    expect(card.markdown).toContain('95% CI');
    const mc = await invoke(engine, 'models.compare', { a: 'penguin@1', b: 'penguin@1' });
    expect(mc.sameData[0].trainingRows).toEqual([trainRows, trainRows]);
    expect(mc.sameData[0].labels?.[0]).toContain('training rows');
  });

  it('refuses a split that does not apply, with the reason', async () => {
    await expect(invoke(engine, 'evaluation.run', { runId, data: 'penguins-nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('overlap with another version', () => {
  it('counts the training rows another version contains, by content', async () => {
    const lines = fs.readFileSync(path.join(resourcesDir(), 'sample', 'penguins.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const beak = header.indexOf('Beak Length (mm)');
    // v2: the first 100 rows as they are, then 20 rows changed a little (new rows), in another column order.
    const kept = lines.slice(1, 101);
    const changed = lines.slice(101, 121).map((l) => {
      const c = l.split(',');
      c[beak] = c[beak] === 'NA' || c[beak] === '' ? '40.05' : String(Number(c[beak]) + 0.05);
      return c.join(',');
    });
    const order = [...header.keys()].reverse();
    const reorder = (l: string) => order.map((i) => l.split(',')[i]).join(',');
    fs.writeFileSync(path.join(work, 'v2.csv'), [reorder(lines[0]), ...[...kept, ...changed].map(reorder)].join('\n') + '\n');
    await invoke(engine, 'datasets.add', { name: 'penguins', path: path.join(work, 'v2.csv') });
    const m = loadMembership(new SplitsRepo(engine.db), runId)!;
    const trainPositions = rowsOf(m, ['train']);
    const expected = trainPositions.filter((r) => r < 100).length;
    const e = await invoke(engine, 'evaluation.run', { runId, data: 'penguins' });
    expect(e.dataRef).toMatch(/@v2$/);
    expect(e.split).toBe('all');
    expect(e.report.selection?.sameVersion).toBe(false);
    expect(e.report.selection?.overlap).toEqual({ trainingRowsFound: expected, trainingRowsTotal: trainPositions.length });
    expect(e.trainingRows).toBe(expected);
    expect(e.report.notes?.join(' ')).toContain(`contains ${expected} of the ${trainPositions.length} training rows`);
    await expect(invoke(engine, 'evaluation.run', { runId, data: 'penguins', split: 'test' })).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'split' });
  });
});

describe('the value-optimal threshold on a real binary model', () => {
  it('is chosen on the validation rows and reported on the test rows', async () => {
    const lines = fs.readFileSync(path.join(resourcesDir(), 'sample', 'penguins.csv'), 'utf8').trim().split('\n');
    const big = [`${lines[0]},Big`, ...lines.slice(1).map((l) => `${l},${l.split(',')[0] === 'Gentoo' ? 'yes' : 'no'}`)];
    fs.writeFileSync(path.join(work, 'big.csv'), big.join('\n') + '\n');
    await invoke(engine, 'datasets.add', { name: 'gentoo', path: path.join(work, 'big.csv') });
    const s = await invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data: 'gentoo', target: 'Big', features: FEATURES, hyperparameters: { epochs: 15, learningRate: 0.01, checkpointEvery: 0 } } });
    await engine.training.wait(s.jobId);
    const e = await invoke(engine, 'evaluation.run', { runId: s.runId, data: 'gentoo', cost: { kind: 'binary', tp: 50, fp: -10, fn: -100, tn: 0 }, positive: 'yes' });
    const b = e.report.business as BusinessBinary;
    const run = await invoke(engine, 'runs.get', { id: s.runId });
    expect(b.best.chosenOn).toBe('validation');
    expect(b.best.chosenRows).toBe(Number(run.params['split.validation_rows']));
    expect(e.report.n).toBe(Number(run.params['split.test_rows']));
    expect(b.best.interval.lo).toBeLessThan(b.best.threshold);
    expect(b.best.interval.hi).toBeGreaterThanOrEqual(b.best.threshold);
    expect(e.report.intervals?.best_value_per_1000).toBeDefined();
  });
});

describe('a finished run reports its saved model', () => {
  it('best, not last: the last val_loss is the restored best epoch\'s', async () => {
    // A large network with a high learning rate and no early stopping overfits: val_loss turns up.
    const id = await train({ epochs: 60, learningRate: 0.05, hiddenUnits: [128, 128], dropout: 0, earlyStopping: false, restoreBest: true });
    const run = await invoke(engine, 'runs.get', { id });
    const best = run.metrics.best_epoch.last as number;
    expect(best, 'this setup must overfit for the test to mean anything').toBeLessThan(60);
    const history = await invoke(engine, 'runs.metricHistory', { runId: id, key: 'val_loss' });
    // Step 60 holds two points: the last epoch's value, then the restored best epoch's.
    const atBest = history.values[history.steps.indexOf(best)];
    const atLast = history.values[history.steps.indexOf(60)];
    expect(history.values[history.values.length - 1]).toBe(atBest);
    expect(atBest).toBeDefined();
    expect(run.metrics.val_loss.last).toBe(atBest);
    expect(run.metrics.val_loss.last).toBe(run.metrics.val_loss.min);
    expect(atLast).not.toBe(atBest);
  });

  it('says "still improving" when the best epoch is the last one', async () => {
    const id = await train({ epochs: 3, learningRate: 0.001 });
    const run = await invoke(engine, 'runs.get', { id });
    const hints = JSON.parse(run.tags['training.hints'] ?? '[]') as TrainingHint[];
    expect(run.metrics.best_epoch.last).toBe(3);
    expect(hints.find((h) => h.code === 'still-improving')).toMatchObject({ message: expect.stringContaining('Still improving'), hint: expect.stringContaining('Raise epochs') });
  });
});

// Cells kept for readers of the test: CellValue is what the rows carry.
export type { CellValue };

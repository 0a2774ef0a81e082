import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { loadTrainedModel, predictEncoded } from '../../src/main/engine/training/modelArtifact';
import { decodeImage } from '../../src/main/engine/training/images';
import type { LatheError } from '../../src/shared/errors';
import { latheAsync } from '../cliBundle';
import { tempDir, tempEngine } from '../helpers';
import { writeCsv, writeImageFolder } from './fixtures';

let engine: Engine;
let cleanup: () => void;
let dir: string;

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = tempDir('lathe-train-data-');
  const rows: (string | number)[][] = [];
  for (let i = 0; i < 40; i++) rows.push([i % 2 ? 'yes' : 'no', i, i % 3 ? 'a' : 'b', 'same', '', i < 39 ? (i % 2 ? 'x' : 'y') : 'z', i % 4 ? 'train' : i % 8 ? 'validation' : 'test']);
  await invoke(engine, 'datasets.add', { name: 'toy', path: writeCsv(dir, 'toy.csv', ['label', 'n', 'cat', 'const', 'empty', 'rare', 'part'], rows) });
  await invoke(engine, 'datasets.add', { name: 'tiny', path: writeCsv(dir, 'tiny.csv', ['label', 'n'], [['a', 1], ['b', 2], ['a', 3]]) });
});
afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function refused(spec: Record<string, unknown>): Promise<LatheError> {
  const before = (await invoke(engine, 'runs.search', { limit: 1000 })).total;
  const err = (await invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data: 'toy', target: 'label', ...spec } as never }).then(
    () => null,
    (e: unknown) => e,
  )) as LatheError | null;
  expect(err, JSON.stringify(spec)).not.toBeNull();
  expect((await invoke(engine, 'runs.search', { limit: 1000 })).total).toBe(before); // refused before any run exists
  return err as LatheError;
}

describe('bad input is refused before training starts, with the reason', () => {
  it('target: missing column, constant, all missing; regression on a non-numeric target', async () => {
    expect(await refused({ target: 'nope' })).toMatchObject({ code: 'INVALID_INPUT', where: 'target' });
    expect((await refused({ target: 'const' })).message).toMatch(/constant/);
    expect((await refused({ target: 'empty' })).message).toMatch(/no values/);
    expect(await refused({ target: 'cat', task: 'regression' })).toMatchObject({ where: 'task', message: expect.stringMatching(/numeric target/) });
  });

  it('splits: too few rows, a class with one example under stratification, a bad split column', async () => {
    expect(await refused({ data: 'tiny', split: { kind: 'fraction', stratify: false } })).toMatchObject({ where: 'split', message: expect.stringMatching(/Too few rows/) });
    expect(await refused({ target: 'rare' })).toMatchObject({ where: 'split.stratify', message: expect.stringMatching(/"z" has only one example/) });
    expect(await refused({ split: { kind: 'column', column: 'cat' } })).toMatchObject({ where: 'split.column' });
  });

  it('features: an all-missing feature, the target as a feature', async () => {
    expect(await refused({ features: ['n', 'empty'] })).toMatchObject({ where: 'features', message: expect.stringMatching(/"empty" has no values/) });
    expect(await refused({ features: ['label'] })).toMatchObject({ where: 'features' });
  });

  it('hyperparameters out of range (zod in the contract) and a model too large for memory', async () => {
    expect(await refused({ hyperparameters: { learningRate: -0.1 } })).toMatchObject({ where: 'spec.hyperparameters.learningRate' });
    expect(await refused({ hyperparameters: { hiddenUnits: [0] } })).toMatchObject({ where: 'spec.hyperparameters.hiddenUnits.0' });
    expect(await refused({ hyperparameters: { monitor: 'val_rmse' } })).toMatchObject({ where: 'hyperparameters.monitor' });
    expect((await refused({ hyperparameters: { hiddenUnits: Array(16).fill(4096) } })).message).toMatch(/too large for memory/);
  });

  it('a column split trains on the parts the column names', async () => {
    const { runId, jobId } = await invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data: 'toy', target: 'label', split: { kind: 'column', column: 'part' }, hyperparameters: { epochs: 2 } } });
    expect((await engine.training.wait(jobId)).state).toBe('done');
    const run = await invoke(engine, 'runs.get', { id: runId });
    expect([run.params['split.kind'], run.params['split.train_rows'], run.params['split.validation_rows'], run.params['split.test_rows']]).toEqual(['column', '30', '5', '5']);
    expect(JSON.parse(run.params.features)).not.toContain('part');
  });
});

describe('image-cnn', () => {
  it('trains a small CNN on an image folder and predicts its images', async () => {
    await invoke(engine, 'datasets.add', { name: 'squares', path: await writeImageFolder(path.join(dir, 'ok'), 8) });
    const { runId, jobId } = await invoke(engine, 'training.start', {
      spec: { template: 'image-cnn', data: 'squares', hyperparameters: { width: 12, height: 12, filters: [4], denseUnits: 8, epochs: 8, batchSize: 4, learningRate: 0.01, crop: true } },
    });
    expect((await engine.training.wait(jobId)).state).toBe('done');
    const run = await invoke(engine, 'runs.get', { id: runId });
    expect(run.status).toBe('finished');
    expect(run.metrics['baseline.majority.val_acc']).toBeDefined();
    const loaded = await loadTrainedModel(engine, runId);
    expect(loaded.signature.inputs).toEqual({ kind: 'image', width: 12, height: 12, channels: 3 });
    const pre = loaded.preprocessing as Extract<typeof loaded.preprocessing, { kind: 'image' }>;
    const px = await decodeImage(fs.readFileSync(path.join(dir, 'ok', 'images', 'red', '0.png')), pre);
    const out = await predictEncoded(loaded, Float32Array.from(px, (v) => v * pre.scale), 1, [12, 12, 3]);
    expect(loaded.signature.labels![out[0] > out[1] ? 0 : 1]).toBe('red');
    loaded.model.dispose();
  });

  it('refuses a folder mixing grayscale and colour images when RGB is asked for', async () => {
    await invoke(engine, 'datasets.add', { name: 'mixed', path: await writeImageFolder(path.join(dir, 'mixed'), 3, { grayscaleIn: 'blue' }) });
    const err = await invoke(engine, 'training.start', { spec: { template: 'image-cnn', data: 'mixed' } }).catch((e: LatheError) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', where: 'blue/gray.png', message: expect.stringMatching(/mismatched channels/) });
    const table = await invoke(engine, 'training.start', { spec: { template: 'image-cnn', data: 'toy' } }).catch((e: LatheError) => e);
    expect(table).toMatchObject({ where: 'template' });
  });
});

describe('lathe train (CLI)', () => {
  it('trains, prints progress and the run id; --from repeats it', async () => {
    const home = tempDir('lathe-train-cli-');
    // The built CLI (test/cliBundle.ts), as it ships.
    const lathe = (args: string[]) => latheAsync(args, { home });
    try {
      const r = await lathe(['train', '--data', 'penguins', '--target', 'Species', '--set', 'epochs=3', '--set', 'hiddenUnits=16,8', '--set', 'split.seed=7']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/training run [0-9a-f]{32}/);
      expect(r.stderr).toMatch(/epoch 3\/3/);
      const id = /Run ([0-9a-f]{32}) finished/.exec(r.stdout)?.[1];
      expect(id, r.stdout).toBeDefined();
      expect(r.stdout).toMatch(/baseline\.majority\.val_acc/);
      const again = await lathe(['train', '--from', id!, '--set', 'epochs=2', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const run = JSON.parse(again.stdout) as { params: Record<string, string>; status: string };
      expect(run.status).toBe('finished');
      expect([run.params.epochs, run.params.hiddenUnits, run.params['split.seed']]).toEqual(['2', '[16,8]', '7']);
      const bad = await lathe(['train', '--data', 'penguins', '--target', 'Species', '--set', 'learningRate=-1']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/learning rate must be above 0/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

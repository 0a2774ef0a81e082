import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { SplitsRepo } from '../../src/main/engine/db/splitsRepo';
import { loadMembership, rowsOf } from '../../src/main/engine/training/membership';
import { tempDir, tempEngine } from '../helpers';

/**
 * An image model evaluated on another version of its image folder: the training images it contains are
 * found by file content (renamed and moved files too), not by name; the same picture filed under the
 * other class, and the run's own test images, are not training rows.
 */

let engine: Engine;
let cleanup: () => void;
let work: string;

async function image(file: string, colour: readonly number[], seed: number): Promise<void> {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const px = Buffer.alloc(8 * 8 * 3);
  for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) px[p * 3 + c] = Math.max(0, Math.min(255, colour[c] + Math.round((rnd() - 0.5) * 80)));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(file);
}

const COLOURS = { red: [220, 30, 30], blue: [30, 30, 220] } as const;

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  work = tempDir('lathe-eval-img-overlap-');
  let seed = 1;
  for (const cls of ['red', 'blue'] as const) for (let i = 0; i < 10; i++) await image(path.join(work, 'v1', cls, `${i}.png`), COLOURS[cls], seed++);
  await invoke(engine, 'datasets.add', { name: 'colours', path: path.join(work, 'v1') });
}, 60_000);
afterAll(() => {
  cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('overlap of an image evaluation with the training images', () => {
  it('finds them by content hash and class in another version', async () => {
    const started = await invoke(engine, 'training.start', {
      spec: { template: 'image-cnn', data: 'colours', hyperparameters: { width: 8, height: 8, filters: [4], denseUnits: 8, epochs: 2, batchSize: 4, earlyStopping: false, checkpointEvery: 0 } },
    });
    expect((await engine.training.wait(started.jobId)).state).toBe('done');
    // The run's rows are the version's files in path order; which ones it trained on is recorded.
    const files = fs.readdirSync(path.join(work, 'v1')).flatMap((cls) => fs.readdirSync(path.join(work, 'v1', cls)).map((f) => `${cls}/${f}`)).sort();
    const m = loadMembership(new SplitsRepo(engine.db), started.runId)!;
    const trainFiles = rowsOf(m, ['train']).map((r) => files[r]);
    const testFiles = rowsOf(m, ['test']).map((r) => files[r]);
    expect(testFiles.length).toBeGreaterThan(0);

    // v2: four training images renamed (two into a subfolder of their class), one training image filed
    // under the other class, one of the run's test images, and three new images.
    const v2 = path.join(work, 'v2');
    const copy = (from: string, to: string) => {
      fs.mkdirSync(path.dirname(path.join(v2, to)), { recursive: true });
      fs.copyFileSync(path.join(work, 'v1', from), path.join(v2, to));
    };
    const kept = trainFiles.slice(0, 4);
    kept.forEach((f, i) => copy(f, `${f.split('/')[0]}/${i < 2 ? 'renamed' : 'moved/again'}-${i}.png`));
    const swapped = trainFiles[4];
    copy(swapped, `${swapped.startsWith('red/') ? 'blue' : 'red'}/swapped.png`);
    copy(testFiles[0], `${testFiles[0].split('/')[0]}/from-test.png`);
    for (let i = 0; i < 3; i++) await image(path.join(v2, i % 2 ? 'red' : 'blue', `new-${i}.png`), i % 2 ? COLOURS.red : COLOURS.blue, 100 + i);
    await invoke(engine, 'datasets.add', { name: 'colours', path: v2 });

    const e = await invoke(engine, 'evaluation.run', { runId: started.runId, data: 'colours' });
    expect(e.dataRef).toBe('colours@v2');
    expect(e.report.selection?.selectedRows).toBe(9);
    expect(e.report.selection?.overlap).toEqual({ trainingRowsFound: 4, trainingRowsTotal: trainFiles.length });
    expect(e.trainingRows).toBe(4);
    expect(e.report.notes?.join(' ')).toContain(`colours@v2 contains 4 of the ${trainFiles.length} training images`);
    expect(e.report.selection?.summary).toMatch(/includes 4 training rows/);

    // A version without any of them says so.
    const v3 = path.join(work, 'v3');
    for (let i = 0; i < 4; i++) await image(path.join(v3, i % 2 ? 'red' : 'blue', `${i}.png`), i % 2 ? COLOURS.red : COLOURS.blue, 200 + i);
    await invoke(engine, 'datasets.add', { name: 'colours', path: v3 });
    const clean = await invoke(engine, 'evaluation.run', { runId: started.runId, data: 'colours@v3' });
    expect(clean.report.selection?.overlap).toEqual({ trainingRowsFound: 0, trainingRowsTotal: trainFiles.length });
    expect(clean.report.selection?.summary).toBe('all 4 rows; none is a training row');
  }, 180_000);
});

import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import type { ClassificationReport } from '../../src/shared/evaluation';
import { tempDir, tempEngine } from '../helpers';

/** An image-cnn run (trained by the real trainer on the queue) evaluated on image-folder versions. */

let engine: Engine;
let cleanup: () => void;
let work: string;

async function folder(dir: string, perClass: number, seed: number): Promise<void> {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (const [cls, colour] of [
    ['red', [220, 30, 30]],
    ['blue', [30, 30, 220]],
  ] as const) {
    fs.mkdirSync(path.join(dir, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(12 * 12 * 3);
      for (let p = 0; p < 144; p++) for (let c = 0; c < 3; c++) px[p * 3 + c] = Math.max(0, Math.min(255, colour[c] + Math.round((rnd() - 0.5) * 80)));
      await sharp(px, { raw: { width: 12, height: 12, channels: 3 } }).png().toFile(path.join(dir, cls, `${i}.png`));
    }
  }
}

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  work = tempDir('lathe-eval-img-');
  await folder(path.join(work, 'a'), 12, 1);
  await folder(path.join(work, 'b'), 6, 2);
  await invoke(engine, 'datasets.add', { name: 'colours', path: path.join(work, 'a') });
  await invoke(engine, 'datasets.add', { name: 'colours-new', path: path.join(work, 'b') });
});
afterAll(() => {
  cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('evaluating an image model', () => {
  it('decodes the version as the model was trained, scores it, slices by class', async () => {
    const started = await invoke(engine, 'training.start', {
      spec: { template: 'image-cnn', data: 'colours', hyperparameters: { width: 8, height: 8, filters: [4], denseUnits: 8, epochs: 3, batchSize: 4, earlyStopping: false, checkpointEvery: 0, learningRate: 0.01 } },
    });
    await engine.training.wait(started.jobId);
    const e = await invoke(engine, 'evaluation.run', { runId: started.runId, data: 'colours-new', slice: 'class', positive: 'red', cost: { kind: 'binary', tp: 5, fp: -1, fn: -5, tn: 0 } });
    const r = e.report as ClassificationReport;
    expect(r.classes).toEqual(['blue', 'red']);
    expect(r.n).toBe(12);
    expect(r.positiveClass).toBe('red');
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(12);
    expect(e.report.slices?.slices.map((s) => s.value).sort()).toEqual(['blue', 'red']);
    expect(e.report.business?.kind).toBe('binary');
    await expect(invoke(engine, 'evaluation.run', { runId: started.runId, data: 'colours', slice: 'width' })).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'slice' });
  });
});

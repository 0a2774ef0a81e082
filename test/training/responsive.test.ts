import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { seededRandom } from '../../src/main/engine/training/split';
import { tempDir, tempEngine } from '../helpers';
import { progressReached } from './fixtures';

/**
 * The data of a training is read, split, learned and encoded in the job's worker thread: the main
 * thread (the UI's IPC, the HTTP door) keeps answering while a ~50k-row table is prepared.
 */

let engine: Engine;
let cleanup: () => void;
let dir: string;
const ROWS = 50_000;

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = tempDir('lathe-responsive-');
  const random = seededRandom(3);
  const lines = ['a,b,c,d,e,f,city,kind,label'];
  const cities = Array.from({ length: 40 }, (_, i) => `city${i}`);
  for (let r = 0; r < ROWS; r++) {
    const xs = Array.from({ length: 6 }, () => (random() * 100).toFixed(3));
    lines.push([...xs, cities[Math.floor(random() * cities.length)], random() < 0.5 ? 'x' : 'y', `c${Math.floor(random() * 4)}`].join(','));
  }
  const file = path.join(dir, 'big.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  await invoke(engine, 'datasets.add', { name: 'big', path: file });
  // A door warms the compute backend while idle after start (engine.live.warmCompute): loading TF.js
  // is a one-time cost on the main thread, not part of preparing a training's data.
  await invoke(engine, 'compute.status', {});
}, 120_000);
afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the main thread stays responsive while a training prepares its data', () => {
  it('a 10 ms timer never waits 200 ms from training.start until the first epoch ends', async () => {
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 10);
    try {
      last = performance.now();
      const { runId, jobId } = await invoke(engine, 'training.start', {
        spec: { template: 'tabular-mlp', data: 'big', target: 'label', hyperparameters: { epochs: 2, batchSize: 512, hiddenUnits: [16], checkpointEvery: 0, earlyStopping: false } },
      });
      await progressReached(engine, jobId, (p) => p.phase === 'training' && p.epoch >= 1 && p.batch === p.batches);
      expect(worst).toBeLessThan(200);
      expect((await engine.training.wait(jobId)).state).toBe('done');
      const run = await invoke(engine, 'runs.get', { id: runId });
      expect(Number(run.params['split.train_rows'])).toBeGreaterThan(ROWS * 0.6);
    } finally {
      clearInterval(timer);
    }
  }, 180_000);
});

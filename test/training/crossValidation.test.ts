import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { SplitsRepo } from '../../src/main/engine/db/splitsRepo';
import { seededRandom } from '../../src/main/engine/training/split';
import { loadMembership, rowsOf } from '../../src/main/engine/training/membership';
import { CV_TAGS } from '../../src/shared/training';
import { tempDir, tempEngine } from '../helpers';
import { writeCsv } from './fixtures';

/**
 * Cross-validation on a 150-row, 3-class table (50 rows a class, three overlapping Gaussian clusters):
 * every non-test row is in exactly one validation fold, the test rows are the same in every fold run,
 * each fold keeps the class shares, the parent run gets mean and sd of the folds' metrics, and the
 * refit trains on every non-test row.
 */

let engine: Engine;
let cleanup: () => void;
let dir: string;

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = tempDir('lathe-cv-');
  const r = seededRandom(3);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const rows: (string | number)[][] = [];
  const centres = [
    [5.0, 3.4, 1.5, 0.2],
    [5.9, 2.8, 4.3, 1.3],
    [6.6, 3.0, 5.5, 2.0],
  ];
  ['setosa', 'versicolor', 'virginica'].forEach((cls, c) => {
    for (let i = 0; i < 50; i++) rows.push([...centres[c].map((m) => +(m + 0.35 * gauss()).toFixed(2)), cls]);
  });
  await invoke(engine, 'datasets.add', { name: 'flowers', path: writeCsv(dir, 'flowers.csv', ['a', 'b', 'c', 'd', 'kind'], rows) });
}, 60_000);

afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('cross-validation', () => {
  it('folds partition the non-test rows, stratified; the parent summarises; the refit trains on all non-test rows', async () => {
    const started = await invoke(engine, 'training.start', {
      spec: { template: 'tabular-mlp', data: 'flowers', target: 'kind', crossValidation: { folds: 5, refit: true }, hyperparameters: { epochs: 40, learningRate: 0.01, checkpointEvery: 0 } },
    });
    expect(started.folds).toHaveLength(5);
    await engine.training.waitCrossValidation(started.runId);
    const parent = await invoke(engine, 'runs.get', { id: started.runId });
    expect(parent.status, parent.tags['training.error']).toBe('finished');
    const splits = new SplitsRepo(engine.db);
    const members = started.folds!.map((f) => loadMembership(splits, f.runId)!);
    const test = rowsOf(members[0], ['test']);
    expect(test.length).toBe(24); // round(50 * 0.15) = 8 a class
    const seen = new Map<number, number>();
    const kinds = (await invoke(engine, 'datasets.rows', { ref: 'flowers', offset: 0, limit: 1000 })).rows.map((row) => String(row[4]));
    for (const m of members) {
      expect(rowsOf(m, ['test'])).toEqual(test);
      const val = rowsOf(m, ['validation']);
      for (const r of val) seen.set(r, (seen.get(r) ?? 0) + 1);
      // 126 non-test rows in 5 folds: 25 or 26 rows, and 8 or 9 of each class (42 a class).
      expect(val.length).toBeGreaterThanOrEqual(25);
      expect(val.length).toBeLessThanOrEqual(26);
      for (const k of ['setosa', 'versicolor', 'virginica']) {
        const n = val.filter((r) => kinds[r] === k).length;
        expect(n, k).toBeGreaterThanOrEqual(8);
        expect(n, k).toBeLessThanOrEqual(9);
      }
    }
    expect(seen.size).toBe(150 - 24);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    for (const r of test) expect(seen.has(r)).toBe(false);
    const mean = parent.metrics['cv.val_acc.mean']?.last as number;
    const sd = parent.metrics['cv.val_acc.sd']?.last as number;
    expect(mean).toBeGreaterThan(0.5);
    expect(sd).toBeGreaterThanOrEqual(0);
    expect(parent.metrics['cv.baseline.logreg.val_acc.mean']).toBeDefined();
    console.log(`cross-validation on 150 rows (5 folds): val accuracy ${mean.toFixed(3)} ± ${sd.toFixed(3)}, logistic baseline ${(parent.metrics['cv.baseline.logreg.val_acc.mean']?.last as number).toFixed(3)}; test accuracy ${(parent.metrics['cv.test_acc.mean']?.last as number).toFixed(3)} ± ${(parent.metrics['cv.test_acc.sd']?.last as number).toFixed(3)}`);
    const refitId = parent.tags[CV_TAGS.refit];
    expect(refitId).toMatch(/^[0-9a-f]{32}$/);
    const refit = await invoke(engine, 'runs.get', { id: refitId });
    expect(refit.status).toBe('finished');
    expect(refit.tags[CV_TAGS.role]).toBe('refit');
    const rm = loadMembership(splits, refitId)!;
    expect(rowsOf(rm, ['train']).length).toBe(126);
    expect(rowsOf(rm, ['validation'])).toEqual([]);
    expect(rowsOf(rm, ['test'])).toEqual(test);
    // The refit is the registrable model: it has one.
    await invoke(engine, 'models.register', { runId: refitId, name: 'flowers' });
    const held = await invoke(engine, 'evaluation.run', { runId: refitId, data: 'flowers' });
    expect(held.split).toBe('test');
    expect(held.report.n).toBe(24);
    expect(path.basename('x')).toBe('x');
  }, 600_000);
});

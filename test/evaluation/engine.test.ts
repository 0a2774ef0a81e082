import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { resourcesDir } from '../../src/main/engine/resources';
import type { LatheEvent } from '../../src/shared/contract';
import type { BusinessBinary, ClassificationReport, EvaluationReport } from '../../src/shared/evaluation';
import { latheSync } from '../cliBundle';
import { tempDir, tempEngine } from '../helpers';
import { makeTrainedRun } from './trainedModel';

/** evaluation.run / list / get / compare / delete on a real workspace, a real model artifact and penguins. */

let engine: Engine;
let cleanup: () => void;
let home: string;
let work: string;
let speciesRun: string;
let bigRun: string;
const events: LatheEvent[] = [];
const FEATURES = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Sex'];

beforeAll(async () => {
  ({ engine, cleanup, home } = await tempEngine({ sample: true }));
  work = tempDir('lathe-eval-work-');
  engine.events.subscribe((e) => events.push(e));
  // A binary variant of penguins: is the bird heavier than 4500 g?
  const csv = fs.readFileSync(path.join(resourcesDir(), 'sample', 'penguins.csv'), 'utf8').trim().split('\n');
  const header = csv[0].split(',');
  const mass = header.indexOf('Body Mass (g)');
  const big = [`${csv[0]},Big`, ...csv.slice(1).map((l) => `${l},${Number(l.split(',')[mass]) > 4500 ? 'yes' : l.split(',')[mass] === '' ? '' : 'no'}`)];
  fs.writeFileSync(path.join(work, 'big.csv'), big.join('\n') + '\n');
  await invoke(engine, 'datasets.add', { name: 'penguins-big', path: path.join(work, 'big.csv') });
  // A version whose schema does not fit: a feature missing, another one turned into text.
  const broken = csv.map((l, i) => {
    const cells = l.split(',');
    cells.splice(header.indexOf('Beak Depth (mm)'), 1);
    const fl = header.indexOf('Flipper Length (mm)') - 1;
    if (i > 0) cells[fl] = `len-${cells[fl]}`;
    return cells.join(',');
  });
  fs.writeFileSync(path.join(work, 'broken.csv'), broken.join('\n') + '\n');
  await invoke(engine, 'datasets.add', { name: 'penguins-broken', path: path.join(work, 'broken.csv') });
  speciesRun = await makeTrainedRun(engine, 'penguins', 'Species', FEATURES);
  bigRun = await makeTrainedRun(engine, 'penguins-big', 'Big', ['Species', ...FEATURES]);
}, 120_000);

afterAll(() => {
  cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('evaluation.run', () => {
  it('scores a multiclass model on penguins with slices, stores it with lineage, emits an event', async () => {
    const t0 = performance.now();
    const e = await invoke(engine, 'evaluation.run', { runId: speciesRun, data: 'penguins@sample', slice: 'Island' });
    console.log(`evaluation.run on penguins (344 rows, 3 classes, slices): ${(performance.now() - t0).toFixed(0)} ms`);
    const r = e.report as ClassificationReport & EvaluationReport;
    expect(r.task).toBe('classification');
    expect(r.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(r.n).toBe(344);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(344);
    expect(r.accuracy).toBeGreaterThan(0.85);
    expect(r.headline.auc).toBeGreaterThan(0.9);
    expect(r.roc).toHaveLength(3);
    expect(r.slices?.column).toBe('Island');
    expect(r.slices?.slices.map((s) => s.value).sort()).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    expect(e.dataRef).toBe('penguins@v1');
    expect(JSON.stringify(e).length).toBeLessThan(200_000);
    expect(events.some((ev) => ev.type === 'evaluations.changed' && ev.data.id === e.id)).toBe(true);
    const lineage = engine.db.prepare(`SELECT from_kind, from_id, relation FROM lineage WHERE to_kind = 'evaluation' AND to_id = ? ORDER BY from_kind`).all(e.id);
    expect(lineage).toEqual([
      { from_kind: 'dataset_version', from_id: e.versionId, relation: 'evaluated-on' },
      { from_kind: 'run', from_id: speciesRun, relation: 'evaluated' },
    ]);
    expect(await invoke(engine, 'evaluation.get', { id: e.id })).toEqual(e);
  });

  it('binary with a cost matrix and a positive class: value-optimal and accuracy-optimal thresholds', async () => {
    const cost = { kind: 'binary' as const, tp: 50, fp: -10, fn: -120, tn: 0 };
    const e = await invoke(engine, 'evaluation.run', { runId: bigRun, data: 'penguins-big', cost, positive: 'yes' });
    const r = e.report as ClassificationReport & EvaluationReport;
    expect(r.positiveClass).toBe('yes');
    expect(r.skippedRows).toBe(2); // two birds without a body mass
    expect(r.notes?.[0]).toMatch(/2 row\(s\) without a Big value/);
    const b = r.business as BusinessBinary;
    expect(b.kind).toBe('binary');
    expect(b.best.valuePer1000).toBeGreaterThanOrEqual(b.atDefault.valuePer1000);
    expect(b.best.valuePer1000).toBeGreaterThanOrEqual(b.accuracyOptimal.valuePer1000);
    expect(b.accuracyOptimal.accuracy).toBeGreaterThanOrEqual(b.atDefault.accuracy);
    expect(b.curve.length).toBeLessThanOrEqual(200);
    // Missing a heavy bird costs 12x a needless call: the value-optimal threshold sits at or below the accuracy-optimal one.
    expect(b.best.threshold).toBeLessThanOrEqual(b.accuracyOptimal.threshold);
    const c = b.best.counts;
    expect(c.tp + c.fp + c.fn + c.tn).toBe(r.n);
    expect((c.tp * 50 - c.fp * 10 - c.fn * 120) / r.n).toBeCloseTo(b.best.valuePerCase, 9);
  });

  it('refuses a version whose schema does not fit, naming the missing and mistyped columns', async () => {
    const err = await invoke(engine, 'evaluation.run', { runId: speciesRun, data: 'penguins-broken' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', where: 'Beak Depth (mm)' });
    expect((err as Error).message).toMatch(/missing column "Beak Depth \(mm\)" \(numeric\)/);
    expect((err as Error).message).toMatch(/"Flipper Length \(mm\)" is (categorical|text) here but the model was trained on numeric/);
  });

  it('refuses bad requests clearly', async () => {
    await expect(invoke(engine, 'evaluation.run', { runId: speciesRun, data: 'penguins', cost: { kind: 'binary', tp: 1, fp: 0, fn: 0, tn: 0 } })).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'cost' });
    await expect(invoke(engine, 'evaluation.run', { runId: bigRun, data: 'penguins-big', positive: 'maybe' })).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'positive' });
    await expect(invoke(engine, 'evaluation.run', { runId: speciesRun, data: 'penguins', slice: 'Nope' })).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'slice' });
    const plain = await invoke(engine, 'runs.create', { name: 'no model' });
    await expect(invoke(engine, 'evaluation.run', { runId: plain.id, data: 'penguins' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invoke(engine, 'evaluation.run', { runId: 'x', data: 'penguins' })).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'runId' });
  });

  it('lists by run and by data, compares side by side, deletes with its lineage', async () => {
    const a = await invoke(engine, 'evaluation.run', { runId: bigRun, data: 'penguins-big', cost: { kind: 'binary', tp: 50, fp: -10, fn: -120, tn: 0 } });
    const list = await invoke(engine, 'evaluation.list', { runId: bigRun });
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list[0].id).toBe(a.id);
    expect(list[0].businessValuePer1000).toBeCloseTo((a.report.headline.value_per_1000 as number), 9);
    expect((await invoke(engine, 'evaluation.list', { data: 'penguins@v1' })).every((e) => e.dataRef === 'penguins@v1')).toBe(true);
    const species = (await invoke(engine, 'evaluation.list', { runId: speciesRun }))[0];
    const cmp = await invoke(engine, 'evaluation.compare', { ids: [a.id, species.id] });
    expect(cmp.evaluations.map((e) => e.id)).toEqual([a.id, species.id]);
    expect(cmp.metrics).toContain('accuracy');
    expect(cmp.metrics).toContain('value_per_1000');
    expect(cmp.best.value_per_1000).toBe(0);
    expect([0, 1]).toContain(cmp.best.accuracy);
    expect(await invoke(engine, 'evaluation.delete', { id: a.id })).toEqual({ removed: true });
    expect(engine.db.prepare(`SELECT count(*) FROM lineage WHERE to_id = ?`).pluck().get(a.id)).toBe(0);
    await expect(invoke(engine, 'evaluation.get', { id: a.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('lathe eval', () => {
  it('prints headline metrics, the confusion matrix, business value and thresholds', () => {
    engine.tracking.runs.writer.flush();
    // The built CLI (test/cliBundle.ts), as it ships.
    const r = latheSync(['eval', bigRun.slice(0, 8), '--data', 'penguins-big', '--cost', 'tp=50,fp=-10,fn=-120,tn=0', '--positive', 'yes', '--slice', 'Island'], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accuracy\s+0\.\d{4}/);
    expect(r.stdout).toMatch(/confusion \(rows actual, columns predicted\); positive class yes/);
    expect(r.stdout).toMatch(/value-optimal\s+0\.\d+/);
    expect(r.stdout).toMatch(/accuracy-optimal/);
    expect(r.stdout).toMatch(/slices by Island/);
    const bad = latheSync(['eval', bigRun, '--data', 'penguins-big', '--cost', 'tp=50,fp=-10'], { home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--cost needs a value for fn, tn/);
    const matrix = path.join(work, 'values.yaml');
    fs.writeFileSync(matrix, 'classes: [Adelie, Chinstrap, Gentoo]\nvalues:\n  - [10, -5, -5]\n  - [-50, 10, -5]\n  - [-5, -5, 10]\n');
    const m = latheSync(['eval', speciesRun, '--data', 'penguins', '--cost-matrix', matrix], { home });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/highest expected value\s+-?\d/);
  });
});

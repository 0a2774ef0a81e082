import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatheEvent } from '../../src/shared/contract';
import type { CellValue } from '../../src/shared/datasets';
import type { PipelineRun } from '../../src/shared/pipelines';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { tempDir } from '../helpers';
import { writeCsv } from '../training/fixtures';
import { COLS, trainRealModel } from '../monitoring/fixture';
import { rng, row } from '../monitoring/synthetic';

/**
 * The whole circle on one real workspace (issue 12, item 9): a champion serves; its production log
 * drifts and an alert fires; labels arrive; the logged rows and their labels become a dataset
 * version; that new version triggers the pipeline (train -> evaluate -> gate -> register -> promote ->
 * export); the gate passes because the shift also changed the label relationship (the old champion is
 * genuinely worse on the new regime); the champion alias moves, naming the run; the serving export
 * names the new version; and monitoring attributes the new version's traffic to it.
 */

const START = Date.UTC(2026, 10, 20, 0, 0, 0);
const HOUR = 3_600_000;
const STATIONARY_HOURS = 3;
const SHIFT_HOURS = 3;
const SHIFT_START = START + STATIONARY_HOURS * HOUR;
/** The covariate shift (enough features move for the drift-share rule) ... */
const SHIFT = { mean: { x0: 1.2, x1: 1, x2: 1.5, x3: -1.5 } };
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** ... and the concept shift: after it, the label follows the opposite sign of x0 and x1. */
const oldP = (o: Record<string, CellValue>) => sigmoid(1.5 * (o.x0 as number) - (o.x1 as number) + (o.c0 === 'a' ? 0.8 : 0));
const newP = (o: Record<string, CellValue>) => sigmoid(-3 * ((o.x0 as number) - 1.2) + 2 * ((o.x1 as number) - 1));

let engine: Engine;
let home: string;
let dir: string;
const events: LatheEvent[] = [];
const truth = new Map<string, string>();
let run: PipelineRun;

interface World { shifted: boolean; rows: Record<string, CellValue>[]; labels: string[] }
function world(n: number, seed: number, shifted: boolean): World {
  const r = rng(seed);
  const rows: Record<string, CellValue>[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = row(r, shifted ? SHIFT : {});
    rows.push(Object.fromEntries(COLS.map((c) => [c, o[c]])));
    labels.push(r() < (shifted ? newP(o) : oldP(o)) ? 'yes' : 'no');
  }
  return { shifted, rows, labels };
}

/** Log records as the serving export writes them, predictions from the version that serves. */
async function records(ref: string, w: World, start: number, hours: number, prefix: string): Promise<unknown[]> {
  const v = await invoke(engine, 'models.show', { ref });
  const pred = await invoke(engine, 'models.predict', { ref, rows: w.rows });
  const classes = (v.signature as { labels: string[] }).labels;
  const perHour = w.rows.length / hours;
  return w.rows.map((features, i) => {
    const requestId = `${prefix}${i}`;
    truth.set(requestId, w.labels[i]);
    const time = new Date(start + Math.floor(i / perHour) * HOUR + Math.floor(((i % perHour) / perHour) * HOUR)).toISOString();
    const probabilities = Object.fromEntries(classes.map((l, j) => [l, pred.probabilities![i][j]]));
    return { requestId, time, model: v.model, version: v.number, alias: 'champion', features, output: { prediction: pred.predictions[i], probabilities }, latencyMs: 0.5 };
  });
}

const PIPELINE = `name: circle
description: Retrain churn on labelled production rows; promote only a better model.
triggers:
  - { kind: dataset, name: churn-field }
stages:
  data:     { type: dataset, ref: churn-field@latest }
  holdout:  { type: dataset, import: { path: holdout.csv, name: churn-holdout } }
  train:    { type: train, spec: { template: tabular-mlp, data: "\${stages.data.outputs.version}", target: y, hyperparameters: { epochs: 30 } } }
  evaluate: { type: evaluate, run: "\${stages.train.outputs.run}", data: "\${stages.holdout.outputs.version}" }
  gate:     { type: gate, evaluation: "\${stages.evaluate.outputs.evaluation}", model: churn, primary: accuracy }
  register: { type: register, run: "\${stages.train.outputs.run}", model: churn, gate: "\${stages.gate.outputs.decision}" }
  promote:  { type: promote, version: "\${stages.register.outputs.version}", alias: champion, gate: "\${stages.gate.outputs.decision}" }
  export:   { type: export, version: "\${stages.promote.outputs.version}", formats: [serving], out: exports }
`;

beforeAll(async () => {
  home = tempDir();
  dir = tempDir('lathe-circle-');
  engine = await createEngine({ home, sample: false });
  engine.events.subscribe((e) => events.push(e));
  await trainRealModel(engine, dir);
  await invoke(engine, 'models.alias', { ref: 'churn@1', alias: 'champion' });
  // The holdout: rows of the new regime kept out of the logs, the same for challenger and champion.
  const holdout = world(300, 77, true);
  writeCsv(dir, 'holdout.csv', [...COLS, 'y'], holdout.rows.map((o, i) => [...COLS.map((c) => o[c] as string | number), holdout.labels[i]]));
  fs.writeFileSync(path.join(dir, 'circle.yaml'), PIPELINE);
  engine.pipelines.saveFile(path.join(dir, 'circle.yaml'));
  engine.pipelines.startTriggers({ tickMs: 3_600_000 });
}, 120_000);

afterAll(() => {
  engine?.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the whole circle', () => {
  it('a shifted production log raises a firing drift alert', async () => {
    const calm = await records('churn@champion', world(STATIONARY_HOURS * 200, 11, false), START, STATIONARY_HOURS, 's');
    expect((await invoke(engine, 'monitor.ingest', { ref: 'churn', records: calm })).accepted).toBe(600);
    const calmRule = (await invoke(engine, 'monitor.alerts', { model: 'churn' })).rules.find((r) => r.series === 'drift.share')!;
    expect(calmRule.state).not.toBe('firing');
    const shifted = await records('churn@champion', world(SHIFT_HOURS * 250, 12, true), SHIFT_START, SHIFT_HOURS, 'd');
    expect((await invoke(engine, 'monitor.ingest', { ref: 'churn', records: shifted })).accepted).toBe(750);
    const rule = (await invoke(engine, 'monitor.alerts', { model: 'churn' })).rules.find((r) => r.series === 'drift.share')!;
    expect(rule.state).toBe('firing');
    expect(events.some((e) => e.type === 'monitor.alert' && e.data.model === 'churn' && e.data.to === 'firing' && e.data.series === 'drift.share')).toBe(true);
    // Nothing has started the pipeline yet: its trigger watches the dataset, which does not exist.
    expect(engine.pipelines.history('circle', 10)).toHaveLength(0);
  }, 60_000);

  it('labels join, and the labelled shifted rows become a dataset version that triggers the pipeline', async () => {
    const shiftedIds = [...truth.keys()].filter((id) => id.startsWith('d'));
    const join = await invoke(engine, 'monitor.labels', { ref: 'churn', labels: shiftedIds.map((requestId) => ({ requestId, label: truth.get(requestId)! })) });
    expect(join.matched).toBe(750);
    const timeline = await invoke(engine, 'monitor.timeline', { ref: 'churn', from: SHIFT_START, to: SHIFT_START + SHIFT_HOURS * HOUR });
    // The realized accuracy of the old champion on the new regime is poor: the reason to retrain.
    for (const w of timeline.windows) expect(w.realized?.accuracy ?? 1).toBeLessThan(0.5);
    const made = await invoke(engine, 'monitor.toDataset', { ref: 'churn', name: 'churn-field', from: SHIFT_START, to: SHIFT_START + SHIFT_HOURS * HOUR });
    expect(made).toMatchObject({ dataset: 'churn-field', created: true, rows: 750, labelled: 750, servedBy: [1] });
    const lineage = await invoke(engine, 'models.lineage', { ref: 'churn@1' });
    expect(JSON.stringify(lineage)).toContain(made.version.id);
    // The new version, not a manual call, started the run.
    const runs = engine.pipelines.history('circle', 10);
    expect(runs).toHaveLength(1);
    expect(runs[0].trigger).toBe('dataset');
    expect(runs[0].triggerDetail).toMatch(/^new version churn-field@v1/);
    run = await engine.pipelines.wait(runs[0].id);
    expect(run.error, JSON.stringify(run.stages.map((s) => [s.stage, s.state, s.error]))).toBeNull();
    expect(run.state).toBe('succeeded');
    expect(run.stages.every((s) => s.state === 'ran')).toBe(true);
  }, 120_000);

  it('the gate passes on the same holdout rows, with its decision recorded', async () => {
    const gate = run.stages.find((s) => s.stage === 'gate')!;
    const d = await invoke(engine, 'pipelines.decision', { id: String(gate.outputs.decision) });
    const v1 = await invoke(engine, 'models.show', { ref: 'churn@1' });
    expect(d).toMatchObject({ verdict: 'pass', model: 'churn', alias: 'champion', pipelineRun: run.id, championVersion: v1.id, rows: 300 });
    console.info(`circle gate: ${d.reason}; champion ${d.numbers!.champion} challenger ${d.numbers!.challenger} interval [${d.numbers!.interval!.lo}, ${d.numbers!.interval!.hi}]`);
    expect(d.numbers!.metric).toBe('accuracy');
    expect(d.numbers!.challenger).toBeGreaterThan(0.7);
    expect(d.numbers!.champion!).toBeLessThan(0.5);
    expect(d.numbers!.interval!.lo).toBeGreaterThan(0);
  });

  it('the champion alias moves to the new version, its history naming the pipeline run', async () => {
    const champion = await invoke(engine, 'models.show', { ref: 'churn@champion' });
    expect(champion.number).toBe(2);
    const moves = await invoke(engine, 'models.aliasHistory', { name: 'churn', alias: 'champion' });
    const move = moves.find((m) => m.to === 2)!;
    expect(move.from).toBe(1);
    expect(move.reason).toContain(`pipeline circle run ${run.id}`);
    expect(move.reason).toContain(`decision ${String(run.stages.find((s) => s.stage === 'gate')!.outputs.decision)}`);
    // The new version was trained on the dataset made from the logs.
    const lineage = await invoke(engine, 'models.lineage', { ref: 'churn@2' });
    const kinds = new Set(lineage.nodes.map((n) => n.kind));
    for (const k of ['dataset_version', 'run', 'gate_decision', 'pipeline_run', 'export']) expect(kinds).toContain(k);
  });

  it('the serving export is refreshed with the new version', async () => {
    const champion = await invoke(engine, 'models.show', { ref: 'churn@champion' });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'exports', 'serving', 'lathe-model.json'), 'utf8'));
    expect(manifest).toMatchObject({ model: 'churn', version: 2, versionId: champion.id });
    expect(fs.existsSync(path.join(dir, 'exports', 'serving', 'server.mjs'))).toBe(true);
    expect(Object.keys(run.stages.find((s) => s.stage === 'export')!.files).length).toBeGreaterThan(2);
  });

  it('monitoring attributes the new windows to the new version', async () => {
    const after = START + (STATIONARY_HOURS + SHIFT_HOURS) * HOUR;
    const served = await records('churn@champion', world(200, 13, true), after, 2, 'n');
    expect((await invoke(engine, 'monitor.ingest', { ref: 'churn', records: served })).accepted).toBe(200);
    const t = await invoke(engine, 'monitor.timeline', { ref: 'churn' });
    const late = t.windows.filter((w) => w.start >= after);
    expect(late).toHaveLength(2);
    for (const w of late) expect(w.versions).toEqual([2]);
    for (const w of t.windows.filter((w) => w.start < after)) expect(w.versions).toEqual([1]);
    // The move itself happened now (the log's times are in the past): a range reaching now shows it.
    const wide = await invoke(engine, 'monitor.timeline', { ref: 'churn', from: START, to: Date.now() + 1 });
    expect(wide.aliasMoves.find((m) => m.to === 2)?.reason).toContain(`pipeline circle run ${run.id}`);
  }, 60_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../src/shared/pipelines';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { seedSamplePipeline } from '../../src/main/engine/sample';
import { tempEngine } from '../helpers';

/**
 * The sample loop for real: field data v1 -> validate -> train (TF.js in a worker) -> evaluate on the
 * holdout -> gate (no champion yet: pass) -> register -> promote -> export; then v2 arrives and the
 * gate compares challenger and champion on the same holdout rows.
 */

let engine: Engine;
let cleanup: () => void;
let dir: string;
const states = (r: PipelineRun) => Object.fromEntries(r.stages.map((s) => [s.stage, s.state]));
const stage = (r: PipelineRun, s: string) => r.stages.find((x) => x.stage === s)!;

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = seedSamplePipeline(engine);
}, 60_000);
afterAll(() => cleanup());

describe('the penguins loop', () => {
  let first: PipelineRun;

  it('runs the first season and makes the first champion', async () => {
    await invoke(engine, 'datasets.add', { name: 'penguins-field', path: path.join(dir, 'penguins-field-v1.csv') });
    first = await invoke(engine, 'pipelines.run', { name: 'penguins-loop' });
    expect(first.error, JSON.stringify(first.stages.map((s) => [s.stage, s.error]))).toBeNull();
    expect(first.state).toBe('succeeded');
    expect(Object.values(states(first)).every((s) => s === 'ran')).toBe(true);
    const decision = await invoke(engine, 'pipelines.decision', { id: String(stage(first, 'gate').outputs.decision) });
    expect(decision).toMatchObject({ verdict: 'pass', championVersion: null, rows: 89 });
    expect(decision.reason).toMatch(/no champion yet/);
    const champion = await invoke(engine, 'models.show', { ref: 'penguin-species@champion' });
    expect(champion.number).toBe(1);
    const moves = await invoke(engine, 'models.aliasHistory', { name: 'penguin-species', alias: 'champion' });
    expect(moves[0].reason).toContain(`pipeline penguins-loop run ${first.id}`);
    expect(moves[0].reason).toContain(`decision ${decision.id}`);
    expect(fs.existsSync(path.join(dir, 'exports', 'tfjs', 'model.json'))).toBe(true);
    expect(Object.keys(stage(first, 'export').files).length).toBeGreaterThan(2);
  }, 180_000);

  it('a re-run with nothing changed serves every stage from the cache', async () => {
    const again = await invoke(engine, 'pipelines.run', { name: 'penguins-loop' });
    expect(Object.values(states(again))).toEqual(Array(9).fill('cached'));
    expect(again.state).toBe('succeeded');
  }, 60_000);

  it('new field data: the gate compares on the same holdout rows and decides, and lineage shows the chain', async () => {
    await invoke(engine, 'datasets.add', { name: 'penguins-field', path: path.join(dir, 'penguins-field-v2.csv') });
    const run = await invoke(engine, 'pipelines.run', { name: 'penguins-loop' });
    expect(states(run)).toMatchObject({ data: 'ran', holdout: 'cached', check: 'ran', train: 'ran', evaluate: 'ran', gate: 'ran' });
    expect(stage(run, 'check').log).toMatch(/against v1 \(previous\)/);
    const d = await invoke(engine, 'pipelines.decision', { id: String(stage(run, 'gate').outputs.decision) });
    expect(d.championVersion).not.toBeNull();
    expect(d.rows).toBe(89); // one holdout bird lacks Sex: left out of both models' scores
    expect(d.numbers!.interval!.lo).toBeLessThanOrEqual(d.numbers!.interval!.hi);
    expect(d.numbers!.guards[0].metric).toBe('log_loss');
    const champion = await invoke(engine, 'models.show', { ref: 'penguin-species@champion' });
    if (d.verdict === 'pass') {
      expect(run.state).toBe('succeeded');
      expect(champion.number).toBe(2);
    } else {
      expect(run.state).toBe('blocked');
      expect(states(run)).toMatchObject({ register: 'blocked', promote: 'blocked', export: 'blocked' });
      expect(stage(run, 'register').why).toContain(d.reason);
      expect(champion.number).toBe(1);
    }
    // dataset version -> pipeline run -> ... -> gate decision -> model version, walked from the model.
    const lineage = await invoke(engine, 'models.lineage', { ref: 'penguin-species@1' });
    const kinds = new Set(lineage.nodes.map((n) => n.kind));
    for (const k of ['dataset_version', 'run', 'model_version', 'evaluation', 'gate_decision', 'pipeline_run', 'export']) expect(kinds).toContain(k);
  }, 180_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { resourcesDir } from '../../src/main/engine/resources';
import { tempDir, tempEngine } from '../helpers';
import { makeTrainedRun } from '../evaluation/trainedModel';

/**
 * The gate stage on real models and real evaluations: a champion and a challenger (small TF.js models
 * in the trainers' artifact format), evaluated for real. Mismatched data is refused with the reason;
 * models that predict different targets cannot be compared.
 */

const FEATURES = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)'];
let engine: Engine;
let cleanup: () => void;
let dir: string;
let championRun: string;
let challengerRun: string;
let evalA: string;
let evalB: string;

function gatePipeline(extra: string): string {
  return `name: gated\nstages:\n  gate:\n    type: gate\n    evaluation: ${evalA}\n    model: m\n    minRows: 10\n${extra}`;
}
async function runGate(extra = '') {
  fs.writeFileSync(path.join(dir, 'g.yaml'), gatePipeline(extra));
  engine.pipelines.saveFile(path.join(dir, 'g.yaml'));
  const run = await invoke(engine, 'pipelines.run', { name: 'gated', force: true });
  return { run, decision: await invoke(engine, 'pipelines.decision', { id: String(run.stages[0].outputs.decision) }) };
}

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = tempDir('lathe-gate-');
  const sample = path.join(resourcesDir(), 'sample');
  await invoke(engine, 'datasets.add', { name: 'holdout', path: path.join(sample, 'penguins-holdout.csv') });
  await invoke(engine, 'datasets.add', { name: 'field', path: path.join(sample, 'penguins-field-v2.csv') });
  championRun = await makeTrainedRun(engine, 'field', 'Species', FEATURES, { epochs: 5 });
  challengerRun = await makeTrainedRun(engine, 'field', 'Species', FEATURES, { epochs: 60 });
  await invoke(engine, 'models.register', { runId: championRun, name: 'm' });
  await invoke(engine, 'models.alias', { ref: 'm@1', alias: 'champion', reason: 'test' });
  evalA = (await invoke(engine, 'evaluation.run', { runId: challengerRun, data: 'holdout' })).id;
  evalB = (await invoke(engine, 'evaluation.run', { runId: championRun, data: 'field' })).id;
}, 120_000);
afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the gate stage', () => {
  it('compares challenger and champion on the same rows and records the decision', async () => {
    const { run, decision } = await runGate();
    expect(decision.championVersion).not.toBeNull();
    expect(decision.challengerRun).toBe(challengerRun);
    expect(decision.rows).toBeGreaterThan(50);
    expect(decision.numbers!.interval!.lo).toBeLessThanOrEqual(decision.numbers!.difference!);
    expect(['pass', 'fail']).toContain(decision.verdict);
    expect(run.state).toBe(decision.verdict === 'pass' ? 'succeeded' : 'blocked');
  }, 60_000);

  it('refuses to compare when the champion was evaluated on other data', async () => {
    const { run, decision } = await runGate(`    championEvaluation: ${evalB}\n`);
    expect(decision.verdict).toBe('blocked');
    expect(decision.reason).toMatch(/^not the same evaluation data: the challenger was evaluated on holdout@v1, the champion on field@v1/);
    expect(run.state).toBe('blocked');
  }, 60_000);

  it('cannot compare models of different targets', async () => {
    const other = await makeTrainedRun(engine, 'field', 'Island', FEATURES, { epochs: 3 });
    await invoke(engine, 'models.register', { runId: other, name: 'm' });
    await invoke(engine, 'models.alias', { ref: 'm@2', alias: 'champion', reason: 'test' });
    const { decision } = await runGate();
    expect(decision).toMatchObject({ verdict: 'blocked', reason: 'cannot compare: the challenger predicts Species, the champion Island' });
  }, 60_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { tempDir } from '../helpers';

/**
 * The whole loop on one workstation and across two: the sample dataset trains a model (real worker,
 * real TF.js), the run is evaluated, registered and promoted, its card tells the story, it exports to
 * ONNX (checked in onnxruntime), and a bundle carries it with its lineage to a second workspace.
 */

let a: Engine;
let b: Engine;
let dir: string;

beforeAll(async () => {
  dir = tempDir('lathe-lifecycle-');
  a = await createEngine({ home: path.join(dir, 'a'), sample: true });
  b = await createEngine({ home: path.join(dir, 'b'), sample: false });
});
afterAll(() => {
  a.close();
  b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the lifecycle: data -> run -> model -> export -> another workstation', () => {
  let runId = '';

  it('trains the sample and evaluates the run', async () => {
    const started = await invoke(a, 'training.start', {
      spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', hyperparameters: { epochs: 25, checkpointEvery: 0 } } as never,
    });
    runId = started.runId;
    const job = await a.training.wait(started.jobId);
    expect(job.state).toBe('done');
    const evaluation = await invoke(a, 'evaluation.run', { runId, data: 'penguins@v1' });
    expect(evaluation.report.headline.accuracy).toBeGreaterThan(0.8);
  });

  it('registers, promotes to champion, and the card carries the evaluation and the lineage', async () => {
    const v = await invoke(a, 'models.register', { runId, name: 'penguin-species', description: 'first cut' });
    expect(v.number).toBe(1);
    await invoke(a, 'models.alias', { ref: 'penguin-species@1', alias: 'champion', reason: 'beats the majority baseline' });
    const card = await invoke(a, 'models.card', { ref: 'penguin-species@champion' });
    expect(card.markdown).toMatch(/Latest evaluation: penguins@v1/);
    expect(card.markdown).toMatch(/accuracy/);
    const lineage = await invoke(a, 'models.lineage', { ref: 'penguin-species@champion' });
    expect(lineage.nodes.map((n) => n.kind).sort()).toEqual(expect.arrayContaining(['dataset_version', 'run', 'model_version']));
  });

  it('exports to ONNX, checked against TF.js in onnxruntime', async () => {
    const out = path.join(dir, 'onnx');
    const exported = await invoke(a, 'export.run', { ref: 'penguin-species@champion', format: 'onnx', out });
    expect(exported.files.some((f) => f.path.endsWith('.onnx'))).toBe(true);
    expect(JSON.stringify(exported.report)).toMatch(/maxAbsDiff|max/i);
  });

  it('moves to a second workspace in a bundle, with its data and lineage', async () => {
    const file = path.join(dir, 'bundle.tar');
    await invoke(a, 'bundle.export', { out: file, models: ['penguin-species@champion'], withData: true });
    const dry = await invoke(b, 'bundle.import', { file, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect((await invoke(b, 'models.list', {})).length).toBe(0);
    await invoke(b, 'bundle.import', { file });
    const there = await invoke(b, 'models.show', { ref: 'penguin-species@champion' });
    expect(there.runId).toBe(runId);
    const lineage = await invoke(b, 'models.lineage', { ref: 'penguin-species@champion' });
    expect(lineage.nodes.some((n) => n.kind === 'dataset_version')).toBe(true);
    const again = await invoke(b, 'bundle.import', { file });
    expect(Object.values(again.added).every((n) => n === 0)).toBe(true);
    expect((await invoke(b, 'store.doctor', {})).ok).toBe(true);
  });
});

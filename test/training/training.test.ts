import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { resourcesDir } from '../../src/main/engine/resources';
import { loadTrainedModel, predictRows } from '../../src/main/engine/training/modelArtifact';
import type { CellValue } from '../../src/shared/datasets';
import { tempDir } from '../helpers';
import { progressReached } from './fixtures';

let home: string;
let engine: Engine;

beforeAll(async () => {
  home = tempDir('lathe-train-');
  engine = await createEngine({ home, sample: true });
});
afterAll(() => engine.close());

const penguins = (hyperparameters: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', hyperparameters, ...extra } as never });

async function finish(jobId: string) {
  const job = await engine.training.wait(jobId);
  return job;
}

describe('training (tabular-mlp on penguins)', () => {
  it('trains end to end: run finished, metrics and baselines logged, the model loads and predicts well above the majority class', async () => {
    const { runId, jobId } = await penguins({ epochs: 25, checkpointEvery: 0 });
    const job = await finish(jobId);
    expect(job.state).toBe('done');
    const run = await invoke(engine, 'runs.get', { id: runId });
    expect(run.status).toBe('finished');
    expect(run.source).toBe('built-in');
    expect(run.environment.backend).toBe('wasm');
    expect(run.tags['lathe.device']).toMatch(/wasm/);
    expect(run.inputs[0].dataset).toBe('penguins');
    expect(run.params['split.seed']).toBe('42');
    for (const k of ['loss', 'acc', 'val_loss', 'val_acc', 'test_acc', 'batch.loss', 'baseline.majority.val_acc', 'baseline.logreg.val_acc', 'baseline.majority.test_acc']) expect(run.metrics[k], k).toBeDefined();
    expect(run.metrics.loss.count).toBe(25);

    const loaded = await loadTrainedModel(engine, runId);
    expect(loaded.signature.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const page = await invoke(engine, 'datasets.rows', { ref: 'penguins', limit: 1000 });
    const rows = page.rows.map((r) => Object.fromEntries(page.columns.map((c, i) => [c, r[i]])) as Record<string, CellValue>);
    const { predictions, probabilities } = await predictRows(loaded, rows);
    const accuracy = predictions.filter((p, i) => p === page.rows[i][0]).length / rows.length;
    const majority = Number(run.metrics['baseline.majority.test_acc'].last);
    expect(accuracy).toBeGreaterThan(0.9);
    expect(accuracy).toBeGreaterThan(majority + 0.3);
    expect(probabilities![0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    // Unknown categories and missing values go to the unknown bucket / imputation, not an error.
    const odd = await predictRows(loaded, [{ Island: 'Atlantis', 'Beak Length (mm)': null }]);
    expect(typeof odd.predictions[0]).toBe('string');
    loaded.model.dispose();
  });

  it('regresses a numeric target and beats the mean', async () => {
    const { runId, jobId } = await invoke(engine, 'training.start', {
      spec: { template: 'tabular-mlp', data: 'penguins', target: 'Body Mass (g)', hyperparameters: { epochs: 30, learningRate: 0.01, checkpointEvery: 0 } },
    });
    expect((await finish(jobId)).state).toBe('done');
    const run = await invoke(engine, 'runs.get', { id: runId });
    expect(run.params.task).toBe('regression');
    expect(Number(run.metrics.val_rmse.last)).toBeLessThan(Number(run.metrics['baseline.mean.val_rmse'].last));
    expect(run.metrics['baseline.linreg.val_rmse']).toBeDefined();
    const loaded = await loadTrainedModel(engine, runId);
    const { predictions, probabilities } = await predictRows(loaded, [{ Species: 'Gentoo', Island: 'Biscoe', 'Beak Length (mm)': 47.5, 'Beak Depth (mm)': 15, 'Flipper Length (mm)': 218, Sex: 'MALE' }]);
    expect(probabilities).toBeUndefined();
    expect(predictions[0] as number).toBeGreaterThan(4000);
    loaded.model.dispose();
  });

  it('is repeatable: same seed, data version and backend give the same metrics (two jobs in parallel on the pool)', async () => {
    await invoke(engine, 'compute.setBackend', { workers: 2 });
    const a = await penguins({ epochs: 4, dropout: 0.2, checkpointEvery: 0 });
    const b = await penguins({ epochs: 4, dropout: 0.2, checkpointEvery: 0 });
    const c = await penguins({ epochs: 4, dropout: 0.2, checkpointEvery: 0, seed: 7 });
    await Promise.all([finish(a.jobId), finish(b.jobId), finish(c.jobId)]);
    const [ra, rb, rc] = await Promise.all([a, b, c].map((s) => invoke(engine, 'runs.get', { id: s.runId })));
    for (const k of ['loss', 'val_loss', 'val_acc', 'test_loss']) expect(ra.metrics[k].last, k).toEqual(rb.metrics[k].last);
    expect(rc.metrics.loss.last).not.toEqual(ra.metrics.loss.last);
  });

  it('cancels mid-training: the run is killed and the metrics so far are kept', async () => {
    const { runId, jobId } = await penguins({ epochs: 2000, earlyStopping: false, checkpointEvery: 0 });
    await progressReached(engine, jobId, (p) => p.epoch >= 3);
    await invoke(engine, 'training.cancel', { runId });
    const job = await finish(jobId);
    expect(job.state).toBe('cancelled');
    const run = await invoke(engine, 'runs.get', { id: runId });
    expect(run.status).toBe('killed');
    expect(run.metrics.loss.count).toBeGreaterThanOrEqual(2);
    expect(run.metrics.loss.count).toBeLessThan(2000);
  });

  it('a worker that dies mid-epoch fails its run; the other job carries on and the database stays sound', async () => {
    const doomed = await penguins({ epochs: 2000, earlyStopping: false, checkpointEvery: 0 });
    const other = await penguins({ epochs: 5, checkpointEvery: 0 });
    await progressReached(engine, doomed.jobId, (p) => p.epoch >= 2);
    await engine.training.crashWorker(doomed.jobId);
    const [dj, oj] = [await finish(doomed.jobId), await finish(other.jobId)];
    expect(dj.state).toBe('failed');
    expect(dj.error?.message).toMatch(/stopped unexpectedly/);
    expect(oj.state).toBe('done');
    const run = await invoke(engine, 'runs.get', { id: doomed.runId });
    expect(run.status).toBe('failed');
    expect(run.tags['training.error']).toMatch(/stopped unexpectedly/);
    const after = await penguins({ epochs: 2, checkpointEvery: 0 });
    expect((await finish(after.jobId)).state).toBe('done');
    expect((await invoke(engine, 'store.doctor', {})).ok).toBe(true);
  });

  it('checkpoints, is marked failed (interrupted) after a restart, and resumes from its last checkpoint', async () => {
    const { runId, jobId } = await penguins({ epochs: 40, earlyStopping: false, checkpointEvery: 2 });
    await progressReached(engine, jobId, (p) => p.epoch >= 5);
    engine.close(); // what a crash does to the job: the process owning it is gone
    engine = await createEngine({ home, sample: false });
    let run = await invoke(engine, 'runs.get', { id: runId });
    expect(run.status).toBe('failed');
    expect(run.tags['training.error']).toMatch(/interrupted/);
    const ckpts = await invoke(engine, 'runs.artifacts.list', { runId, path: 'checkpoints' });
    expect(ckpts.length).toBeGreaterThanOrEqual(2);
    const resumed = await invoke(engine, 'training.resume', { runId });
    expect(resumed.runId).toBe(runId);
    expect((await finish(resumed.jobId)).state).toBe('done');
    run = await invoke(engine, 'runs.get', { id: runId });
    expect(run.status).toBe('finished');
    expect(Number(run.tags['training.resumed_from_epoch'])).toBeGreaterThanOrEqual(4);
    expect(run.metrics.loss.step).toBe(40);
    expect((await loadTrainedModel(engine, runId)).signature.runId).toBe(runId);
    expect((await invoke(engine, 'store.gc', {})).blobsRemoved).toBe(0);
    expect((await invoke(engine, 'store.doctor', {})).ok).toBe(true);
  });

  it('re-runs a run with the same spec as a new run', async () => {
    const first = (await invoke(engine, 'runs.search', { query: 'params.template = "tabular-mlp"', limit: 1 })).runs[0];
    const again = await invoke(engine, 'training.rerun', { runId: first.id });
    expect(again.runId).not.toBe(first.id);
    await invoke(engine, 'training.cancel', { jobId: again.jobId });
    await finish(again.jobId);
    const run = await invoke(engine, 'runs.get', { id: again.runId });
    expect(run.tags['training.rerun_of']).toBe(first.id);
    expect(run.params.learningRate).toBe(first.params.learningRate);
  });

  it('lists templates, suggests tasks and reports the compute backend (tfjs-node missing, with its install hint)', async () => {
    const templates = await invoke(engine, 'training.templates', {});
    expect(templates.map((t) => t.name)).toEqual(['tabular-mlp', 'image-cnn']);
    expect(templates[0].hyperparameters.find((h) => h.name === 'learningRate')).toMatchObject({ type: 'float', default: 0.001, exclusiveMin: true });
    expect((await invoke(engine, 'training.suggest', { data: 'penguins', target: 'Species' })).task).toBe('classification');
    const reg = await invoke(engine, 'training.suggest', { data: 'penguins', target: 'Flipper Length (mm)' });
    expect(reg.task).toBe('regression');
    expect(reg.features).not.toContain('Flipper Length (mm)');
    const status = await invoke(engine, 'compute.status', {});
    expect(status.active).toBe('wasm');
    const node = status.probes.find((p) => p.name === 'tensorflow')!;
    expect(node.loaded).toBe(false);
    expect(node.reason).toBe('not installed');
    expect(node.install).toMatch(/npm i @tensorflow\/tfjs-node/);
    expect(status.probes.find((p) => p.name === 'tensorflow-gpu')!.install).toMatch(/tfjs-node-gpu/);
    const jobs = await invoke(engine, 'training.jobs', {});
    expect(jobs.jobs.length).toBeGreaterThan(0);
    expect(path.isAbsolute(resourcesDir())).toBe(true);
  });
});

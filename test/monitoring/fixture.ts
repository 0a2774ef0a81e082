import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CellValue, ColumnType } from '../../src/shared/datasets';
import { MODEL_FORMAT, trainingSpecSchema, type ModelSignature, type Preprocessing } from '../../src/shared/training';
import { TrainingRepo } from '../../src/main/engine/db/trainingRepo';
import { serializeModel, writeModelArtifacts } from '../../src/main/engine/training/modelArtifact';
import { encodeTable, encodeTarget, inputSizeOf, learnFeature } from '../../src/main/engine/training/preprocessing';
import { splitRows } from '../../src/main/engine/training/split';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { writeCsv } from '../training/fixtures';
import { label, rng, row } from './synthetic';

/** Columns of the small real model the engine trains for these tests (a subset of the synthetic world). */
export const COLS = ['x0', 'x1', 'x2', 'x3', 'c0'];

/** Trains and registers a real model (Lathe's own trainer, worker thread, wasm) on 1500 synthetic rows. */
export async function trainRealModel(engine: Engine, dir: string, name = 'churn', cols: string[] = COLS): Promise<{ model: string; trainer: 'worker' | 'in-process' }> {
  const COLS = cols;
  const r = rng(5);
  const rows: (string | number)[][] = [];
  for (let i = 0; i < 1500; i++) {
    const o = row(r);
    rows.push([...COLS.map((c) => o[c] as string | number), label(r, o) === '1' ? 'yes' : 'no']);
  }
  await invoke(engine, 'datasets.add', { name: 'synthetic', path: writeCsv(dir, 'synthetic.csv', [...COLS, 'y'], rows) });
  const { jobId, runId } = await invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data: 'synthetic', target: 'y', hyperparameters: { epochs: 8 } } as never });
  const job = await engine.training.wait(jobId);
  if (job.state === 'done') {
    await invoke(engine, 'models.register', { runId, name });
    return { model: name, trainer: 'worker' };
  }
  if (!/could not start/.test(job.error?.message ?? '')) throw new Error(`training ${job.state}: ${JSON.stringify(job.error)}`);
  // The training worker cannot start in this tree (reported by the test): train in this process the
  // way the trainer does (the spec's seeded split, preprocessing learned on the train part) and record the spec.
  console.warn(`monitoring tests: the training worker could not start (${job.error?.message}); training in-process with the trainer's split and preprocessing`);
  const inproc = await trainInProcess(engine, rows, cols);
  await invoke(engine, 'models.register', { runId: inproc, name });
  return { model: name, trainer: 'in-process' };
}

async function trainInProcess(engine: Engine, rows: (string | number)[][], COLS: string[]): Promise<string> {
  const spec = trainingSpecSchema.parse({ template: 'tabular-mlp', data: 'synthetic', target: 'y', hyperparameters: { epochs: 8 } });
  const version = (await invoke(engine, 'datasets.show', { ref: 'synthetic' })).version;
  const split = splitRows(spec.split, rows.map((_, i) => i), { classOf: (r) => String(rows[r][COLS.length]) });
  const types = COLS.map((c) => (c.startsWith('x') ? 'numeric' : 'categorical') as ColumnType);
  const features = COLS.map((c, k) => learnFeature(c, types[k], split.train.map((r) => rows[r][k]), 32)!);
  const labels = ['no', 'yes'];
  const pre: Preprocessing = { kind: 'table', features, inputSize: inputSizeOf(features), target: { kind: 'classification', labels } };
  const train = split.train.map((r) => rows[r]);
  const x = encodeTable(features, train.map((r) => r.slice(0, COLS.length)), pre.inputSize);
  const y = encodeTarget(pre.target, train.map((r) => r[COLS.length]), 'categorical');
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 16, activation: 'relu', inputShape: [pre.inputSize] }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor2d(x, [train.length, pre.inputSize]);
  const ys = tf.tensor1d(y);
  await model.fit(xs, ys, { epochs: 8, batchSize: 64, verbose: 0 });
  xs.dispose();
  ys.dispose();
  const run = await invoke(engine, 'runs.create', { experiment: 'monitoring-tests', name: 'synthetic-mlp', source: 'built-in', inputs: [version.id], params: { template: 'tabular-mlp' }, environment: { backend: tf.getBackend(), appVersion: '0.1.0' } });
  const signature: ModelSignature = { format: MODEL_FORMAT, template: 'tabular-mlp', task: 'classification', target: 'y', inputs: { kind: 'table', columns: COLS.map((c, k) => ({ name: c, type: types[k] })) }, labels, inputSize: pre.inputSize, outputSize: 2, dataVersion: version.id, dataset: 'synthetic', runId: run.id, backend: tf.getBackend(), createdAt: Date.now() };
  writeModelArtifacts(engine.tracking.runs.artifacts, run.id, 'model', { model: await serializeModel(model), preprocessing: pre, signature });
  model.dispose();
  new TrainingRepo(engine.db).begin(run.id, 'tabular-mlp', JSON.stringify(spec), process.pid, 'test');
  await invoke(engine, 'runs.update', { id: run.id, status: 'finished' });
  return run.id;
}

/** NDJSON log lines as the serving export writes them, predictions from the registered model. */
export async function logLines(engine: Engine, ref: string, opts: { hours: number; perHour: number; start: number; seed: number; shift?: Parameters<typeof row>[1]; idPrefix?: string }): Promise<{ lines: string[]; truth: Map<string, string> }> {
  const r = rng(opts.seed);
  const objects: Record<string, CellValue>[] = [];
  const times: number[] = [];
  for (let h = 0; h < opts.hours; h++) for (let k = 0; k < opts.perHour; k++) {
    objects.push(row(r, opts.shift));
    times.push(opts.start + h * 3_600_000 + Math.floor((k / opts.perHour) * 3_600_000));
  }
  const v = await invoke(engine, 'models.show', { ref });
  const pred = await invoke(engine, 'models.predict', { ref, rows: objects.map((o) => Object.fromEntries(COLS.map((c) => [c, o[c]]))) });
  const labels = (v.signature as { labels: string[] }).labels;
  const truth = new Map<string, string>();
  const lines = objects.map((o, i) => {
    const id = `${opts.idPrefix ?? 'q'}${i}`;
    truth.set(id, label(r, o) === '1' ? 'yes' : 'no');
    const probabilities = Object.fromEntries(labels.map((l, j) => [l, pred.probabilities![i][j]]));
    return JSON.stringify({ requestId: id, time: new Date(times[i]).toISOString(), model: v.model, version: v.number, alias: 'champion', features: Object.fromEntries(COLS.map((c) => [c, o[c]])), output: { prediction: pred.predictions[i], probabilities }, latencyMs: 0.5 });
  });
  return { lines, truth };
}

export function writeLines(dir: string, name: string, lines: string[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

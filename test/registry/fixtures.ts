import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CellValue, ColumnType } from '../../src/shared/datasets';
import { MODEL_FORMAT, type FeaturePreprocessing, type ModelSignature, type Preprocessing } from '../../src/shared/training';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { resourcesDir } from '../../src/main/engine/resources';
import { serializeModel, writeModelArtifacts } from '../../src/main/engine/training/modelArtifact';
import { encodeTable, encodeTarget, inputSizeOf, learnFeature } from '../../src/main/engine/training/preprocessing';

/**
 * A real trained model on a real run, in the trainers' artifact format (docs/TRAINING.md): the
 * penguins sample imported as a dataset version, preprocessing learned with the trainer's own code, a
 * TF.js MLP fitted for a few epochs and saved with the trainer's writer under the run's model/ folder.
 */
export const PENGUIN_FEATURES: { column: string; type: ColumnType }[] = [
  { column: 'Island', type: 'categorical' },
  { column: 'Beak Length (mm)', type: 'numeric' },
  { column: 'Beak Depth (mm)', type: 'numeric' },
  { column: 'Flipper Length (mm)', type: 'numeric' },
  { column: 'Body Mass (g)', type: 'numeric' },
  { column: 'Sex', type: 'categorical' },
];

export async function penguinRows(engine: Engine): Promise<{ versionId: string; objects: Record<string, CellValue>[] }> {
  let version;
  try {
    version = (await invoke(engine, 'datasets.show', { ref: 'penguins' })).version;
  } catch {
    version = (await invoke(engine, 'datasets.add', { name: 'penguins', path: path.join(resourcesDir(), 'sample', 'penguins.csv') })).version;
  }
  const page = await invoke(engine, 'datasets.rows', { ref: `penguins@${version.id}`, offset: 0, limit: 1000 });
  return { versionId: version.id, objects: page.rows.map((r) => Object.fromEntries(page.columns.map((c, j) => [c, r[j]]))) };
}

export async function trainPenguinRun(
  engine: Engine,
  opts: { batchNorm?: boolean; activation?: string; hidden?: number[]; epochs?: number; name?: string; params?: Record<string, string> } = {},
): Promise<{ runId: string; rows: Record<string, CellValue>[] }> {
  const { versionId, objects } = await penguinRows(engine);
  const features = PENGUIN_FEATURES.map((f) => learnFeature(f.column, f.type, objects.map((o) => o[f.column]), 32)).filter((f): f is FeaturePreprocessing => f !== null);
  const labels = [...new Set(objects.map((o) => String(o.Species)))].sort();
  const pre: Preprocessing = { kind: 'table', features, inputSize: inputSizeOf(features), target: { kind: 'classification', labels } };
  const x = encodeTable(features, objects.map((o) => features.map((f) => o[f.column])), pre.inputSize);
  const y = encodeTarget(pre.target, objects.map((o) => o.Species), 'categorical');

  const model = tf.sequential();
  const hidden = opts.hidden ?? [16, 8];
  hidden.forEach((units, i) => {
    model.add(tf.layers.dense({ units, activation: (opts.activation ?? 'relu') as 'relu', ...(i === 0 ? { inputShape: [pre.inputSize] } : {}) }));
    if (opts.batchNorm) model.add(tf.layers.batchNormalization());
    model.add(tf.layers.dropout({ rate: 0.1 }));
  });
  model.add(tf.layers.dense({ units: labels.length, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor2d(x, [objects.length, pre.inputSize]);
  const ys = tf.tensor1d(y);
  const h = await model.fit(xs, ys, { epochs: opts.epochs ?? 5, batchSize: 64, verbose: 0 });
  xs.dispose();
  ys.dispose();

  const run = await invoke(engine, 'runs.create', {
    experiment: 'registry-tests',
    name: opts.name ?? 'penguin-mlp',
    source: 'built-in',
    inputs: [versionId],
    params: { template: 'tabular-mlp', hiddenUnits: JSON.stringify(hidden), ...opts.params },
    environment: { backend: tf.getBackend(), appVersion: '0.1.0' },
  });
  const acc = h.history.acc ?? h.history.accuracy ?? [];
  await invoke(engine, 'runs.logMetrics', { runId: run.id, metrics: acc.map((v, step) => ({ key: 'acc', value: Number(v), step })) });
  const signature: ModelSignature = {
    format: MODEL_FORMAT,
    template: 'tabular-mlp',
    task: 'classification',
    target: 'Species',
    inputs: { kind: 'table', columns: PENGUIN_FEATURES.map((f) => ({ name: f.column, type: f.type })) },
    labels,
    inputSize: pre.inputSize,
    outputSize: labels.length,
    dataVersion: versionId,
    dataset: 'penguins',
    runId: run.id,
    backend: tf.getBackend(),
    createdAt: Date.now(),
  };
  writeModelArtifacts(engine.tracking.runs.artifacts, run.id, 'model', { model: await serializeModel(model), preprocessing: pre, signature });
  model.dispose();
  await invoke(engine, 'runs.update', { id: run.id, status: 'finished' });
  return { runId: run.id, rows: objects };
}

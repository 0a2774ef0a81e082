import * as tf from '@tensorflow/tfjs';
import type { CellValue, ColumnType, DatasetProfile } from '../../src/shared/datasets';
import { MODEL_FORMAT, type ModelSignature, type Preprocessing } from '../../src/shared/training';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { selectBackend } from '../../src/main/engine/compute/backend';
import { serializeModel, writeModelArtifacts } from '../../src/main/engine/training/modelArtifact';
import { cellToCategory, encodeTable, inputSizeOf, learnFeature } from '../../src/main/engine/training/preprocessing';

/**
 * A real model artifact (docs/TRAINING.md format) for evaluation tests, made without the trainer:
 * preprocessing learned with training/preprocessing.ts, a small softmax (or linear) TF.js model fitted
 * for a few epochs, the four files written to a finished run. Deterministic enough for assertions on
 * shape, not on exact values.
 */
export async function makeTrainedRun(engine: Engine, ref: string, target: string, features: string[], opts: { task?: 'classification' | 'regression'; epochs?: number } = {}): Promise<string> {
  const task = opts.task ?? 'classification';
  const { version, profile } = await invoke(engine, 'datasets.show', { ref });
  const types = new Map((profile as Extract<DatasetProfile, { kind: 'table' }>).columns.map((c) => [c.name, c.type as ColumnType]));
  const rows: CellValue[][] = [];
  let columns: string[] = [];
  for (let offset = 0; offset < version.rowCount; offset += 1000) {
    const page = await invoke(engine, 'datasets.rows', { ref, offset, limit: 1000 });
    columns = page.columns;
    rows.push(...page.rows);
  }
  const col = (name: string) => rows.map((r) => r[columns.indexOf(name)]);
  const featurePre = features.map((f) => learnFeature(f, types.get(f) as ColumnType, col(f), 32)!);
  const targets = col(target);
  const keep = rows.map((_, i) => i).filter((i) => cellToCategory(targets[i]) !== null);
  const labels = [...new Set(keep.map((i) => cellToCategory(targets[i]) as string))].sort();
  const inputSize = inputSizeOf(featurePre);
  const mean = task === 'regression' ? keep.reduce((s, i) => s + Number(targets[i]), 0) / keep.length : 0;
  const std = task === 'regression' ? Math.sqrt(keep.reduce((s, i) => s + (Number(targets[i]) - mean) ** 2, 0) / keep.length) || 1 : 1;
  const preprocessing: Preprocessing = {
    kind: 'table',
    features: featurePre,
    inputSize,
    target: task === 'classification' ? { kind: 'classification', labels } : { kind: 'regression', mean, std },
  };
  await selectBackend();
  const x = encodeTable(featurePre, keep.map((i) => features.map((f) => rows[i][columns.indexOf(f)])), inputSize);
  const k = task === 'classification' ? labels.length : 1;
  const y =
    task === 'classification'
      ? tf.oneHot(tf.tensor1d(keep.map((i) => labels.indexOf(cellToCategory(targets[i]) as string)), 'int32'), k)
      : tf.tensor2d(keep.map((i) => [(Number(targets[i]) - mean) / std]));
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [inputSize], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.dense({ units: k, activation: task === 'classification' ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.compile({ optimizer: tf.train.adam(0.05), loss: task === 'classification' ? 'categoricalCrossentropy' : 'meanSquaredError' });
  const xs = tf.tensor2d(x, [keep.length, inputSize]);
  await model.fit(xs, y, { epochs: opts.epochs ?? 40, batchSize: 32, shuffle: false, verbose: 0 });
  xs.dispose();
  y.dispose();
  const run = await invoke(engine, 'runs.create', { experiment: 'eval-tests', name: `${target} model`, source: 'built-in', inputs: [version.id] });
  const signature: ModelSignature = {
    format: MODEL_FORMAT,
    template: 'tabular-mlp',
    task,
    target,
    inputs: { kind: 'table', columns: features.map((f) => ({ name: f, type: types.get(f) as ColumnType })) },
    labels: task === 'classification' ? labels : null,
    inputSize,
    outputSize: k,
    dataVersion: version.id,
    dataset: version.dataset,
    runId: run.id,
    backend: tf.getBackend(),
    createdAt: Date.now(),
  };
  writeModelArtifacts(engine.tracking.runs.artifacts, run.id, 'model', { model: await serializeModel(model), preprocessing, signature });
  model.dispose();
  await invoke(engine, 'runs.update', { id: run.id, status: 'finished' });
  return run.id;
}

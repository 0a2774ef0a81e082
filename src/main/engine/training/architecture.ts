import type * as Tf from '@tensorflow/tfjs';
import { tfjs } from '../compute/heavyModules';
import { LatheError } from '../../../shared/errors';
import type { CnnHyperparameters, MlpHyperparameters, Task, TrainingSpec } from '../../../shared/training';

/** The networks the templates build, and how big they are before anything is allocated. */

export interface ModelShape {
  /** Table: [inputSize]; image: [height, width, channels]. */
  input: number[];
  outputSize: number;
  task: Task;
}

/**
 * Names for one model's layers, numbered per layer class from 1: what TF.js gives the first model
 * built in a fresh thread (`dense_Dense1`, ..., model `sequential_1`). TF.js's own counters are global
 * to the thread, so without explicit names a job in a reused worker (workers/warmWorkers.ts) would
 * save `dense_Dense4` where a fresh one saves `dense_Dense1`: a different model.json and hash.
 */
export function layerNames(): (snake: string, className: string) => string {
  const counts = new Map<string, number>();
  return (snake, className) => {
    const n = (counts.get(className) ?? 0) + 1;
    counts.set(className, n);
    return `${snake}_${className}${n}`;
  };
}

export function buildMlp(hp: MlpHyperparameters, shape: ModelShape): Tf.Sequential {
  const tf = tfjs();
  const name = layerNames();
  const model = tf.sequential({ name: 'sequential_1' });
  hp.hiddenUnits.forEach((units, i) => {
    model.add(tf.layers.dense({ name: name('dense', 'Dense'), units, inputShape: i === 0 ? shape.input : undefined, activation: hp.batchNorm ? 'linear' : hp.activation, kernelInitializer: 'glorotUniform' }));
    if (hp.batchNorm) {
      model.add(tf.layers.batchNormalization({ name: name('batch_normalization', 'BatchNormalization') }));
      model.add(tf.layers.activation({ name: name('activation', 'Activation'), activation: hp.activation }));
    }
    if (hp.dropout > 0) model.add(tf.layers.dropout({ name: name('dropout', 'Dropout'), rate: hp.dropout }));
  });
  model.add(tf.layers.dense({ name: name('dense', 'Dense'), units: shape.outputSize, activation: shape.task === 'classification' ? 'softmax' : 'linear' }));
  return model;
}

export function buildCnn(hp: CnnHyperparameters, shape: ModelShape): Tf.Sequential {
  const tf = tfjs();
  const name = layerNames();
  const model = tf.sequential({ name: 'sequential_1' });
  hp.filters.forEach((filters, i) => {
    model.add(tf.layers.conv2d({ name: name('conv2d', 'Conv2D'), filters, kernelSize: hp.kernelSize, padding: 'same', activation: 'relu', inputShape: i === 0 ? shape.input : undefined }));
    model.add(tf.layers.maxPooling2d({ name: name('max_pooling2d', 'MaxPooling2D'), poolSize: 2, padding: 'same' }));
  });
  model.add(tf.layers.flatten({ name: name('flatten', 'Flatten') }));
  model.add(tf.layers.dense({ name: name('dense', 'Dense'), units: hp.denseUnits, activation: 'relu' }));
  if (hp.dropout > 0) model.add(tf.layers.dropout({ name: name('dropout', 'Dropout'), rate: hp.dropout }));
  model.add(tf.layers.dense({ name: name('dense', 'Dense'), units: shape.outputSize, activation: 'softmax' }));
  return model;
}

export function buildModel(spec: TrainingSpec, shape: ModelShape): Tf.Sequential {
  return spec.template === 'tabular-mlp' ? buildMlp(spec.hyperparameters, shape) : buildCnn(spec.hyperparameters, shape);
}

export interface SizeEstimate {
  params: number;
  /** Weights, gradients and two optimizer slots (Adam), plus the activations of one batch, in bytes. */
  bytes: number;
}

/** Counts parameters and activations arithmetically (the same layers buildModel makes). */
export function estimateSize(spec: TrainingSpec, shape: ModelShape): SizeEstimate {
  let params = 0;
  let activations = 0;
  if (spec.template === 'tabular-mlp') {
    const hp = spec.hyperparameters;
    let width = shape.input[0];
    for (const units of hp.hiddenUnits) {
      params += width * units + units + (hp.batchNorm ? 4 * units : 0);
      activations += units * (hp.batchNorm ? 3 : 1);
      width = units;
    }
    params += width * shape.outputSize + shape.outputSize;
  } else {
    const hp = spec.hyperparameters;
    let [h, w, c] = shape.input;
    for (const f of hp.filters) {
      params += hp.kernelSize * hp.kernelSize * c * f + f;
      activations += h * w * f;
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
      c = f;
    }
    params += h * w * c * hp.denseUnits + hp.denseUnits + hp.denseUnits * shape.outputSize + shape.outputSize;
    activations += hp.denseUnits;
  }
  const batch = spec.hyperparameters.batchSize;
  return { params, bytes: params * 4 * 4 + activations * batch * 4 * 2 };
}

/** WebAssembly memory is 32-bit (4 GiB at most, and TF.js's heap needs room for data too). */
export const DEFAULT_MODEL_MEMORY_LIMIT = 2 * 1024 ** 3;

export function checkModelSize(spec: TrainingSpec, shape: ModelShape, limit = modelMemoryLimit()): SizeEstimate {
  const est = estimateSize(spec, shape);
  if (est.bytes > limit) {
    throw new LatheError(
      'INVALID_INPUT',
      `The model is too large for memory: ${est.params.toLocaleString('en')} parameters need about ${(est.bytes / 1024 ** 3).toFixed(1)} GiB to train (limit ${(limit / 1024 ** 3).toFixed(1)} GiB)`,
      { where: 'hyperparameters', hint: 'Use fewer or smaller layers, smaller images or a smaller batch size (LATHE_MODEL_MEMORY_LIMIT sets the limit in bytes).' },
    );
  }
  return est;
}

function modelMemoryLimit(): number {
  const v = Number(process.env.LATHE_MODEL_MEMORY_LIMIT);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MODEL_MEMORY_LIMIT;
}

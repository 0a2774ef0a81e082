import * as tf from '@tensorflow/tfjs';
import type { BackendName, JobProgress, Monitor, Preprocessing, TrainingHint, TrainingSpec } from '../../../shared/training';
import { selectBackend, setWasmThreads } from '../compute/backend';
import { buildModel } from './architecture';
import { baselineMetrics } from './baselines';
import { autoEpochs } from './budget';
import { trainingHints } from './hints';
import type { Part, TrainingData } from './data';
import { deserializeModel, serializeModel, type SerializedModel } from './modelArtifact';
import { seededRandom } from './split';

/**
 * The training loop, run inside a worker thread (train.worker.ts): builds or restores the network,
 * trains epoch by epoch with the spec's schedule, early stopping and checkpoints, and streams
 * progress, metric batches and checkpoints to the main thread, which owns the database.
 */

export interface TrainJobInput {
  spec: TrainingSpec;
  task: 'classification' | 'regression';
  inputShape: number[];
  outputSize: number;
  /** Regression: the target's train std, to report errors in the target's units. */
  targetStd: number;
  parts: { train: Part; validation: Part; test: Part };
  backend: BackendName | null;
  threads?: number | null;
  /** Resume: the checkpoint's model and the epochs it had done. */
  resume: { model: SerializedModel; epoch: number } | null;
}

export interface MetricPoint {
  key: string;
  value: number;
  step: number;
}

export type TrainMessage =
  | { type: 'backend'; active: BackendName; device: string }
  | { type: 'progress'; progress: JobProgress }
  | { type: 'metrics'; points: MetricPoint[] }
  | { type: 'checkpoint'; epoch: number; model: SerializedModel }
  /** First message of a job: what the worker's data preparation made (everything but the encoded parts). */
  | { type: 'prepared'; data: PreparedData };

/** `TrainingData` without its encoded parts: what the main thread needs for the run record and the model files. */
export type PreparedData = Omit<TrainingData, 'parts'>;

/** Where the job's worker reads its data from (its own read-only connection to the workspace). */
export interface DataSource {
  home: string;
  dbFile: string;
  nativeBinding?: string;
}

/** What the main thread sends a training worker: the spec and where its data is, never the rows. */
export interface TrainWorkerInput {
  spec: TrainingSpec;
  source: DataSource;
  /** Resume: the checkpoint's preprocessing (reused, not learned again). */
  reuse: Preprocessing | null;
  backend: BackendName | null;
  /** wasm backend threads for this job (cores / pool size), so parallel jobs do not oversubscribe the cores. */
  threads: number | null;
  resume: TrainJobInput['resume'];
}

export interface TrainJobOutput {
  model: SerializedModel;
  epochsRun: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  /** What the run should tell its user: still improving at the last epoch, beaten by its own baseline. */
  hints: TrainingHint[];
  /** Training throughput over all epochs (examples per second, fit time only). */
  samplesPerSec: number;
}

/** How often progress and batch metrics are posted: enough for a live chart, cheap for the loop. */
const POST_MS = 250;

function makeOptimizer(name: TrainingSpec['hyperparameters']['optimizer'], lr: number): tf.Optimizer {
  if (name === 'sgd') return tf.train.sgd(lr);
  if (name === 'rmsprop') return tf.train.rmsprop(lr);
  if (name === 'adagrad') return tf.train.adagrad(lr);
  return tf.train.adam(lr);
}

/** The learning rate of epoch `e` (0-based) under the spec's schedule. */
export function learningRateAt(hp: TrainingSpec['hyperparameters'], e: number): number {
  switch (hp.lrSchedule) {
    case 'step':
      return hp.learningRate * hp.lrDecay ** Math.floor(e / hp.lrStepEpochs);
    case 'exponential':
      return hp.learningRate * hp.lrDecay ** e;
    case 'cosine':
      return hp.learningRate * 0.5 * (1 + Math.cos((Math.PI * e) / hp.epochs));
    default:
      return hp.learningRate;
  }
}

/** TF.js optimizers read their learning rate from this field on every step. */
function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

const higherIsBetter = (m: Monitor) => m === 'val_acc';

/** Random left-right flips and crops of a batch of HWC images, per epoch (training part only). */
function augment(x: tf.Tensor4D, hp: TrainingSpec['hyperparameters'], random: () => number): tf.Tensor4D {
  if (!('flip' in hp)) return x;
  return tf.tidy(() => {
    let out = x;
    const n = x.shape[0];
    if (hp.flip) {
      const mask = tf.tensor1d(Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0)), 'bool').reshape([n, 1, 1, 1]);
      out = tf.where(mask.broadcastTo(out.shape), tf.image.flipLeftRight(out), out);
    }
    if (hp.crop) {
      const boxes: number[][] = [];
      for (let i = 0; i < n; i++) {
        const t = random() / 8;
        const l = random() / 8;
        boxes.push([t, l, 1 - random() / 8, 1 - random() / 8]);
      }
      out = tf.image.cropAndResize(out, tf.tensor2d(boxes), tf.range(0, n, 1, 'int32'), [x.shape[1], x.shape[2]]);
    }
    return out;
  });
}

export async function train(input: TrainJobInput, post: (m: TrainMessage) => void): Promise<TrainJobOutput> {
  const { task, parts } = input;
  // epochs 0 ("auto") is resolved by TrainingService.start; a spec that reaches here unresolved gets the same budget.
  const spec = (input.spec.hyperparameters.epochs === 0 ? { ...input.spec, hyperparameters: { ...input.spec.hyperparameters, epochs: autoEpochs(parts.train.n, input.spec.hyperparameters.batchSize) } } : input.spec) as TrainingSpec;
  const hp = spec.hyperparameters;
  // tf's weight initialisers, dropout masks and fit's shuffling all draw from Math.random; this
  // thread is the job's alone, so seeding it makes a run repeatable (same seed, data and backend).
  Math.random = seededRandom(hp.seed);
  const augmentRandom = seededRandom(hp.seed ^ 0x5bd1e995);
  if (input.threads) await setWasmThreads(input.threads);
  let sel = await selectBackend(input.backend);
  let device = sel.device;
  if (sel.active === 'wasm' && spec.template === 'image-cnn') {
    // TF.js's wasm backend has no convolution gradient kernels (Conv2DBackpropFilter/Input): CNNs train on cpu there.
    sel = await selectBackend('cpu');
    device = `${sel.device}; wasm has no convolution gradients`;
  }
  post({ type: 'backend', active: sel.active, device });

  const shape = { input: input.inputShape, outputSize: input.outputSize, task };
  const model = input.resume ? await deserializeModel(input.resume.model) : buildModel(spec, shape);
  const startEpoch = input.resume?.epoch ?? 0;
  const optimizer = makeOptimizer(hp.optimizer, learningRateAt(hp, startEpoch));
  const classification = task === 'classification';
  model.compile({ optimizer, loss: classification ? 'sparseCategoricalCrossentropy' : 'meanSquaredError', metrics: classification ? ['accuracy'] : [] });

  const tensor = (p: Part) => ({ x: tf.tensor(p.x, [p.n, ...input.inputShape]), y: tf.tensor2d(p.y, [p.n, 1]) });
  const trainT = tensor(parts.train);
  const valT = parts.validation.n > 0 ? tensor(parts.validation) : null;
  const testT = parts.test.n > 0 ? tensor(parts.test) : null;

  const batches = Math.ceil(parts.train.n / hp.batchSize);
  const monitor: Monitor = valT ? hp.monitor : 'val_loss';
  let best = higherIsBetter(monitor) ? -Infinity : Infinity;
  let bestEpoch = startEpoch;
  let bestWeights: tf.Tensor[] | null = null;
  let sinceBest = 0;
  let stoppedEarly = false;
  let fitMs = 0;
  let samples = 0;
  let pending: MetricPoint[] = [];
  /** Every epoch's logged values, so the restored best epoch's can be logged again at the end. */
  const perEpoch = new Map<number, Record<string, number>>();
  let lastPost = 0;
  const flush = () => {
    if (pending.length) post({ type: 'metrics', points: pending });
    pending = [];
  };

  let epoch = startEpoch;
  for (; epoch < hp.epochs; epoch++) {
    const lr = learningRateAt(hp, epoch);
    setLearningRate(optimizer, lr);
    const epochStart = performance.now();
    const x = spec.template === 'image-cnn' ? augment(trainT.x as tf.Tensor4D, hp, augmentRandom) : trainT.x;
    const history = await model.fit(x, trainT.y, {
      epochs: epoch + 1,
      initialEpoch: epoch,
      batchSize: hp.batchSize,
      shuffle: true,
      verbose: 0,
      validationData: valT ? [valT.x, valT.y] : undefined,
      callbacks: {
        onBatchEnd: async (batch, logs) => {
          const now = performance.now();
          const done = Math.min(parts.train.n, (batch + 1) * hp.batchSize);
          pending.push({ key: 'batch.loss', value: logs?.loss ?? NaN, step: epoch * batches + batch });
          if (now - lastPost < POST_MS) return;
          lastPost = now;
          const rate = (samples + done) / ((fitMs + now - epochStart) / 1000);
          const left = (hp.epochs - epoch) * parts.train.n - done;
          post({ type: 'progress', progress: { phase: 'training', epoch: epoch + 1, epochs: hp.epochs, batch: batch + 1, batches, samplesPerSec: rate, etaMs: rate > 0 ? (left / rate) * 1000 : null } });
          flush();
        },
      },
    });
    if (x !== trainT.x) x.dispose();
    const ms = performance.now() - epochStart;
    fitMs += ms;
    samples += parts.train.n;
    const h = history.history;
    const last = (k: string) => (h[k] ? Number(h[k][h[k].length - 1]) : undefined);
    const step = epoch + 1;
    const values: Record<string, number | undefined> = { loss: last('loss'), acc: last('acc'), val_loss: last('val_loss'), val_acc: last('val_acc') };
    if (!classification && valT) Object.assign(values, regressionErrors(model, valT, input.targetStd, 'val'));
    values.lr = lr;
    values.samples_per_sec = parts.train.n / (ms / 1000);
    for (const [key, value] of Object.entries(values)) if (value !== undefined) pending.push({ key, value, step });
    perEpoch.set(step, Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => e[1] !== undefined)));
    flush();

    const current = values[monitor] ?? values.val_loss ?? values.loss ?? NaN;
    const improved = higherIsBetter(monitor) ? current > best : current < best;
    if (improved) {
      best = current;
      bestEpoch = step;
      sinceBest = 0;
      if (hp.restoreBest) {
        bestWeights?.forEach((w) => w.dispose());
        bestWeights = model.getWeights().map((w) => w.clone());
      }
    } else sinceBest++;
    if (hp.checkpointEvery > 0 && step % hp.checkpointEvery === 0 && step < hp.epochs) {
      post({ type: 'checkpoint', epoch: step, model: await serializeModel(model) });
    }
    const rate = samples / (fitMs / 1000);
    post({ type: 'progress', progress: { phase: 'training', epoch: step, epochs: hp.epochs, batch: batches, batches, samplesPerSec: rate, etaMs: ((hp.epochs - step) * parts.train.n * 1000) / rate } });
    if (hp.earlyStopping && sinceBest >= hp.patience) {
      stoppedEarly = true;
      epoch++;
      break;
    }
  }
  if (hp.restoreBest && bestWeights) model.setWeights(bestWeights);
  bestWeights?.forEach((w) => w.dispose());

  post({ type: 'progress', progress: { phase: 'testing', epoch, epochs: hp.epochs, batch: batches, batches, samplesPerSec: samples / (fitMs / 1000), etaMs: null } });
  const final: MetricPoint[] = [{ key: 'best_epoch', value: bestEpoch, step: epoch }];
  // Best, not last: the saved model is the best epoch's, so its values are the series' last ones (same
  // final step, later in time): runs are filtered, ranked and compared on the model they would get.
  const restored = hp.restoreBest && bestWeights !== null ? perEpoch.get(bestEpoch) : undefined;
  if (restored && bestEpoch !== epoch) {
    for (const key of ['loss', 'acc', 'val_loss', 'val_acc', 'val_rmse', 'val_mae', 'val_r2']) if (restored[key] !== undefined) final.push({ key, value: restored[key], step: epoch });
  }
  if (testT) {
    const ev = model.evaluate(testT.x, testT.y, { batchSize: 1024 });
    const [loss, acc] = Array.isArray(ev) ? ev : [ev];
    final.push({ key: 'test_loss', value: (await loss.data())[0], step: epoch });
    if (acc) final.push({ key: 'test_acc', value: (await acc.data())[0], step: epoch });
    if (!classification) for (const [key, value] of Object.entries(regressionErrors(model, testT, input.targetStd, 'test'))) final.push({ key, value, step: epoch });
  }
  post({ type: 'metrics', points: final });
  post({ type: 'progress', progress: { phase: 'baselines', epoch, epochs: hp.epochs, batch: batches, batches, samplesPerSec: samples / (fitMs / 1000), etaMs: null } });
  const baselines = await baselineMetrics(input, { train: trainT, validation: valT, test: testT });
  post({ type: 'metrics', points: baselines.map((p) => ({ ...p, step: epoch })) });
  const finalValues = Object.fromEntries([...final, ...baselines].map((p) => [p.key, p.value]));
  const hints = trainingHints({ task, epochsRun: epoch, epochs: hp.epochs, bestEpoch, stoppedEarly, earlyStopping: hp.earlyStopping, trainRows: parts.train.n, values: { ...restored, ...finalValues } });

  const out = await serializeModel(model);
  return { model: out, epochsRun: epoch, bestEpoch, stoppedEarly, hints, samplesPerSec: samples / (fitMs / 1000) };
}

/** RMSE, MAE and R² in the target's own units (the model predicts the standardised target). */
export function regressionErrors(model: tf.LayersModel, part: { x: tf.Tensor; y: tf.Tensor }, std: number, prefix: string): Record<string, number> {
  return tf.tidy(() => {
    const pred = (model.predict(part.x) as tf.Tensor).reshape([-1]);
    const y = part.y.reshape([-1]);
    const err = pred.sub(y);
    const mse = err.square().mean().dataSync()[0];
    const mae = err.abs().mean().dataSync()[0];
    const variance = y.sub(y.mean()).square().mean().dataSync()[0];
    return { [`${prefix}_rmse`]: Math.sqrt(mse) * std, [`${prefix}_mae`]: mae * std, [`${prefix}_r2`]: variance > 0 ? 1 - mse / variance : NaN };
  });
}

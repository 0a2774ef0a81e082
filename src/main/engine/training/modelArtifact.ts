import type * as Tf from '@tensorflow/tfjs';
import { tfjs } from '../compute/heavyModules';
import type { CellValue } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import { MODEL_FORMAT, type ModelSignature, type Prediction, type Preprocessing } from '../../../shared/training';
import { selectBackend } from '../compute/backend';
import type { RunArtifacts } from '../tracking/artifacts';
import { encodeTable, orderRows } from './preprocessing';

/**
 * The model artifact (docs/TRAINING.md): four files under a run's `model/` folder (and the same four
 * under `checkpoints/epoch-<N>/`). model.json + weights.bin are TF.js's layers format exactly as
 * `tf.io` file handlers would write them, so tfjs-node, the browser and TF.js's converters read them
 * unchanged; preprocessing.json and signature.json say how raw data becomes input and what comes out.
 */

export const MODEL_DIR = 'model';
export const MODEL_FILES = {
  topology: 'model.json',
  weights: 'weights.bin',
  preprocessing: 'preprocessing.json',
  signature: 'signature.json',
} as const;

/** What a worker sends back for a model: topology and weights as `model.save` hands them to an IOHandler. */
export interface SerializedModel {
  modelTopology: object;
  weightSpecs: Tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Serialises a model in memory (tf.io's file handlers need tfjs-node, which is optional). */
export async function serializeModel(model: Tf.LayersModel): Promise<SerializedModel> {
  let captured: Tf.io.ModelArtifacts | null = null;
  await model.save(
    tfjs().io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = captured as Tf.io.ModelArtifacts | null;
  if (!a || !a.modelTopology || !a.weightSpecs || a.weightData === undefined) throw new LatheError('INTERNAL', 'TF.js saved no topology or weights');
  const data = a.weightData;
  const weightData = Array.isArray(data) ? tfjs().io.concatenateArrayBuffers(data) : (data as ArrayBuffer);
  return { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs, weightData };
}

/** model.json in TF.js's layers format, its one weights file named beside it. */
export function modelJson(m: SerializedModel): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tfjs().version_layers}`,
      convertedBy: null,
      modelTopology: m.modelTopology,
      weightsManifest: [{ paths: [MODEL_FILES.weights], weights: m.weightSpecs }],
    }),
  );
}

export interface ModelFiles {
  model: SerializedModel;
  preprocessing: Preprocessing;
  signature: ModelSignature;
}

/** Writes the four files under `dir` (`model` or `checkpoints/epoch-N`) of a running run. */
export function writeModelArtifacts(artifacts: RunArtifacts, runId: string, dir: string, files: ModelFiles): void {
  artifacts.putBuffer(runId, `${dir}/${MODEL_FILES.topology}`, modelJson(files.model));
  artifacts.putBuffer(runId, `${dir}/${MODEL_FILES.weights}`, Buffer.from(files.model.weightData));
  artifacts.putBuffer(runId, `${dir}/${MODEL_FILES.preprocessing}`, Buffer.from(JSON.stringify(files.preprocessing, null, 2)));
  artifacts.putBuffer(runId, `${dir}/${MODEL_FILES.signature}`, Buffer.from(JSON.stringify(files.signature, null, 2)));
}

function readJson<T>(artifacts: RunArtifacts, runId: string, path: string): T {
  let raw: Buffer;
  try {
    raw = artifacts.read(runId, path);
  } catch (e) {
    if (e instanceof LatheError && e.code === 'NOT_FOUND') {
      throw new LatheError('NOT_FOUND', `Run ${runId} has no trained model (${path} is missing)`, {
        where: 'runId',
        hint: 'Only runs trained by Lathe (`lathe train`) that finished have a model.',
      });
    }
    throw e;
  }
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch {
    throw new LatheError('BAD_FILE', `${path} of run ${runId} is not valid JSON`, { where: path });
  }
}

/** Reads the four files under `dir` of a run: topology, weights, preprocessing and signature. */
export function readModelFiles(artifacts: RunArtifacts, runId: string, dir = MODEL_DIR): ModelFiles {
  const json = readJson<{ modelTopology: object; weightsManifest: { weights: Tf.io.WeightsManifestEntry[] }[] }>(artifacts, runId, `${dir}/${MODEL_FILES.topology}`);
  const signature = readJson<ModelSignature>(artifacts, runId, `${dir}/${MODEL_FILES.signature}`);
  if (signature.format !== MODEL_FORMAT) {
    throw new LatheError('BAD_FILE', `Run ${runId}'s model has format "${String(signature.format)}"; this Lathe reads ${MODEL_FORMAT}`, { where: `${dir}/${MODEL_FILES.signature}` });
  }
  const preprocessing = readJson<Preprocessing>(artifacts, runId, `${dir}/${MODEL_FILES.preprocessing}`);
  const weights = artifacts.read(runId, `${dir}/${MODEL_FILES.weights}`);
  return {
    model: {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    },
    preprocessing,
    signature,
  };
}

/** Builds a TF.js model from serialized topology and weights (no file system, no tfjs-node). */
export function deserializeModel(m: SerializedModel): Promise<Tf.LayersModel> {
  const tf = tfjs();
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelTopology, weightSpecs: m.weightSpecs, weightData: m.weightData }));
}

export interface LoadedModel {
  model: Tf.LayersModel;
  preprocessing: Preprocessing;
  signature: ModelSignature;
}

/**
 * Loads a run's trained model for prediction on this thread (the TF.js backend is selected first, as
 * training does). Evaluation and export call this; dispose `model` when done.
 */
export async function loadTrainedModel(engine: { tracking: { runs: { artifacts: RunArtifacts } } }, runId: string, dir = MODEL_DIR): Promise<LoadedModel> {
  const files = readModelFiles(engine.tracking.runs.artifacts, runId, dir);
  await selectBackend();
  return { model: await deserializeModel(files.model), preprocessing: files.preprocessing, signature: files.signature };
}

/** Turns raw model outputs (n x outputSize) into labels/values and probabilities. */
export function decodeOutputs(signature: ModelSignature, preprocessing: Preprocessing, out: Float32Array, n: number): Prediction {
  const target = preprocessing.target;
  if (target.kind === 'regression') {
    const predictions: number[] = [];
    for (let i = 0; i < n; i++) predictions.push(out[i] * target.std + target.mean);
    return { predictions };
  }
  const k = signature.outputSize;
  const labels = signature.labels ?? target.labels;
  const predictions: string[] = [];
  const probabilities: number[][] = [];
  for (let i = 0; i < n; i++) {
    const p = Array.from(out.subarray(i * k, (i + 1) * k));
    let best = 0;
    for (let j = 1; j < k; j++) if (p[j] > p[best]) best = j;
    predictions.push(labels[best]);
    probabilities.push(p);
  }
  return { predictions, probabilities };
}

/** Largest batch pushed through the model at once: bounds memory for big inputs. */
const PREDICT_BATCH = 4096;

/** Runs a batch of already encoded inputs through the model, a chunk at a time. */
export async function predictEncoded(loaded: LoadedModel, x: Float32Array, n: number, shape: number[]): Promise<Float32Array> {
  const per = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * loaded.signature.outputSize);
  const tf = tfjs();
  for (let start = 0; start < n; start += PREDICT_BATCH) {
    const m = Math.min(PREDICT_BATCH, n - start);
    const y = tf.tidy(() => loaded.model.predict(tf.tensor(x.subarray(start * per, (start + m) * per), [m, ...shape])) as Tf.Tensor);
    out.set(await y.data<'float32'>(), start * loaded.signature.outputSize);
    y.dispose();
  }
  return out;
}

/**
 * Predicts table rows with the saved preprocessing: rows as arrays (in `signature.inputs.columns`
 * order) or as objects keyed by column name (missing keys count as missing values).
 */
export async function predictRows(loaded: LoadedModel, rows: CellValue[][] | Record<string, CellValue>[]): Promise<Prediction> {
  const pre = loaded.preprocessing;
  if (pre.kind !== 'table') throw new LatheError('INVALID_INPUT', 'This model takes images, not table rows', { where: 'rows', hint: 'Use predictImages.' });
  const ordered = orderRows(pre, rows);
  const x = encodeTable(pre.features, ordered, pre.inputSize);
  const out = await predictEncoded(loaded, x, ordered.length, [pre.inputSize]);
  return decodeOutputs(loaded.signature, pre, out, ordered.length);
}

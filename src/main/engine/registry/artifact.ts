import { LatheError } from '../../../shared/errors';
import type { FeaturePreprocessing, ModelSignature, Preprocessing } from '../../../shared/training';
import { MODEL_FORMAT } from '../../../shared/training';
import type { CellValue } from '../../../shared/datasets';
import { cellToCategory, cellToNumber, isNumericType } from '../training/preprocessing';

/**
 * The model artifact as the registry holds it: the four files of docs/TRAINING.md (format
 * `lathe-model/1`), referenced by blob hash. Readers here work from those bytes (a version outlives
 * its run and can come from a bundle), with the trainer's own preprocessing code.
 */

export const MODEL_DIR = 'model/';

export interface ArtifactFiles {
  modelJson: Record<string, unknown>;
  weights: Buffer;
  preprocessing: Preprocessing;
  signature: ModelSignature;
}

export type Row = Record<string, CellValue>;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function parseJsonFile(buf: Buffer, what: string): Record<string, unknown> {
  try {
    return obj(JSON.parse(buf.toString('utf8')));
  } catch (e) {
    throw new LatheError('BAD_FILE', `${what} is not valid JSON: ${(e as Error).message}`, { where: what });
  }
}

export function checkSignature(s: Record<string, unknown>): ModelSignature {
  if (s.format !== MODEL_FORMAT) {
    throw new LatheError('BAD_FILE', `The model's signature has format "${String(s.format)}"; this Lathe reads ${MODEL_FORMAT}`, { where: 'model/signature.json' });
  }
  return s as unknown as ModelSignature;
}

/** Encodes ONNX's `features` input: one float per column (see docs/REGISTRY.md). */
export function encodeRawColumns(features: FeaturePreprocessing[], rows: CellValue[][]): Float32Array {
  const F = features.length;
  const out = new Float32Array(rows.length * F);
  const lookups = features.map((f) => (f.kind === 'categorical' ? new Map(f.vocab.map((v, i) => [v, i])) : null));
  rows.forEach((row, r) => {
    features.forEach((f, j) => {
      const cell = row[j];
      if (f.kind === 'numeric') out[r * F + j] = cellToNumber(cell, f.type); // NaN = missing
      else {
        const c = cellToCategory(cell);
        out[r * F + j] = c === null ? NaN : (lookups[j]!.get(c) ?? -1);
      }
    });
  });
  return out;
}

/** Synthetic rows from the preprocessing's statistics, for the ONNX check when no data is at hand. */
export function syntheticRows(features: FeaturePreprocessing[], n: number, seed = 1): CellValue[][] {
  let s = seed >>> 0 || 1;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: n }, (_, i) =>
    features.map((f) => {
      if (i % 17 === 3) return null; // some missing cells, to check imputation too
      if (f.kind === 'numeric') return isNumericType(f.type) ? f.mean + gauss() * f.std : f.mean;
      return i % 23 === 5 ? '__unseen__' : (f.vocab[Math.floor(rand() * f.vocab.length)] ?? null);
    }),
  );
}

/** Layers of a TF.js layers model.json, in order (Sequential, or a functional model that is a chain). */
export interface LayerSpec {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

export function layersOf(modelJson: Record<string, unknown>): LayerSpec[] {
  const topo = obj(modelJson.modelTopology);
  const top = obj(topo.model_config ?? topo);
  const cfg = top.config;
  const layers = Array.isArray(cfg) ? cfg : arr(obj(cfg).layers);
  return layers.map((l) => {
    const o = obj(l);
    const c = obj(o.config);
    return { className: String(o.class_name ?? o.className ?? ''), name: String(c.name ?? o.name ?? ''), config: c };
  });
}

export interface Weight {
  shape: number[];
  data: Float32Array;
}

/** The weights of model.json's manifest by name, cut out of weights.bin. */
export function weightsByName(modelJson: Record<string, unknown>, weights: Buffer): Map<string, Weight> {
  const out = new Map<string, Weight>();
  let offset = 0;
  for (const group of arr(modelJson.weightsManifest)) {
    for (const w of arr(obj(group).weights)) {
      const spec = obj(w);
      const shape = arr(spec.shape).map(Number);
      const n = shape.reduce((a, b) => a * b, 1);
      if ((spec.dtype ?? 'float32') !== 'float32') throw new LatheError('BAD_FILE', `Weight ${String(spec.name)} is ${String(spec.dtype)}; only float32 weights are supported`);
      if (spec.quantization) throw new LatheError('BAD_FILE', `Weight ${String(spec.name)} is quantized; export needs float32 weights`);
      if (offset + n * 4 > weights.length) throw new LatheError('BAD_FILE', `weights.bin is shorter than model.json says (${weights.length} bytes)`);
      const data = new Float32Array(n);
      Buffer.from(data.buffer).set(weights.subarray(offset, offset + n * 4));
      out.set(String(spec.name), { shape, data });
      offset += n * 4;
    }
  }
  return out;
}

/** A layer's weight by its short name (kernel, bias, gamma, ...), whatever scope prefix TF.js gave it. */
export function layerWeight(weights: Map<string, Weight>, layer: string, short: string): Weight | undefined {
  const exact = weights.get(`${layer}/${short}`);
  if (exact) return exact;
  for (const [k, v] of weights) if (k.endsWith(`/${short}`) && k.split('/').includes(layer)) return v;
  return undefined;
}

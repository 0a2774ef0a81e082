import type { CellValue } from '../../src/shared/datasets';
import type { PredictionRecord } from '../../src/shared/monitoring';
import type { ModelSignature, TrainingSpec } from '../../src/shared/training';
import type { ModelVersion } from '../../src/shared/registry';
import { buildReference } from '../../src/main/engine/monitoring/reference';
import type { ReferenceProfile } from '../../src/main/engine/monitoring/profile';

/**
 * A synthetic world with a known truth: 10 numeric features N(0,1) and 2 categorical ones; the label
 * is 1 with probability sigmoid(1.5 x0 - x1 + 0.8 [c0 = a]); the "model" answers a deliberately
 * over-confident sigmoid(2.2 (...)), so calibration has something to fix. Drift moves chosen features.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
export const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export const NUMERIC = Array.from({ length: 10 }, (_, i) => `x${i}`);
export const CATEGORICAL = ['c0', 'c1'];
export const FEATURES = [...NUMERIC, ...CATEGORICAL];

export interface Shift {
  /** feature -> mean shift (numeric, in sd) */
  mean?: Record<string, number>;
  /** categorical feature -> new category weights */
  cats?: Record<string, number[]>;
}

const CATS = ['a', 'b', 'c'];

export function row(r: () => number, shift: Shift = {}): Record<string, CellValue> {
  const o: Record<string, CellValue> = {};
  for (const f of NUMERIC) o[f] = normal(r) + (shift.mean?.[f] ?? 0);
  for (const f of CATEGORICAL) {
    const w = shift.cats?.[f] ?? [0.5, 0.3, 0.2];
    const u = r();
    o[f] = u < w[0] ? CATS[0] : u < w[0] + w[1] ? CATS[1] : CATS[2];
  }
  return o;
}

const logit = (o: Record<string, CellValue>) => 1.5 * (o.x0 as number) - (o.x1 as number) + (o.c0 === 'a' ? 0.8 : 0);
export const trueP = (o: Record<string, CellValue>) => sigmoid(logit(o));
export const modelP = (o: Record<string, CellValue>) => sigmoid(2.2 * logit(o));

export function label(r: () => number, o: Record<string, CellValue>): string {
  return r() < trueP(o) ? '1' : '0';
}

export function record(o: Record<string, CellValue>, i: number, time: number): PredictionRecord {
  const p = modelP(o);
  return { requestId: `r${i}`, time, model: 'synthetic', version: 1, alias: 'champion', features: o as PredictionRecord['features'], output: { prediction: p >= 0.5 ? '1' : '0', probabilities: { '0': 1 - p, '1': p } }, latencyMs: 1 };
}

/** A reference profile built by the engine's own builder from `n` synthetic rows (70/15/15 seeded split). */
export async function syntheticProfile(n: number, seed = 1): Promise<ReferenceProfile> {
  const r = rng(seed);
  const rows = Array.from({ length: n }, () => {
    const o = row(r);
    return [...FEATURES.map((f) => o[f]), label(r, o)];
  });
  const signature = {
    format: 'lathe-model/1',
    template: 'tabular-mlp',
    task: 'classification',
    target: 'y',
    inputs: { kind: 'table', columns: FEATURES.map((f) => ({ name: f, type: f.startsWith('x') ? 'numeric' : 'categorical' })) },
    labels: ['0', '1'],
    inputSize: 16,
    outputSize: 2,
    dataVersion: 'v',
    dataset: 'synthetic',
    runId: 'r',
    backend: 'cpu',
    createdAt: 0,
  } as unknown as ModelSignature;
  const spec = { template: 'tabular-mlp', data: 'synthetic', target: 'y', split: { kind: 'fraction', train: 0.7, validation: 0.15, test: 0.15, seed: 42, stratify: true } } as unknown as TrainingSpec;
  const version = { id: 'f'.repeat(32), model: 'synthetic', number: 1 } as ModelVersion;
  return buildReference({
    version,
    signature,
    spec,
    columns: [...FEATURES, 'y'],
    scan: async (onRow) => rows.forEach((x) => onRow(x)),
    membership: null,
    predict: async (xs) => {
      const ps = xs.map((x) => modelP(Object.fromEntries(FEATURES.map((f, i) => [f, x[i]]))));
      return { predictions: ps.map((p) => (p >= 0.5 ? '1' : '0')), probabilities: ps.map((p) => [1 - p, p]) };
    },
  });
}

import { LatheError } from '../../../shared/errors';
import { LOG_LOSS_EPS } from './classification';

/**
 * The scored cases of an evaluation, kept beside it (evaluations.cases) so two evaluations of the same
 * rows can be compared by a paired bootstrap later without predicting again. Little-endian layout:
 *   u8 kind (1 classification, 2 regression), 3 bytes padding, u32 n,
 *   u32[n] row positions in the dataset version,
 *   classification: i32[n] actual class, i32[n] predicted class, f32[n] probability of the actual class;
 *   regression:     f64[n] actual, f64[n] predicted.
 * 16 bytes a row (classification) or 20 (regression).
 */

export type ScoredCases =
  | { task: 'classification'; rows: Uint32Array; actual: Int32Array; predicted: Int32Array; pActual: Float32Array }
  | { task: 'regression'; rows: Uint32Array; actual: Float64Array; predicted: Float64Array };

export function encodeCases(c: ScoredCases): Uint8Array {
  const n = c.rows.length;
  const body = c.task === 'classification' ? 12 * n : 16 * n;
  const buf = new ArrayBuffer(8 + 4 * n + body);
  const view = new DataView(buf);
  view.setUint8(0, c.task === 'classification' ? 1 : 2);
  view.setUint32(4, n, true);
  let o = 8;
  const u32 = (xs: ArrayLike<number>) => {
    for (let i = 0; i < n; i++, o += 4) view.setUint32(o, xs[i], true);
  };
  const i32 = (xs: ArrayLike<number>) => {
    for (let i = 0; i < n; i++, o += 4) view.setInt32(o, xs[i], true);
  };
  u32(c.rows);
  if (c.task === 'classification') {
    i32(c.actual);
    i32(c.predicted);
    for (let i = 0; i < n; i++, o += 4) view.setFloat32(o, c.pActual[i], true);
  } else {
    for (const xs of [c.actual, c.predicted]) for (let i = 0; i < n; i++, o += 8) view.setFloat64(o, xs[i], true);
  }
  return new Uint8Array(buf);
}

export function decodeCases(bytes: Uint8Array): ScoredCases {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = () => new LatheError('INTERNAL', 'An evaluation\'s stored cases are damaged');
  if (bytes.byteLength < 8) throw bad();
  const kind = view.getUint8(0);
  const n = view.getUint32(4, true);
  if (bytes.byteLength !== 8 + 4 * n + (kind === 1 ? 12 : 16) * n || (kind !== 1 && kind !== 2)) throw bad();
  let o = 8;
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++, o += 4) rows[i] = view.getUint32(o, true);
  if (kind === 1) {
    const actual = new Int32Array(n);
    const predicted = new Int32Array(n);
    const pActual = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) actual[i] = view.getInt32(o, true);
    for (let i = 0; i < n; i++, o += 4) predicted[i] = view.getInt32(o, true);
    for (let i = 0; i < n; i++, o += 4) pActual[i] = view.getFloat32(o, true);
    return { task: 'classification', rows, actual, predicted, pActual };
  }
  const actual = new Float64Array(n);
  const predicted = new Float64Array(n);
  for (let i = 0; i < n; i++, o += 8) actual[i] = view.getFloat64(o, true);
  for (let i = 0; i < n; i++, o += 8) predicted[i] = view.getFloat64(o, true);
  return { task: 'regression', rows, actual, predicted };
}

/** Per-row values whose mean is the metric (rmse: the mean is squared error, rooted by `finish`). */
export const PAIRED_METRICS: Record<string, { task: ScoredCases['task']; value: (c: ScoredCases, i: number) => number; finish?: (mean: number) => number }> = {
  accuracy: { task: 'classification', value: (c, i) => (c.actual[i] === c.predicted[i] ? 1 : 0) },
  log_loss: {
    task: 'classification',
    value: (c, i) => -Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, (c as Extract<ScoredCases, { task: 'classification' }>).pActual[i]))),
  },
  mae: { task: 'regression', value: (c, i) => Math.abs(c.actual[i] - c.predicted[i]) },
  rmse: { task: 'regression', value: (c, i) => (c.actual[i] - c.predicted[i]) ** 2, finish: Math.sqrt },
};

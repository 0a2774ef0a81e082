import type { CellValue, ColumnType } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { FeaturePreprocessing, Preprocessing, TargetPreprocessing } from '../../../shared/training';

/**
 * Preprocessing of table features: learned on the training split only, saved with the model and
 * applied the same way by training, evaluation, prediction and export (see docs/TRAINING.md).
 */

export function isMissing(v: CellValue | undefined): boolean {
  return v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));
}

/** A numeric reading of a cell, or NaN when it has none. Booleans are 0/1; datetimes ms since 1970. */
export function cellToNumber(v: CellValue | undefined, type: ColumnType): number {
  if (isMissing(v)) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = String(v).trim();
  if (type === 'datetime') return Date.parse(s);
  if (type === 'boolean') {
    const l = s.toLowerCase();
    if (l === 'true' || l === 'yes' || l === '1') return 1;
    if (l === 'false' || l === 'no' || l === '0') return 0;
  }
  return s === '' ? NaN : Number(s);
}

/** The category key of a cell: its text (booleans "true"/"false"), or null when missing. */
export function cellToCategory(v: CellValue | undefined): string | null {
  if (isMissing(v)) return null;
  return typeof v === 'string' ? v : String(v);
}

/** Numeric and datetime columns are standardised; everything else is a category. */
export function isNumericType(type: ColumnType): boolean {
  return type === 'numeric' || type === 'datetime';
}

/** Categories kept per column: the most frequent, so a near-unique text column cannot blow the input up. */
const MAX_VOCAB = 1000;

/**
 * Learns one feature's preprocessing from its training-split values. Returns null when the column has
 * no value at all in the training split (an all-missing feature is refused before training).
 */
export function learnFeature(column: string, type: ColumnType, values: CellValue[], maxOneHot: number): FeaturePreprocessing | null {
  if (isNumericType(type)) {
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (const v of values) {
      const x = cellToNumber(v, type);
      if (!Number.isFinite(x)) continue;
      n++;
      sum += x;
      sq += x * x;
    }
    if (n === 0) return null;
    const mean = sum / n;
    const std = Math.sqrt(Math.max(0, sq / n - mean * mean));
    return { kind: 'numeric', column, type, mean, std: std > 1e-12 ? std : 1, impute: mean, missingInTraining: values.length - n };
  }
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    const c = cellToCategory(v);
    if (c !== null) counts.set(c, (counts.get(c) ?? 0) + 1);
    else missing++;
  }
  if (counts.size === 0) return null;
  // Frequency first, then the text: the same training split always gives the same vocabulary.
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const vocab = ranked.slice(0, MAX_VOCAB).map(([k]) => k);
  return { kind: 'categorical', column, type, encoding: vocab.length <= maxOneHot ? 'onehot' : 'index', vocab, impute: vocab[0], missingInTraining: missing };
}

export function featureWidth(f: FeaturePreprocessing): number {
  return f.kind === 'numeric' ? 1 : f.encoding === 'onehot' ? f.vocab.length + 1 : 1;
}

export function inputSizeOf(features: FeaturePreprocessing[]): number {
  return features.reduce((s, f) => s + featureWidth(f), 0);
}

/**
 * Encodes rows (cells in `features` order) into a row-major matrix of `inputSize` columns.
 * Vocabulary lookups use one Map per feature, built once per call.
 */
export function encodeTable(features: FeaturePreprocessing[], rows: ArrayLike<CellValue[]>, inputSize = inputSizeOf(features)): Float32Array {
  const n = rows.length;
  const out = new Float32Array(n * inputSize);
  const lookups = features.map((f) => (f.kind === 'categorical' ? new Map(f.vocab.map((v, i) => [v, i])) : null));
  for (let r = 0; r < n; r++) {
    const row = rows[r];
    let o = r * inputSize;
    for (let k = 0; k < features.length; k++) {
      const f = features[k];
      const cell = row[k];
      if (f.kind === 'numeric') {
        let x = cellToNumber(cell, f.type);
        if (!Number.isFinite(x)) x = f.impute;
        out[o++] = (x - f.mean) / f.std;
        continue;
      }
      const key = cellToCategory(cell) ?? f.impute;
      const idx = key === null ? f.vocab.length : (lookups[k]!.get(key) ?? f.vocab.length);
      if (f.encoding === 'onehot') {
        out[o + idx] = 1;
        o += f.vocab.length + 1;
      } else out[o++] = idx / f.vocab.length;
    }
  }
  return out;
}

/** Classification: class indices (-1 for a value not among the labels). Regression: standardised values. */
export function encodeTarget(target: TargetPreprocessing, values: CellValue[], type: ColumnType): Float32Array {
  const out = new Float32Array(values.length);
  if (target.kind === 'classification') {
    const index = new Map(target.labels.map((l, i) => [l, i]));
    for (let i = 0; i < values.length; i++) out[i] = index.get(cellToCategory(values[i]) ?? '') ?? -1;
  } else {
    for (let i = 0; i < values.length; i++) out[i] = (cellToNumber(values[i], type) - target.mean) / target.std;
  }
  return out;
}

/** Rows as arrays are in the model's column order (signature.inputs.columns); rows as objects are looked up by column name (absent = missing). */
export function orderRows(pre: Extract<Preprocessing, { kind: 'table' }>, rows: CellValue[][] | Record<string, CellValue>[]): CellValue[][] {
  const names = pre.features.map((f) => f.column);
  return rows.map((row, i) => {
    if (Array.isArray(row)) {
      if (row.length !== names.length) {
        throw new LatheError('INVALID_INPUT', `Row ${i} has ${row.length} values; the model takes ${names.length} (${names.join(', ')})`, { where: `rows.${i}` });
      }
      return row;
    }
    return names.map((n) => (Object.prototype.hasOwnProperty.call(row, n) ? row[n] : null));
  });
}

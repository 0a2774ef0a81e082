import type { MultivariatePoint, MultivariateSummary } from '../../../shared/monitoring';

/**
 * The optional multivariate drift check: PCA reconstruction error, as NannyML's
 * DataReconstructionDriftCalculator does it. Fitted on the training rows: missing values imputed (numeric:
 * the mean; categorical: the most frequent category), categories encoded by their share of the training
 * rows (CountEncoder, normalised; an unseen category is 0), every column standardised (population sd, as
 * StandardScaler), then PCA keeping the fewest components that explain more than 65% of the variance. A
 * row's error is the Euclidean distance between its standardised vector and its reconstruction from those
 * components; a window's value is the mean error of its rows. Univariate tests cannot see a broken
 * correlation between features whose marginals stay the same; this can.
 *
 * The fitted transform lives in the reference profile (bounded: at most MAX_PCA_FEATURES columns, so at
 * most that many loadings per column); a window keeps (n, sum, sum of squares) of its rows' errors, so any
 * range merges without raw rows. Threshold: ± 3 sd of a window's mean error around the error expected of new
 * rows. The sd comes from chunks of the training rows (rescaled to the window's row count); the centre from
 * the held-out rows, because rows the components were fitted on reconstruct better than new ones (measured:
 * a stationary week at 3000 rows an hour left a band centred on training rows 12 times).
 */

export const PCA_METHOD = 'pca-reconstruction';
/** Share of the variance the kept components explain (NannyML's default n_components). */
export const PCA_VARIANCE = 0.65;
/** Columns in the check (the first ones of the signature that vary); keeps the block small. */
export const MAX_PCA_FEATURES = 64;
/** Categories encoded per categorical column (the rest encode as 0, like an unseen category). */
export const MAX_PCA_CATEGORIES = 64;
const CHUNKS = 30;
/** Windows with fewer rows get no verdict, as for univariate drift. */
export const MIN_PCA_ROWS = 30;

export interface PcaColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  /** Of the encoded (imputed) training values; scale is the population sd. */
  mean: number;
  scale: number;
  /** Numeric: the training mean (imputed for missing); categorical: the most frequent category's share. */
  fill: number;
  /** Categorical: [category, share of training rows]. */
  shares?: [string, number][];
}

export interface PcaReference {
  method: typeof PCA_METHOD;
  columns: PcaColumn[];
  /** k rows of length columns.length, orthonormal: the kept principal axes. */
  components: number[][];
  /** Share of the variance the kept components explain. */
  varianceExplained: number;
  /** Columns left out: constant in training, or over MAX_PCA_FEATURES. */
  omitted: string[];
  /** Per-row error over the training rows. */
  rowError: { mean: number; sd: number };
  /** The mean error of CHUNKS interleaved chunks of chunkRows training rows: their mean and sd. */
  chunks: { mean: number; sd: number; chunkRows: number; referenceRows: number };
  /** Per-row error over the held-out rows (not fitted on): the band's centre when there are enough of them. */
  heldOut: { mean: number; sd: number; rows: number } | null;
}

/** A window's (or a range's) accumulated errors: mergeable by adding. */
export interface PcaAccumulator {
  n: number;
  sum: number;
  sumSq: number;
}

export function emptyAccumulator(): PcaAccumulator {
  return { n: 0, sum: 0, sumSq: 0 };
}

export function mergeAccumulator(a: PcaAccumulator, b: PcaAccumulator): void {
  a.n += b.n;
  a.sum += b.sum;
  a.sumSq += b.sumSq;
}

// Fitting --------------------------------------------------------------------------------------------

const round = (x: number) => Number(x.toPrecision(8));

function numberOf(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

const missingCell = (v: unknown) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

/**
 * Fits the transform on `rows` training rows; `cell(i, k)` is row i's value of features[k]. Null when
 * fewer than 2 columns vary or there are too few rows for chunk thresholds (60).
 */
export function fitReconstruction(
  features: readonly { name: string; kind: 'numeric' | 'categorical' }[],
  rows: number,
  cell: (i: number, k: number) => unknown,
  heldOut?: { rows: number; cell: (i: number, k: number) => unknown },
): PcaReference | null {
  if (rows < 2 * CHUNKS) return null;
  const columns: PcaColumn[] = [];
  const picked: number[] = [];
  const omitted: string[] = [];
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const col = f.kind === 'numeric' ? numericColumn(f.name, rows, (i) => cell(i, k)) : categoricalColumn(f.name, rows, (i) => cell(i, k));
    if (!col || columns.length >= MAX_PCA_FEATURES) omitted.push(f.name);
    else {
      columns.push(col);
      picked.push(k);
    }
  }
  const d = columns.length;
  if (d < 2) return null;
  const prepared = encoderOf(columns);
  const z = new Float64Array(d);
  const cov = Array.from({ length: d }, () => new Float64Array(d));
  for (let i = 0; i < rows; i++) {
    standardise(prepared, (k) => cell(i, picked[k]), z);
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[a][b] += z[a] * z[b];
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b][a] = cov[a][b] /= rows;
  const { values, vectors } = symmetricEigen(cov.map((r) => Array.from(r)));
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  // As sklearn's PCA(n_components=0.65): the fewest components whose cumulative share exceeds it.
  let k = 0;
  let acc = 0;
  while (k < d && acc <= PCA_VARIANCE * total) acc += Math.max(0, values[k++]);
  const components = vectors.slice(0, k).map((v) => v.map(round));
  const ref: PcaReference = { method: PCA_METHOD, columns, components, varianceExplained: total > 0 ? acc / total : 0, omitted, rowError: { mean: 0, sd: 0 }, chunks: { mean: 0, sd: 0, chunkRows: 0, referenceRows: rows }, heldOut: null };
  // Errors of the training rows: per row, and per interleaved chunk.
  const c = compile(ref);
  const size = Math.floor(rows / CHUNKS);
  const chunkSum = new Float64Array(CHUNKS);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < rows; i++) {
    standardise(prepared, (j) => cell(i, picked[j]), z);
    const e = errorOf(c, z);
    s += e;
    s2 += e * e;
    if (i < CHUNKS * size) chunkSum[i % CHUNKS] += e;
  }
  const mean = s / rows;
  ref.rowError = { mean, sd: Math.sqrt(Math.max(0, s2 / rows - mean * mean)) };
  const means = Array.from(chunkSum, (x) => x / size);
  const cm = means.reduce((a, b) => a + b, 0) / CHUNKS;
  const csd = Math.sqrt(means.reduce((a, b) => a + (b - cm) ** 2, 0) / (CHUNKS - 1));
  ref.chunks = { mean: cm, sd: csd, chunkRows: size, referenceRows: rows };
  if (heldOut && heldOut.rows > 0) {
    let h = 0;
    let h2 = 0;
    for (let i = 0; i < heldOut.rows; i++) {
      standardise(prepared, (j) => heldOut.cell(i, picked[j]), z);
      const e = errorOf(c, z);
      h += e;
      h2 += e * e;
    }
    const hm = h / heldOut.rows;
    ref.heldOut = { mean: hm, sd: Math.sqrt(Math.max(0, h2 / heldOut.rows - hm * hm)), rows: heldOut.rows };
  }
  return ref;
}

function numericColumn(name: string, rows: number, at: (i: number) => unknown): PcaColumn | null {
  let n = 0;
  let s = 0;
  for (let i = 0; i < rows; i++) {
    const x = numberOf(at(i));
    if (Number.isFinite(x)) {
      n++;
      s += x;
    }
  }
  if (n === 0) return null;
  const fill = s / n;
  // Imputed values sit at the mean: they add to the count but not to the spread (as SimpleImputer then StandardScaler).
  let ss = 0;
  for (let i = 0; i < rows; i++) {
    const x = numberOf(at(i));
    if (Number.isFinite(x)) ss += (x - fill) ** 2;
  }
  const scale = Math.sqrt(ss / rows);
  return scale > 1e-12 * Math.max(1, Math.abs(fill)) ? { name, kind: 'numeric', mean: fill, scale, fill } : null;
}

function categoricalColumn(name: string, rows: number, at: (i: number) => unknown): PcaColumn | null {
  const counts = new Map<string, number>();
  let present = 0;
  for (let i = 0; i < rows; i++) {
    const v = at(i);
    if (missingCell(v) || typeof v === 'object') continue;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    present++;
  }
  if (present === 0) return null;
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  // Missing cells take the most frequent category (imputed before encoding, as NannyML does).
  sorted[0][1] += rows - present;
  const shares = sorted.slice(0, MAX_PCA_CATEGORIES).map(([k, c]) => [k.slice(0, 100), round(c / rows)] as [string, number]);
  let s = 0;
  let s2 = 0;
  // Over the encoding as applied: categories past MAX_PCA_CATEGORIES encode as 0.
  for (let j = 0; j < sorted.length; j++) {
    const c = sorted[j][1];
    const share = j < MAX_PCA_CATEGORIES ? c / rows : 0;
    s += c * share;
    s2 += c * share * share;
  }
  const mean = s / rows;
  const scale = Math.sqrt(Math.max(0, s2 / rows - mean * mean));
  return scale > 1e-9 ? { name, kind: 'categorical', mean, scale, fill: sorted[0][1] / rows, shares } : null;
}

// Applying -------------------------------------------------------------------------------------------

interface Prepared {
  columns: PcaColumn[];
  shares: (Map<string, number> | null)[];
}

interface Compiled extends Prepared {
  components: Float64Array[];
  z: Float64Array;
  y: Float64Array;
}

const compiled = new WeakMap<PcaReference, Compiled>();

function encoderOf(columns: PcaColumn[]): Prepared {
  return { columns, shares: columns.map((c) => (c.shares ? new Map(c.shares) : null)) };
}

function compile(ref: PcaReference): Compiled {
  let c = compiled.get(ref);
  if (!c) {
    const d = ref.columns.length;
    c = { ...encoderOf(ref.columns), components: ref.components.map((r) => Float64Array.from(r)), z: new Float64Array(d), y: new Float64Array(ref.components.length) };
    compiled.set(ref, c);
  }
  return c;
}

/** One row's standardised vector into `out`: imputed, encoded, scaled. */
function standardise(p: Prepared, at: (k: number) => unknown, out: Float64Array): void {
  for (let k = 0; k < p.columns.length; k++) {
    const col = p.columns[k];
    const v = at(k);
    let x: number;
    if (col.kind === 'numeric') {
      x = numberOf(v);
      if (!Number.isFinite(x)) x = col.fill;
    } else if (missingCell(v) || typeof v === 'object') x = col.fill;
    else x = p.shares[k]!.get(String(v)) ?? 0;
    out[k] = (x - col.mean) / col.scale;
  }
}

/** ||z - Cᵀ C z||: the distance from the row to its reconstruction (computed directly, not as a difference of squares). */
function errorOf(c: Compiled, z: Float64Array): number {
  const d = z.length;
  const k = c.components.length;
  for (let j = 0; j < k; j++) {
    const w = c.components[j];
    let s = 0;
    for (let a = 0; a < d; a++) s += w[a] * z[a];
    c.y[j] = s;
  }
  let e = 0;
  for (let a = 0; a < d; a++) {
    let r = z[a];
    for (let j = 0; j < k; j++) r -= c.components[j][a] * c.y[j];
    e += r * r;
  }
  return Math.sqrt(e);
}

/** A logged row's reconstruction error (its features by name, as received). */
export function rowError(ref: PcaReference, features: Readonly<Record<string, unknown>>): number {
  const c = compile(ref);
  standardise(c, (k) => features[c.columns[k].name], c.z);
  return errorOf(c, c.z);
}

/** Adds a row given by its cell of each of `ref.columns` (`at(k)`; the parse worker reads its batch's columns so). */
export function addRowAt(acc: PcaAccumulator, ref: PcaReference, at: (k: number) => unknown): void {
  const c = compile(ref);
  standardise(c, at, c.z);
  const e = errorOf(c, c.z);
  acc.n++;
  acc.sum += e;
  acc.sumSq += e * e;
}

/** Adds one logged row to a window's accumulator (the ingest's one call per row). */
export function addRow(acc: PcaAccumulator, ref: PcaReference | null | undefined, features: Readonly<Record<string, unknown>>): void {
  if (!ref) return;
  const e = rowError(ref, features);
  acc.n++;
  acc.sum += e;
  acc.sumSq += e * e;
}

// Judging --------------------------------------------------------------------------------------------

/** Held-out rows below this count do not centre the band (the training chunks' mean does). */
export const MIN_HELD_OUT = 30;

/**
 * The band a window of n rows is judged by: centre ± 3 sd. The window's own sd is the training chunks' sd
 * rescaled from chunks of c of the N rows to a fresh window of n (variance ratio (1/n) / (1/c - 1/N): a chunk
 * is part of the whole, a window is not), as drift.ts rescales its statistics; the centre's own uncertainty
 * is added (held-out: sd² / H; else the training mean's share, 1/N on the same scale).
 */
export function bandFor(ref: PcaReference, n: number): { lower: number; upper: number; centre: number } {
  const { mean, sd, chunkRows: c, referenceRows: N } = ref.chunks;
  const perRow = (sd * sd) / Math.max(1e-12, 1 / c - 1 / N);
  const h = ref.heldOut && ref.heldOut.rows >= MIN_HELD_OUT ? ref.heldOut : null;
  const centre = h ? h.mean : mean;
  const centreVar = h ? (h.sd * h.sd) / h.rows : perRow / N;
  const half = 3 * Math.sqrt(perRow / n + centreVar);
  return { lower: Math.max(0, centre - half), upper: centre + half, centre };
}

export function judge(ref: PcaReference | null | undefined, acc: PcaAccumulator): MultivariatePoint | null {
  if (!ref || acc.n < MIN_PCA_ROWS) return null;
  const error = acc.sum / acc.n;
  const { lower, upper } = bandFor(ref, acc.n);
  return { error, lower, upper, drift: error > upper || error < lower, rows: acc.n };
}

/** What a screen says about the check for one version's reference. */
export function summaryOf(ref: PcaReference | null | undefined): MultivariateSummary {
  const method = PCA_METHOD;
  if (!ref) {
    return {
      available: false,
      method,
      note: 'Not available for this version: its reference profile was built before the multivariate check (or has under 60 training rows or under 2 varying columns). Rebuild it with `lathe monitor reference <model>@<version> --rebuild` where its training data is present.',
    };
  }
  const k = ref.components.length;
  return {
    available: true,
    method,
    note: `PCA reconstruction error, mean per window: ${k} components of ${ref.columns.length} standardised columns (${Math.round(ref.varianceExplained * 100)}% of the variance); band: ${ref.heldOut && ref.heldOut.rows >= MIN_HELD_OUT ? `held-out rows'` : `training rows'`} mean error ± 3 sd for the window's rows${ref.omitted.length ? `; left out: ${ref.omitted.slice(0, 5).join(', ')}${ref.omitted.length > 5 ? ` and ${ref.omitted.length - 5} more` : ''}` : ''}.`,
    components: k,
    columns: ref.columns.length,
    varianceExplained: ref.varianceExplained,
    referenceError: ref.heldOut && ref.heldOut.rows >= MIN_HELD_OUT ? ref.heldOut.mean : ref.chunks.mean,
  };
}

// Eigen decomposition --------------------------------------------------------------------------------

/**
 * Cyclic Jacobi rotations for a symmetric matrix (d <= MAX_PCA_FEATURES): eigenvalues descending, with
 * unit eigenvectors as rows. Quadratic convergence; a few sweeps suffice for a covariance matrix.
 */
export function symmetricEigen(m: number[][]): { values: number[]; vectors: number[][] } {
  const d = m.length;
  const a = m.map((r) => [...r]);
  const v = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p][q] * a[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

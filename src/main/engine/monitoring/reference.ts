import type { CellValue } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { ModelVersion } from '../../../shared/registry';
import type { ModelSignature, Prediction, TrainingSpec } from '../../../shared/training';
import { perClassMetrics } from '../evaluation/classification';
import { ColumnSketch, FixedBins, TopCategories } from '../sketches';
import { partOf, type SplitPart } from '../training/membership';
import { cellToCategory, cellToNumber, isMissing } from '../training/preprocessing';
import { splitRows } from '../training/split';
import { calibrate, ece, fitIsotonic } from './calibration';
import { fitReconstruction } from './multivariate';
import { EDGE_QUANTILES, PROFILE_FORMAT, type ChunkStat, type ReferenceColumn, type ReferenceProfile } from './profile';
import { psiGroups, groupBy } from './drift';
import { chiSquared, jensenShannon, ksFromBins, psi, wassersteinFromSegments } from './stats';

/**
 * Builds a version's reference profile from the rows it trained on (its recorded split membership,
 * or the run's seeded split recomputed exactly as training makes it) and its predictions on the
 * held-out rows (validation + test). Calibrated drift thresholds come from chunks of the training rows.
 */
export interface ReferenceSource {
  version: ModelVersion;
  signature: ModelSignature;
  spec: TrainingSpec;
  /** Column names of the training data version, and a scan over its rows. */
  columns: string[];
  scan(onRow: (cells: CellValue[]) => void): Promise<void>;
  /** The run's recorded membership (parts-2bit), when there is one. */
  membership: { rows: number; parts: Uint8Array } | null;
  predict(rows: CellValue[][]): Promise<Prediction>;
}

const CHUNKS = 30;
const PREDICT_BATCH = 5000;

export function monitorKind(type: string): 'numeric' | 'categorical' {
  return type === 'numeric' ? 'numeric' : 'categorical';
}

export async function buildReference(src: ReferenceSource): Promise<ReferenceProfile> {
  const sig = src.signature;
  if (sig.inputs.kind !== 'table') throw new LatheError('INVALID_INPUT', `${src.version.model}@${src.version.number} takes images; monitoring covers table models`, { where: 'ref' });
  const features = sig.inputs.columns;
  const splitColumn = src.spec.split.kind === 'column' ? src.spec.split.column : undefined;
  const names = [...features.map((f) => f.name), sig.target, ...(splitColumn ? [splitColumn] : [])];
  const pick = names.map((n) => {
    const i = src.columns.indexOf(n);
    if (i < 0) throw new LatheError('BAD_FILE', `The training data of ${src.version.model}@${src.version.number} has no column "${n}"`, { where: n });
    return i;
  });
  const rows: CellValue[][] = [];
  await src.scan((cells) => rows.push(pick.map((k) => cells[k])));
  const nf = features.length;
  const { parts, source } = partsOf(src, rows, nf, sig);
  const train = parts.train;
  const heldOut = [...parts.validation, ...parts.test];
  if (train.length < 2) throw new LatheError('INVALID_INPUT', 'The training split has fewer than 2 rows; there is nothing to profile', { where: 'ref' });

  const featureCols = features.map((f, k) => referenceColumn(f.name, monitorKind(f.type), train.map((r) => rows[r][k])));
  const label = referenceColumn(sig.target, sig.task === 'classification' ? 'categorical' : 'numeric', train.map((r) => rows[r][nf]));
  const pred = await heldOutPredictions(src, heldOut.map((r) => rows[r].slice(0, nf)), heldOut.map((r) => rows[r][nf]));
  return {
    format: PROFILE_FORMAT,
    model: src.version.model,
    version: src.version.number,
    versionId: src.version.id,
    createdAt: Date.now(),
    source,
    task: sig.task,
    target: sig.target,
    labels: sig.labels,
    trainRows: train.length,
    heldOutRows: heldOut.length,
    features: featureCols,
    prediction: pred.column,
    label,
    calibration: pred.calibration,
    heldOut: pred.metrics,
    calibrationError: pred.calibrationError,
    multivariate: fitReconstruction(
      features.map((f) => ({ name: f.name, kind: monitorKind(f.type) })),
      train.length,
      (i, k) => rows[train[i]][k],
      { rows: heldOut.length, cell: (i, k) => rows[heldOut[i]][k] },
    ),
  };
}

function partsOf(src: ReferenceSource, rows: CellValue[][], nf: number, sig: ModelSignature): { parts: Record<SplitPart, number[]>; source: ReferenceProfile['source'] } {
  const m = src.membership;
  if (m && m.rows === rows.length) {
    const parts: Record<SplitPart, number[]> = { train: [], validation: [], test: [] };
    for (let i = 0; i < rows.length; i++) {
      const p = partOf(m, i);
      if (p) parts[p].push(i);
    }
    return { parts, source: 'membership' };
  }
  // As training/data.ts prepares a table: rows with a usable target, then the spec's split.
  const usable: number[] = [];
  for (let i = 0; i < rows.length; i++) if (!isMissing(rows[i][nf]) && (sig.task === 'classification' || Number.isFinite(cellToNumber(rows[i][nf], 'numeric')))) usable.push(i);
  const split = splitRows(src.spec.split, usable, {
    classOf: sig.task === 'classification' ? (r) => cellToCategory(rows[r][nf]) ?? '' : undefined,
    partOf: (r) => rows[r][nf + 1],
  });
  return { parts: split, source: 'seeded-split' };
}

/** A reference column: full sketch with fine bins at its quantiles, and chunk statistics for calibrated thresholds. */
export function referenceColumn(name: string, kind: 'numeric' | 'categorical', values: CellValue[]): ReferenceColumn {
  const first = new ColumnSketch(kind);
  for (const v of values) first.add(v);
  let sketch = first;
  let sd: number | undefined;
  if (kind === 'numeric' && first.moments.n > 0) {
    const q = first.quantiles!;
    const edges = FixedBins.edgesAt((p) => q.quantile(p), EDGE_QUANTILES, first.moments.min, first.moments.max);
    sketch = new ColumnSketch('numeric', { binEdges: edges });
    for (const v of values) sketch.add(v);
    sd = Math.sqrt(first.moments.variance ?? 0);
  } else if (kind === 'numeric') {
    sketch = new ColumnSketch('numeric', { binEdges: [0, 1] });
  }
  const categories = kind === 'categorical' ? first.top!.top().items.map((i) => i.value) : undefined;
  const col: ReferenceColumn = { name, kind, sketch: sketch.toJSON(), categories, calibrated: {}, sd };
  col.calibrated = chunkStats(col, sketch, values);
  return col;
}

/** Distances of CHUNKS (30) interleaved chunks of the reference to the whole, corrected for the chunk being part of it. */
function chunkStats(col: ReferenceColumn, sketch: ColumnSketch, values: CellValue[]): ReferenceColumn['calibrated'] {
  const n = values.length;
  const size = Math.floor(n / CHUNKS);
  if (size < 20) return {};
  const chunks = Array.from({ length: CHUNKS }, () => sketch.emptyLike());
  for (let i = 0; i < CHUNKS * size; i++) chunks[i % CHUNKS].add(values[i]);
  // Raw chunk-to-whole statistics; drift.ts rescales them to a window's size (a chunk is part of the
  // whole it is compared with, which makes its distance smaller than an independent sample's).
  const out: Record<string, number[]> = {};
  const push = (k: string, v: number) => (out[k] ??= []).push(v);
  for (const c of chunks) {
    if (col.kind === 'numeric' && sketch.bins && c.bins) {
      const r = sketch.bins.vector();
      const x = c.bins.vector();
      const e = sketch.bins.edges;
      const lo = [e[0], ...e.slice(0, -1), e[e.length - 1]];
      const hi = [e[0], ...e.slice(1), e[e.length - 1]];
      push('ks', ksFromBins(r, x));
      push('wasserstein', wassersteinFromSegments(lo, hi, r, x) / Math.max(col.sd ?? 0, 1e-12));
      const g = psiGroups(r);
      push('psi', psi(groupBy(r, g), groupBy(x, g)));
    } else if (col.kind === 'categorical' && sketch.top && c.top) {
      const cats = col.categories ?? [];
      const vec = (t: TopCategories) => {
        const v = cats.map((k) => t.count(k));
        return [...v, t.n - v.reduce((a, b) => a + b, 0)];
      };
      const r = vec(sketch.top);
      const x = vec(c.top);
      push('chi2', chiSquared(r, x).statistic);
      push('jensen-shannon', jensenShannon(r, x));
      push('psi', psi(r, x));
    }
  }
  const stats: ReferenceColumn['calibrated'] = {};
  for (const [k, xs] of Object.entries(out)) {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
    (stats as Record<string, ChunkStat>)[k] = { mean, sd, chunkRows: size, referenceRows: n };
  }
  return stats;
}

async function heldOutPredictions(src: ReferenceSource, x: CellValue[][], y: CellValue[]): Promise<{ column: ReferenceColumn; calibration: ReferenceProfile['calibration']; metrics: Record<string, number>; calibrationError: ReferenceProfile['calibrationError'] }> {
  const sig = src.signature;
  const preds: (string | number)[] = [];
  const probs: number[][] = [];
  for (let i = 0; i < x.length; i += PREDICT_BATCH) {
    const p = await src.predict(x.slice(i, i + PREDICT_BATCH));
    preds.push(...p.predictions);
    if (p.probabilities) probs.push(...p.probabilities);
  }
  if (sig.task === 'regression') {
    const column = referenceColumn('prediction', 'numeric', preds);
    let n = 0, sAbs = 0, sSq = 0, sY = 0, sY2 = 0;
    preds.forEach((p, i) => {
      const t = cellToNumber(y[i], 'numeric');
      if (!Number.isFinite(t)) return;
      const r = t - Number(p);
      n++;
      sAbs += Math.abs(r);
      sSq += r * r;
      sY += t;
      sY2 += t * t;
    });
    const ssTot = sY2 - (sY * sY) / Math.max(1, n);
    const metrics: Record<string, number> = n ? { mae: sAbs / n, rmse: Math.sqrt(sSq / n), r2: ssTot > 1e-12 ? 1 - sSq / ssTot : 0, n } : { n: 0 };
    return { column, calibration: null, metrics, calibrationError: null };
  }
  const labels = sig.labels ?? [];
  const column = referenceColumn('prediction', 'categorical', preds);
  column.categories = [...labels];
  const actual = y.map((v) => labels.indexOf(cellToCategory(v) ?? ''));
  const ok = actual.map((a, i) => a >= 0 && probs[i] !== undefined);
  const idx = actual.map((_, i) => i).filter((i) => ok[i]);
  if (idx.length < 10) return { column, calibration: null, metrics: { n: idx.length }, calibrationError: null };
  const calibration = labels.map((_, c) =>
    fitIsotonic(
      idx.map((i) => probs[i][c]),
      idx.map((i) => (actual[i] === c ? 1 : 0)),
    ),
  );
  const confusion = labels.map(() => new Array<number>(labels.length).fill(0));
  const confRaw: number[] = [];
  const confCal: number[] = [];
  const correct: number[] = [];
  for (const i of idx) {
    const j = argmax(probs[i]);
    confusion[actual[i]][j]++;
    confRaw.push(probs[i][j]);
    confCal.push(calibrate(calibration, probs[i])[j]);
    correct.push(actual[i] === j ? 1 : 0);
  }
  const m = perClassMetrics(confusion, labels);
  const accuracy = correct.reduce((a, b) => a + b, 0) / idx.length;
  return {
    column,
    calibration,
    metrics: { accuracy, f1: m.macro.f1, precision: m.macro.precision, recall: m.macro.recall, n: idx.length },
    calibrationError: { eceBefore: ece(confRaw, correct), eceAfter: ece(confCal, correct) },
  };
}

export function argmax(p: readonly number[]): number {
  let b = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[b]) b = i;
  return b;
}

import { FixedBins, KllSketch, Moments, TopCategories, type KllJSON, type MomentsJSON } from '../sketches';
import type { ReferenceColumn, ReferenceProfile } from './profile';
import { emptyAccumulator, mergeAccumulator, type PcaAccumulator } from './multivariate';

/**
 * One window of one model version and alias: what every range is merged from. Kept small (counts
 * over the reference's bin edges, top categories, expected and realized confusion) so that any range
 * is a merge of windows read from SQLite; the KLL quantile sketches live apart (read only for detail).
 */
export interface WindowColumnJSON {
  m: MomentsJSON;
  /** Numeric: under, counts over the reference's fine bins..., over. */
  b?: number[];
  /** Categorical: [value, count]. */
  t?: [string, number][];
}

export interface WindowJSON {
  rows: number;
  features: Record<string, WindowColumnJSON>;
  prediction: WindowColumnJSON;
  label: WindowColumnJSON;
  /** Fields of the signature absent from a record, fields not in it, summed over records. */
  quality: { missingFields: number; extraFields: number; future: number; outOfOrder: number };
  /** Log-spaced latency bins (LATENCY_EDGES). */
  latency: number[];
  /** CBPE: expected[i][j] = Σ over rows predicted j of the calibrated P(true = i); varSum = Σ p(1-p) of the predicted class. */
  cbpe: { n: number; expected: number[][]; varSum: number } | null;
  /** Classification: confusion[i][j] rows actual, columns predicted (labels joined); regression: residual sums. */
  realized: { n: number; confusion?: number[][]; sumAbs?: number; sumSq?: number; sumY?: number; sumY2?: number; sumRes?: number };
  outcomes: Record<string, { n: number; sum: number; sumSq: number; nonzero: number }>;
  /** PCA reconstruction errors of the rows (multivariate.ts); absent in windows stored before the check. */
  pca?: PcaAccumulator;
}

/** 0.01 ms .. ~100 s, 8 bins a decade. */
export const LATENCY_EDGES = Array.from({ length: 57 }, (_, i) => 0.01 * 10 ** (i / 8));

class WindowColumn {
  moments = new Moments();
  bins: FixedBins | null;
  top: TopCategories | null;

  constructor(ref: ReferenceColumn) {
    this.bins = ref.kind === 'numeric' && ref.sketch.bins ? new FixedBins(ref.sketch.bins.edges) : null;
    this.top = ref.kind === 'categorical' ? new TopCategories() : null;
  }
}

/** A window being built or merged: live objects over the reference's edges. */
export class WindowSketch {
  rows = 0;
  features = new Map<string, WindowColumn>();
  quantiles = new Map<string, KllSketch>();
  prediction: WindowColumn;
  label: WindowColumn;
  quality = { missingFields: 0, extraFields: 0, future: 0, outOfOrder: 0 };
  latency = new FixedBins(LATENCY_EDGES);
  cbpe: WindowJSON['cbpe'];
  realized: WindowJSON['realized'];
  outcomes = new Map<string, { n: number; sum: number; sumSq: number; nonzero: number }>();
  pca: PcaAccumulator = emptyAccumulator();

  constructor(readonly ref: ReferenceProfile) {
    for (const f of ref.features) this.features.set(f.name, new WindowColumn(f));
    this.prediction = new WindowColumn(ref.prediction);
    this.label = new WindowColumn(ref.label);
    const k = ref.labels?.length ?? 0;
    this.cbpe = ref.task === 'classification' ? { n: 0, expected: square(k), varSum: 0 } : null;
    this.realized = ref.task === 'classification' ? { n: 0, confusion: square(k) } : { n: 0, sumAbs: 0, sumSq: 0, sumY: 0, sumY2: 0, sumRes: 0 };
  }

  /** The feature columns in the reference's order (for the ingest's loop over a record's features). */
  featureColumns(): WindowColumn[] {
    return (this.list ??= [...this.features.values()]);
  }

  private list: WindowColumn[] | undefined;

  column(name: string): WindowColumn | undefined {
    return this.features.get(name);
  }

  /** Adds one cell to a column (feature, prediction or label), as ColumnSketch would. */
  addCell(col: WindowColumn, value: unknown, kll?: KllSketch): void {
    if (value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value))) {
      col.moments.addNull();
      return;
    }
    if (col.top) {
      if (typeof value === 'object') col.moments.addMismatch();
      else {
        col.moments.addPresent();
        col.top.add(String(value));
      }
      return;
    }
    const x = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(x)) {
      col.moments.addMismatch();
      return;
    }
    col.moments.addNumber(x);
    col.bins?.add(x);
    kll?.add(x);
  }

  kllOf(name: string): KllSketch {
    let s = this.quantiles.get(name);
    if (!s) this.quantiles.set(name, (s = new KllSketch()));
    return s;
  }

  merge(o: WindowSketch, withQuantiles = false): this {
    this.rows += o.rows;
    for (const [name, c] of o.features) {
      const mine = this.features.get(name);
      if (mine) mergeColumn(mine, c);
    }
    mergeColumn(this.prediction, o.prediction);
    mergeColumn(this.label, o.label);
    for (const k of Object.keys(this.quality) as (keyof WindowSketch['quality'])[]) this.quality[k] += o.quality[k];
    this.latency.merge(o.latency);
    if (this.cbpe && o.cbpe) {
      this.cbpe.n += o.cbpe.n;
      this.cbpe.varSum += o.cbpe.varSum;
      addMatrix(this.cbpe.expected, o.cbpe.expected);
    }
    const r = this.realized;
    const s = o.realized;
    r.n += s.n;
    if (r.confusion && s.confusion) addMatrix(r.confusion, s.confusion);
    for (const key of ['sumAbs', 'sumSq', 'sumY', 'sumY2', 'sumRes'] as const) if (r[key] !== undefined && s[key] !== undefined) r[key] = (r[key] as number) + (s[key] as number);
    for (const [k, v] of o.outcomes) {
      const m = this.outcomes.get(k) ?? { n: 0, sum: 0, sumSq: 0, nonzero: 0 };
      this.outcomes.set(k, { n: m.n + v.n, sum: m.sum + v.sum, sumSq: m.sumSq + v.sumSq, nonzero: m.nonzero + v.nonzero });
    }
    mergeAccumulator(this.pca, o.pca);
    if (withQuantiles) for (const [k, q] of o.quantiles) this.kllOf(k).merge(q);
    return this;
  }

  toJSON(): WindowJSON {
    const features: Record<string, WindowColumnJSON> = {};
    for (const [k, c] of this.features) features[k] = columnJSON(c);
    return {
      rows: this.rows,
      features,
      prediction: columnJSON(this.prediction),
      label: columnJSON(this.label),
      quality: { ...this.quality },
      latency: this.latency.vector(),
      cbpe: this.cbpe,
      realized: this.realized,
      outcomes: Object.fromEntries(this.outcomes),
      pca: { ...this.pca },
    };
  }

  quantilesJSON(): Record<string, KllJSON> {
    return Object.fromEntries([...this.quantiles].map(([k, q]) => [k, q.toJSON()]));
  }

  /** Rebuilds a window over `ref`'s edges; columns the reference does not know are dropped. */
  static fromJSON(ref: ReferenceProfile, j: WindowJSON, quantiles?: Record<string, KllJSON>): WindowSketch {
    const w = new WindowSketch(ref);
    w.rows = j.rows;
    for (const [k, c] of Object.entries(j.features)) {
      const mine = w.features.get(k);
      if (mine) loadColumn(mine, c);
    }
    loadColumn(w.prediction, j.prediction);
    loadColumn(w.label, j.label);
    w.quality = { ...w.quality, ...j.quality };
    loadBins(w.latency, j.latency);
    if (j.cbpe && w.cbpe && j.cbpe.expected.length === w.cbpe.expected.length) w.cbpe = structuredClone(j.cbpe);
    if (j.realized) w.realized = structuredClone(j.realized);
    for (const [k, v] of Object.entries(j.outcomes ?? {})) w.outcomes.set(k, { ...v });
    if (j.pca) w.pca = { ...j.pca };
    if (quantiles) for (const [k, q] of Object.entries(quantiles)) w.quantiles.set(k, KllSketch.fromJSON(q));
    return w;
  }
}

function square(k: number): number[][] {
  return Array.from({ length: k }, () => new Array<number>(k).fill(0));
}

function addMatrix(a: number[][], b: number[][]): void {
  for (let i = 0; i < a.length && i < b.length; i++) for (let j = 0; j < a[i].length && j < b[i].length; j++) a[i][j] += b[i][j];
}

function mergeColumn(a: WindowColumn, b: WindowColumn): void {
  a.moments.merge(b.moments);
  if (a.bins && b.bins) a.bins.merge(b.bins);
  if (a.top && b.top) a.top.merge(b.top);
}

function columnJSON(c: WindowColumn): WindowColumnJSON {
  const j: WindowColumnJSON = { m: c.moments.toJSON() };
  if (c.bins) j.b = c.bins.vector();
  if (c.top) j.t = c.top.toJSON().items;
  return j;
}

function loadBins(bins: FixedBins, v: number[] | undefined): void {
  if (!v || v.length !== bins.counts.length + 2) return;
  bins.under = v[0];
  for (let i = 0; i < bins.counts.length; i++) bins.counts[i] = v[i + 1];
  bins.over = v[v.length - 1];
}

function loadColumn(c: WindowColumn, j: WindowColumnJSON): void {
  c.moments = Moments.fromJSON(j.m);
  if (c.bins) loadBins(c.bins, j.b);
  if (c.top && j.t) c.top = TopCategories.fromJSON({ capacity: c.top.capacity, n: j.m.count - j.m.nulls - j.m.mismatches, items: j.t });
}

import { FixedBins, type FixedBinsJSON } from './fixedBins';
import { HyperLogLog, type HllJSON } from './hll';
import { KllSketch, type KllJSON } from './kll';
import { Moments, type MomentsJSON } from './moments';
import { TopCategories, type TopCategoriesJSON } from './topCategories';

/**
 * Everything kept about one column, as one mergeable value: counts and moments, a quantile sketch,
 * optional fixed bins (edges from a reference), top categories + other, a distinct estimate.
 * A numeric column counts strings that are not numbers as type mismatches; a categorical column takes
 * numbers and booleans as their text. Empty strings, null and undefined are nulls.
 * A column's JSON stays under 16 KB (KLL ~600 float64s, 2048 HLL bytes, <= 64 labels of <= 100 chars).
 */
export type ColumnKind = 'numeric' | 'categorical';

export interface ColumnSketchJSON {
  kind: ColumnKind;
  moments: MomentsJSON;
  quantiles?: KllJSON;
  bins?: FixedBinsJSON;
  top?: TopCategoriesJSON;
  distinct: HllJSON;
}

export interface ColumnSketchOptions {
  /** Fixed bin edges (numeric columns): counts over them merge exactly across windows. */
  binEdges?: readonly number[];
  kllK?: number;
}

export class ColumnSketch {
  readonly moments = new Moments();
  quantiles: KllSketch | null;
  bins: FixedBins | null;
  top: TopCategories | null;
  distinct = new HyperLogLog();

  constructor(
    readonly kind: ColumnKind,
    opts: ColumnSketchOptions = {},
  ) {
    this.quantiles = kind === 'numeric' ? new KllSketch(opts.kllK) : null;
    this.bins = kind === 'numeric' && opts.binEdges ? new FixedBins(opts.binEdges) : null;
    this.top = kind === 'categorical' ? new TopCategories() : null;
  }

  add(value: unknown): void {
    if (value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value))) {
      this.moments.addNull();
      return;
    }
    if (this.kind === 'numeric') this.addNumeric(value);
    else this.addCategorical(value);
  }

  private addNumeric(value: unknown): void {
    let x: number;
    if (typeof value === 'number') x = value;
    else if (typeof value === 'string') {
      x = Number(value.trim());
      if (value.trim() === '') x = NaN;
    } else if (typeof value === 'boolean') x = value ? 1 : 0;
    else x = NaN;
    if (!Number.isFinite(x)) {
      this.moments.addMismatch();
      return;
    }
    this.moments.addNumber(x);
    this.quantiles!.add(x);
    this.bins?.add(x);
    this.distinct.addNumber(x);
  }

  private addCategorical(value: unknown): void {
    if (typeof value === 'object') {
      this.moments.addMismatch();
      return;
    }
    const s = String(value);
    this.moments.addPresent();
    this.top!.add(s);
    this.distinct.addString(s);
  }

  /** Cells that were neither null nor mismatched. */
  get valid(): number {
    return this.moments.count - this.moments.nulls - this.moments.mismatches;
  }

  get nullRate(): number {
    return this.moments.count ? this.moments.nulls / this.moments.count : 0;
  }

  merge(o: ColumnSketch): this {
    if (o.kind !== this.kind) throw new Error(`cannot merge a ${o.kind} column sketch into a ${this.kind} one`);
    const wasEmpty = this.moments.count === 0;
    this.moments.merge(o.moments);
    if (this.quantiles && o.quantiles) this.quantiles.merge(o.quantiles);
    if (this.bins && o.bins) this.bins.merge(o.bins);
    else if (!this.bins && o.bins && wasEmpty) this.bins = FixedBins.fromJSON(o.bins.toJSON());
    if (this.top && o.top) this.top.merge(o.top);
    this.distinct.merge(o.distinct);
    return this;
  }

  /** An empty sketch of the same kind over the same bin edges. */
  emptyLike(): ColumnSketch {
    return new ColumnSketch(this.kind, { binEdges: this.bins?.edges, kllK: this.quantiles?.k });
  }

  toJSON(): ColumnSketchJSON {
    const j: ColumnSketchJSON = { kind: this.kind, moments: this.moments.toJSON(), distinct: this.distinct.toJSON() };
    if (this.quantiles) j.quantiles = this.quantiles.toJSON();
    if (this.bins) j.bins = this.bins.toJSON();
    if (this.top) j.top = this.top.toJSON();
    return j;
  }

  static fromJSON(j: ColumnSketchJSON): ColumnSketch {
    if (j.kind !== 'numeric' && j.kind !== 'categorical') throw new Error(`unknown column sketch kind ${String(j.kind)}`);
    const s = new ColumnSketch(j.kind, { kllK: j.quantiles?.k });
    s.moments.merge(Moments.fromJSON(j.moments));
    if (j.quantiles) s.quantiles = KllSketch.fromJSON(j.quantiles);
    if (j.bins) s.bins = FixedBins.fromJSON(j.bins);
    if (j.top) s.top = TopCategories.fromJSON(j.top);
    s.distinct = HyperLogLog.fromJSON(j.distinct);
    return s;
  }
}

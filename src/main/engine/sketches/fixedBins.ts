/**
 * Counts over fixed edges: bin i holds edges[i] <= x < edges[i+1]; values below the first edge go to
 * `under`, values at or above the last edge to `over`. The edges come from the reference (its
 * quantiles), so every window of a monitored column counts over the same edges and windows merge
 * exactly. Merging bins with other edges is refused rather than guessed.
 */
export interface FixedBinsJSON {
  edges: number[];
  counts: number[];
  under: number;
  over: number;
}

export class FixedBins {
  readonly counts: Float64Array;
  under = 0;
  over = 0;

  constructor(readonly edges: readonly number[]) {
    for (let i = 1; i < edges.length; i++) if (!(edges[i] > edges[i - 1])) throw new Error('bin edges must increase strictly');
    this.counts = new Float64Array(Math.max(0, edges.length - 1));
  }

  /** Edges at the distinct quantiles of `quantile` (e.g. a reference's KLL), at most `bins` bins. */
  static edgesFromQuantiles(quantile: (q: number) => number | null, bins: number, min: number, max: number): number[] {
    return FixedBins.edgesAt(quantile, Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins), min, max);
  }

  /** Edges at the distinct values of `quantile` at the ascending probabilities `qs`, between min and max. */
  static edgesAt(quantile: (q: number) => number | null, qs: readonly number[], min: number, max: number): number[] {
    const edges: number[] = [min];
    for (const p of qs) {
      const q = quantile(p);
      if (q !== null && q > edges[edges.length - 1] && q < max) edges.push(q);
    }
    // The last edge sits just above max so the reference's own maximum falls inside the last bin.
    const top = max + Math.max(Math.abs(max) * 1e-9, 1e-12);
    if (top > edges[edges.length - 1]) edges.push(top);
    else edges.push(edges[edges.length - 1] + 1e-12);
    return edges;
  }

  add(x: number, weight = 1): void {
    const e = this.edges;
    if (e.length < 2 || x < e[0]) {
      if (e.length >= 2) this.under += weight;
      else this.over += weight;
      return;
    }
    if (x >= e[e.length - 1]) {
      this.over += weight;
      return;
    }
    let lo = 0;
    let hi = e.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (e[mid] <= x) lo = mid;
      else hi = mid;
    }
    this.counts[lo] += weight;
  }

  get total(): number {
    let s = this.under + this.over;
    for (const c of this.counts) s += c;
    return s;
  }

  /** under, bins..., over: the vector distances compare. */
  vector(): number[] {
    return [this.under, ...this.counts, this.over];
  }

  sameEdges(o: FixedBins): boolean {
    if (o.edges === this.edges) return true;
    return o.edges.length === this.edges.length && o.edges.every((x, i) => x === this.edges[i]);
  }

  merge(o: FixedBins): this {
    if (!this.sameEdges(o)) throw new Error('cannot merge bins over different edges');
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += o.counts[i];
    this.under += o.under;
    this.over += o.over;
    return this;
  }

  /** An empty copy over the same edges (a window's bins from a reference's). */
  emptyLike(): FixedBins {
    return new FixedBins(this.edges);
  }

  toJSON(): FixedBinsJSON {
    return { edges: [...this.edges], counts: Array.from(this.counts), under: this.under, over: this.over };
  }

  static fromJSON(j: FixedBinsJSON): FixedBins {
    const b = new FixedBins(j.edges);
    if (j.counts.length !== b.counts.length) throw new Error('bin counts do not match the edges');
    b.counts.set(j.counts);
    b.under = j.under;
    b.over = j.over;
    return b;
  }
}

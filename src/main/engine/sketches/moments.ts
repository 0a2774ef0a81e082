/**
 * Exact counts and moments of a column: rows seen, nulls, values of the wrong type, and for numbers
 * min, max, sum and sum of squares. Merging adds; nothing is approximate here.
 */
export interface MomentsJSON {
  count: number;
  nulls: number;
  mismatches: number;
  n: number;
  min: number | null;
  max: number | null;
  sum: number;
  sumSq: number;
}

export class Moments {
  /** Every cell offered (null, mismatched or valid). */
  count = 0;
  nulls = 0;
  mismatches = 0;
  /** Valid numeric values. */
  n = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  sumSq = 0;

  addNull(): void {
    this.count++;
    this.nulls++;
  }

  addMismatch(): void {
    this.count++;
    this.mismatches++;
  }

  /** A valid cell that is not a number (categorical columns). */
  addPresent(): void {
    this.count++;
  }

  addNumber(x: number): void {
    this.count++;
    this.n++;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.sum += x;
    this.sumSq += x * x;
  }

  get mean(): number | null {
    return this.n === 0 ? null : this.sum / this.n;
  }

  /** Population variance (ddof 0), clamped at 0 against rounding. */
  get variance(): number | null {
    if (this.n === 0) return null;
    const m = this.sum / this.n;
    return Math.max(0, this.sumSq / this.n - m * m);
  }

  merge(o: Moments): this {
    this.count += o.count;
    this.nulls += o.nulls;
    this.mismatches += o.mismatches;
    this.n += o.n;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    this.sum += o.sum;
    this.sumSq += o.sumSq;
    return this;
  }

  toJSON(): MomentsJSON {
    const { count, nulls, mismatches, n, sum, sumSq } = this;
    return { count, nulls, mismatches, n, min: n ? this.min : null, max: n ? this.max : null, sum, sumSq };
  }

  static fromJSON(j: MomentsJSON): Moments {
    const m = new Moments();
    m.count = j.count;
    m.nulls = j.nulls;
    m.mismatches = j.mismatches;
    m.n = j.n;
    m.min = j.min ?? Infinity;
    m.max = j.max ?? -Infinity;
    m.sum = j.sum;
    m.sumSq = j.sumSq;
    return m;
  }
}

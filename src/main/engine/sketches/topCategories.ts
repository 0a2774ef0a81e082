/**
 * Most frequent categories with an "other" remainder: the Misra-Gries summary (the mergeable form of
 * Agarwal et al. 2012). Exact while a column has at most `capacity` distinct values; beyond that
 * every kept count is an underestimate by at most (n - kept total) / (capacity + 1), and any category
 * more frequent than n / (capacity + 1) is kept. Labels are cut to MAX_LABEL characters so a
 * column's sketch stays small.
 */
export const TOP_CAPACITY = 64;
export const MAX_LABEL = 100;

export interface TopCategoriesJSON {
  capacity: number;
  n: number;
  items: [string, number][];
}

export class TopCategories {
  n = 0;
  private counts = new Map<string, number>();

  constructor(readonly capacity = TOP_CAPACITY) {}

  add(value: string, weight = 1): void {
    const key = value.length > MAX_LABEL ? value.slice(0, MAX_LABEL) : value;
    this.n += weight;
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + weight);
      return;
    }
    this.counts.set(key, weight);
    if (this.counts.size > this.capacity) this.reduce();
  }

  /** Misra-Gries decrement: subtract the (capacity+1)-th largest count from all, drop what reaches 0. */
  private reduce(): void {
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity];
    for (const [k, c] of this.counts) {
      if (c <= cut) this.counts.delete(k);
      else this.counts.set(k, c - cut);
    }
  }

  /** Count of a category (0 when not kept). */
  count(value: string): number {
    return this.counts.get(value.length > MAX_LABEL ? value.slice(0, MAX_LABEL) : value) ?? 0;
  }

  /** Kept categories, most frequent first (ties by name), and what the rest add up to. */
  top(limit = this.capacity): { items: { value: string; count: number }[]; other: number } {
    const items = [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([value, count]) => ({ value, count }));
    const kept = items.reduce((s, i) => s + i.count, 0);
    return { items, other: this.n - kept };
  }

  /** Whether the counts are exact (no reduction has ever dropped anything). */
  get exact(): boolean {
    let s = 0;
    for (const c of this.counts.values()) s += c;
    return s === this.n;
  }

  merge(o: TopCategories): this {
    for (const [k, c] of o.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + c);
    this.n += o.n;
    while (this.counts.size > this.capacity) this.reduce();
    return this;
  }

  toJSON(): TopCategoriesJSON {
    return { capacity: this.capacity, n: this.n, items: [...this.counts.entries()] };
  }

  static fromJSON(j: TopCategoriesJSON): TopCategories {
    const t = new TopCategories(j.capacity);
    t.n = j.n;
    for (const [k, c] of j.items) t.counts.set(k, c);
    return t;
  }
}

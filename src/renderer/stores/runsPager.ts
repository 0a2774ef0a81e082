import { LruCache, pagesFor } from './rowPager';

export type FetchItems<T> = (offset: number, limit: number) => Promise<{ items: T[]; total: number }>;

/**
 * Pages of a server-sorted, server-filtered list (runs) fetched as a virtual table scrolls: only
 * visible pages (plus overscan), at most two at a time, newest wish first, kept in an LRU. The same
 * scheme as the dataset RowPager, for items instead of cell arrays.
 */
export class ItemPager<T> {
  readonly pageSize: number;
  private cache: LruCache<number, T[]>;
  private inflight = new Set<number>();
  private wanted: number[] = [];
  private listeners = new Set<() => void>();
  private disposed = false;
  total: number | null = null;
  error: unknown = null;
  revision = 0;

  constructor(
    private readonly fetchItems: FetchItems<T>,
    opts: { pageSize?: number; cachePages?: number; concurrency?: number } = {},
  ) {
    this.pageSize = opts.pageSize ?? 200;
    this.cache = new LruCache(opts.cachePages ?? 60);
    this.concurrency = opts.concurrency ?? 2;
  }
  private readonly concurrency: number;

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  item(index: number): T | undefined {
    return this.cache.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Every item loaded so far, without touching the LRU order. */
  loaded(): { index: number; item: T }[] {
    const out: { index: number; item: T }[] = [];
    for (let p = 0; this.total !== null && p * this.pageSize < this.total; p++) {
      if (!this.cache.has(p)) continue;
      const page = this.cache.get(p)!;
      page.forEach((item, i) => out.push({ index: p * this.pageSize + i, item }));
    }
    return out;
  }

  request(first: number, last: number, overscan = 1): void {
    const total = this.total ?? last + 1;
    this.wanted = pagesFor(first, last, this.pageSize, Math.max(total, 1), overscan).filter((p) => !this.cache.has(p));
    this.pump();
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    this.cache.clear();
  }

  private emit(): void {
    this.revision++;
    for (const l of this.listeners) l();
  }

  private pump(): void {
    while (this.inflight.size < this.concurrency) {
      const next = this.wanted.find((p) => !this.inflight.has(p) && !this.cache.has(p));
      if (next === undefined) return;
      this.wanted = this.wanted.filter((p) => p !== next);
      this.load(next);
    }
  }

  private load(page: number): void {
    this.inflight.add(page);
    this.fetchItems(page * this.pageSize, this.pageSize).then(
      (res) => {
        this.inflight.delete(page);
        if (this.disposed) return;
        this.total = res.total;
        this.error = null;
        this.cache.set(page, res.items);
        this.emit();
        this.pump();
      },
      (e) => {
        this.inflight.delete(page);
        if (this.disposed) return;
        this.error = e;
        this.emit();
      },
    );
  }
}

import type { CellValue, RowPage } from '../../shared/datasets';

/** A least-recently-used map: reading or writing a key makes it newest; the oldest goes first. */
export class LruCache<K, V> {
  private map = new Map<K, V>();
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  has(key: K): boolean {
    return this.map.has(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
}

export type FetchPage = (offset: number, limit: number) => Promise<RowPage>;

/** The pages (0-based) that hold rows [first, last], plus `overscan` pages either side. */
export function pagesFor(first: number, last: number, pageSize: number, total: number, overscan = 0): number[] {
  if (total <= 0 || last < first) return [];
  const maxPage = Math.floor((total - 1) / pageSize);
  const a = Math.max(0, Math.floor(first / pageSize) - overscan);
  const b = Math.min(maxPage, Math.floor(Math.min(last, total - 1) / pageSize) + overscan);
  const out: number[] = [];
  for (let p = a; p <= b; p++) out.push(p);
  return out;
}

/**
 * Pages rows of one dataset version from the engine as the table scrolls: only the pages that are
 * visible (plus a little overscan) are fetched, at most `concurrency` at a time, newest wish first;
 * pages scrolled past before their turn are never requested. Fetched pages live in an LRU so
 * scrolling back is instant and memory stays bounded on a million rows.
 */
export class RowPager {
  readonly pageSize: number;
  private cache: LruCache<number, CellValue[][]>;
  private inflight = new Set<number>();
  private wanted: number[] = [];
  private listeners = new Set<() => void>();
  private disposed = false;
  columns: string[] | null = null;
  total: number | null = null;
  error: unknown = null;
  /** Bumps whenever a page lands, so React can re-render cheaply. */
  revision = 0;

  constructor(
    private readonly fetchPage: FetchPage,
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

  /** The row at `index`, or undefined while its page is loading. */
  row(index: number): CellValue[] | undefined {
    const page = this.cache.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  hasPage(page: number): boolean {
    return this.cache.has(page);
  }

  get cachedPages(): number {
    return this.cache.size;
  }

  /** Ask for the rows [first, last]; replaces any earlier wish. */
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
    this.fetchPage(page * this.pageSize, this.pageSize).then(
      (res) => {
        this.inflight.delete(page);
        if (this.disposed) return;
        this.columns = res.columns;
        this.total = res.total;
        this.error = null;
        this.cache.set(page, res.rows);
        this.revision++;
        for (const l of this.listeners) l();
        this.pump();
      },
      (e) => {
        this.inflight.delete(page);
        if (this.disposed) return;
        this.error = e;
        this.revision++;
        for (const l of this.listeners) l();
      },
    );
  }
}

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

export type FetchItems<T> = (offset: number, limit: number) => Promise<{ items: T[]; total: number }>;

/**
 * Pages of a long server-side list (a dataset version's rows, a filtered and sorted runs table) fetched
 * as a virtual table scrolls: only the pages that are visible (plus a little overscan), at most
 * `concurrency` at a time, newest wish first; pages scrolled past before their turn are never
 * requested. Fetched pages live in an LRU so scrolling back is instant and memory stays bounded.
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
  /** Bumps whenever a page lands, so React can re-render cheaply. */
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

  hasPage(page: number): boolean {
    return this.cache.has(page);
  }

  get cachedPages(): number {
    return this.cache.size;
  }

  /** The item at `index`, or undefined while its page is loading. */
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

  /** Ask for the items [first, last]; replaces any earlier wish. */
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

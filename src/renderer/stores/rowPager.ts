import type { CellValue, RowPage } from '../../shared/datasets';
import { ItemPager } from './pager';

export { LruCache, pagesFor } from './pager';

export type FetchPage = (offset: number, limit: number) => Promise<RowPage>;

/** Rows of one dataset version, paged from the engine as the table scrolls (see ItemPager). */
export class RowPager extends ItemPager<CellValue[]> {
  private readonly seen: { columns: string[] | null };

  constructor(fetchPage: FetchPage, opts: { pageSize?: number; cachePages?: number; concurrency?: number } = {}) {
    const seen: { columns: string[] | null } = { columns: null };
    super(async (offset, limit) => {
      const page = await fetchPage(offset, limit);
      seen.columns = page.columns;
      return { items: page.rows, total: page.total };
    }, opts);
    this.seen = seen;
  }

  /** The version's columns, once the first page has landed. */
  get columns(): string[] | null {
    return this.seen.columns;
  }

  /** The row at `index`, or undefined while its page is loading. */
  row(index: number): CellValue[] | undefined {
    return this.item(index);
  }
}

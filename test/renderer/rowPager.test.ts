import { describe, expect, it } from 'vitest';
import { LruCache, pagesFor, RowPager } from '../../src/renderer/stores/rowPager';
import type { RowPage } from '../../src/shared/datasets';

const TOTAL = 1_000_000;
function fakeEngine() {
  const calls: number[] = [];
  const pending: (() => void)[] = [];
  const fetchPage = (offset: number, limit: number) =>
    new Promise<RowPage>((resolve) => {
      calls.push(offset);
      const rows = Array.from({ length: Math.min(limit, TOTAL - offset) }, (_, i) => [offset + i, `r${offset + i}`]);
      pending.push(() => resolve({ columns: ['id', 'name'], offset, rows, total: TOTAL }));
    });
  const flush = async () => {
    while (pending.length) {
      pending.shift()!();
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  return { calls, fetchPage, flush };
}

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const c = new LruCache<number, string>(2);
    c.set(1, 'a');
    c.set(2, 'b');
    expect(c.get(1)).toBe('a'); // 1 is now newest
    c.set(3, 'c');
    expect(c.has(2)).toBe(false);
    expect(c.has(1)).toBe(true);
    expect(c.size).toBe(2);
  });
});

describe('pagesFor', () => {
  it('covers the visible rows plus overscan, clamped to the table', () => {
    expect(pagesFor(0, 30, 200, 1000)).toEqual([0]);
    expect(pagesFor(190, 230, 200, 1000)).toEqual([0, 1]);
    expect(pagesFor(450, 470, 200, 1000, 1)).toEqual([1, 2, 3]);
    expect(pagesFor(990, 1010, 200, 1000, 1)).toEqual([3, 4]);
    expect(pagesFor(0, 10, 200, 0)).toEqual([]);
  });
});

describe('RowPager', () => {
  it('fetches only the pages on screen, at most two at a time, and serves rows from the cache', async () => {
    const e = fakeEngine();
    const pager = new RowPager(e.fetchPage, { pageSize: 200, cachePages: 4, concurrency: 2 });
    pager.request(0, 40, 0);
    expect(e.calls).toEqual([0]);
    await e.flush();
    expect(pager.total).toBe(TOTAL);
    expect(pager.columns).toEqual(['id', 'name']);
    expect(pager.row(39)).toEqual([39, 'r39']);
    expect(pager.row(400)).toBeUndefined();

    // Jump to the middle of a million rows: one page (plus overscan), not everything in between.
    pager.request(500_000, 500_040, 1);
    expect(e.calls.length).toBe(3); // two in flight, one waiting
    await e.flush();
    expect(e.calls.slice(1).sort((a, b) => a - b)).toEqual([499_800, 500_000, 500_200]);
    expect(pager.row(500_001)).toEqual([500_001, 'r500001']);
  });

  it('drops wishes scrolled past before their turn', async () => {
    const e = fakeEngine();
    const pager = new RowPager(e.fetchPage, { pageSize: 100, concurrency: 1 });
    pager.request(0, 10, 0); // in flight
    pager.request(1000, 1010, 0); // waits
    pager.request(5000, 5010, 0); // replaces the wish above
    await e.flush();
    expect(e.calls).toEqual([0, 5000]);
  });

  it('keeps memory bounded with an LRU of pages', async () => {
    const e = fakeEngine();
    const pager = new RowPager(e.fetchPage, { pageSize: 100, cachePages: 3, concurrency: 4 });
    pager.total = TOTAL;
    for (let p = 0; p < 10; p++) {
      pager.request(p * 100, p * 100 + 10, 0);
      await e.flush();
    }
    expect(pager.cachedPages).toBe(3);
    expect(pager.hasPage(9)).toBe(true);
    expect(pager.hasPage(0)).toBe(false);
  });

  it('notifies listeners when a page lands and records errors', async () => {
    let fail = true;
    const pager = new RowPager(async (offset) => {
      if (fail) throw new Error('boom');
      return { columns: ['a'], offset, rows: [[1]], total: 1 };
    });
    let notified = 0;
    pager.subscribe(() => notified++);
    pager.request(0, 0, 0);
    await new Promise((r) => setTimeout(r, 0));
    expect(pager.error).toBeInstanceOf(Error);
    fail = false;
    pager.request(0, 0, 0);
    await new Promise((r) => setTimeout(r, 0));
    expect(pager.error).toBeNull();
    expect(pager.row(0)).toEqual([1]);
    expect(notified).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { StreamingHistogram } from '../../src/main/engine/datasets/histogram';
import { ColumnProfiler } from '../../src/main/engine/datasets/profile';
import { QUANTILE_PROBS, QUANTILE_RANK_ERROR, sortBatch } from '../../src/main/engine/datasets/quantiles';
import type { ColumnQuantiles } from '../../src/shared/datasets';
import { expectQuantilesWithin } from './quantileCheck';

/**
 * The merges the parallel import relies on, checked directly: a column's profile built from parts
 * in any order and any split equals the profile built in one pass over the same values.
 */

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

function splitAt(values: number[], r: () => number): number[][] {
  const cuts = [...new Set(Array.from({ length: 1 + Math.floor(r() * 6) }, () => Math.floor(r() * values.length)))].sort((a, b) => a - b);
  const parts: number[][] = [];
  let at = 0;
  for (const c of [...cuts, values.length]) {
    parts.push(values.slice(at, c));
    at = c;
  }
  return parts;
}

const SHAPES: [string, (r: () => number, i: number) => number][] = [
  ['sorted ids', (_r, i) => i],
  ['uniform', (r) => r() * 100 - 50],
  ['tiny range at a large magnitude', (r) => 1e9 + r() * 1e-3],
  ['heavy tail', (r) => Math.exp(r() * 30) * (r() < 0.5 ? -1 : 1)],
  ['constant', () => 42],
  ['few values', (r) => Math.floor(r() * 3)],
];

describe('histograms merge exactly', () => {
  for (const [name, gen] of SHAPES) {
    it(`${name}: parts in any order give the one-pass bins`, () => {
      const r = rng(name.length * 7919);
      for (const n of [10, 1023, 1024, 1025, 5000]) {
        const values = Array.from({ length: n }, (_, i) => gen(r, i));
        const one = new StreamingHistogram();
        values.forEach((v) => one.add(v));
        for (let trial = 0; trial < 5; trial++) {
          const parts = splitAt(values, r).map((p) => {
            const h = new StreamingHistogram();
            p.forEach((v) => h.add(v));
            return h.state();
          });
          if (trial % 2) parts.reverse();
          const merged = new StreamingHistogram();
          parts.forEach((p) => merged.merge(p));
          expect(merged.result(), `${n} values, trial ${trial}`).toEqual(one.result());
        }
      }
    });
  }
});

describe('column profiles merge exactly', () => {
  it('counts, types, mean/std, distinct (below and past the cap) and top values', () => {
    const r = rng(3);
    const cells = Array.from({ length: 120_000 }, (_, i) => (i % 17 === 0 ? '' : i % 5 === 0 ? `w${i % 60_000}` : (r() * 1000).toFixed(2)));
    const feed = (p: ColumnProfiler, xs: string[]) =>
      xs.forEach((v) => {
        const b = Buffer.from(v);
        p.addBytes(b, 0, b.length, false);
      });
    const one = new ColumnProfiler('c', 500);
    feed(one, cells);
    const parts = [cells.slice(0, 30_000), cells.slice(30_000, 31_000), cells.slice(31_000)].map((xs) => {
      const p = new ColumnProfiler('c', 500);
      feed(p, xs);
      return p.state();
    });
    const merged = new ColumnProfiler('c', 500);
    [parts[2], parts[0], parts[1]].forEach((s) => merged.merge(s));
    expect(merged.result()).toEqual(one.result());
    expect(one.result()).toMatchObject({ type: 'text', distinctApprox: true });
  });

  it('refuses to merge parts taken around different shifts', () => {
    const a = new ColumnProfiler('c', 1);
    expect(() => a.merge(new ColumnProfiler('c', 2).state())).toThrow(/different shifts/);
  });
});

describe('top values at the categorical limit (texts are kept only up to 1000 distinct values)', () => {
  const column = (distinct: number, rows: number) => Array.from({ length: rows }, (_, i) => `v${(i * 7919) % distinct}`);
  const profile = (cells: string[], splits: number[]) => {
    const one = new ColumnProfiler('c');
    cells.forEach((t) => one.addBytes(Buffer.from(t), 0, t.length, false));
    const merged = new ColumnProfiler('c');
    [0, ...splits].forEach((from, k, all) => {
      const p = new ColumnProfiler('c');
      cells.slice(from, all[k + 1] ?? cells.length).forEach((t) => p.addBytes(Buffer.from(t), 0, t.length, false));
      merged.merge(p.state());
    });
    expect(merged.result()).toEqual(one.result());
    return one.result();
  };

  it('1000 distinct values: categorical with its top values, split or not', () => {
    const r = profile(column(1000, 5000), [1200, 3000]);
    expect(r.type).toBe('categorical');
    expect(r.distinct).toBe(1000);
    expect(r.top?.length).toBe(10);
    expect(r.top?.[0].count).toBe(5);
  });

  it('1001 distinct values, from parts of fewer: text, no top values', () => {
    const cells = column(1001, 5000);
    // The first part alone has at most 1000 distinct values (its texts kept); the union has 1001.
    const r = profile(cells, [900]);
    expect(r.type).toBe('text');
    expect(r.distinct).toBe(1001);
    expect(r.top).toBeUndefined();
  });
});

describe('quantiles: approximate, within the sketch bound whatever the split', () => {
  const feedNumbers = (p: ColumnProfiler, xs: number[]) =>
    xs.forEach((v) => {
      const b = Buffer.from(String(v));
      p.addBytes(b, 0, b.length, false);
    });

  it('parts merged in any order and one pass both stay within the rank bound of the exact quantiles', () => {
    for (const [name, gen] of SHAPES) {
      const r = rng(name.length * 31);
      for (const n of [5000, 100_000]) {
        const values = Array.from({ length: n }, (_, i) => gen(r, i));
        const one = new ColumnProfiler(name);
        feedNumbers(one, values);
        const parts = splitAt(values, r).map((xs) => {
          const p = new ColumnProfiler(name);
          feedNumbers(p, xs);
          return p.state();
        });
        const merged = new ColumnProfiler(name);
        parts.reverse().forEach((s) => merged.merge(s));
        // String(v) round-trips every double, so the profiler saw exactly `values`.
        expectQuantilesWithin(one.result(), values);
        expectQuantilesWithin(merged.result(), values);
      }
    }
  });

  it('a known column: 1..200000 shuffled gives its percentiles to within the bound', () => {
    const n = 200_000;
    const values = Array.from({ length: n }, (_, i) => i + 1);
    const r = rng(17);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [values[i], values[j]] = [values[j], values[i]];
    }
    const p = new ColumnProfiler('k');
    feedNumbers(p, values);
    const q = p.result().quantiles;
    expect(q).toBeDefined();
    // The value at rank q of 1..n is q * n: the estimate is that within QUANTILE_RANK_ERROR * n.
    for (const [name, prob] of QUANTILE_PROBS) expect(Math.abs((q as ColumnQuantiles)[name] - prob * n)).toBeLessThanOrEqual(QUANTILE_RANK_ERROR * n);
    expect(QUANTILE_RANK_ERROR).toBeLessThan(0.016);
  });

  it('a short column (fewer values than KLL keeps) has exact quantiles, split or not', () => {
    const values = Array.from({ length: 150 }, (_, i) => (i * 37) % 150);
    const one = new ColumnProfiler('s');
    feedNumbers(one, values);
    const parts = [values.slice(0, 40), values.slice(40, 41), values.slice(41)].map((xs) => {
      const p = new ColumnProfiler('s');
      feedNumbers(p, xs);
      return p.state();
    });
    const merged = new ColumnProfiler('s');
    parts.forEach((s) => merged.merge(s));
    const sorted = [...values].sort((a, b) => a - b);
    const exact = Object.fromEntries(QUANTILE_PROBS.map(([name, prob]) => [name, sorted[Math.max(0, Math.ceil(prob * 150) - 1)]]));
    expect(one.result().quantiles).toEqual(exact);
    expect(merged.result().quantiles).toEqual(exact);
    expect(merged.result()).toEqual(one.result());
  });

  it('a column of at most 50,000 distinct numbers has exact quantiles from its counts, split or not', () => {
    const r = rng(99);
    // 3,000 distinct prices over 60,000 rows ("1.5" and "1.50" are two distinct texts of one number).
    const texts = Array.from({ length: 60_000 }, () => {
      const cents = Math.floor(r() * 3000);
      return r() < 0.1 ? (cents / 100).toFixed(3) : (cents / 100).toFixed(2);
    });
    const feed = (p: ColumnProfiler, xs: string[]) => xs.forEach((t) => p.addBytes(Buffer.from(t), 0, t.length, false));
    const one = new ColumnProfiler('price');
    feed(one, texts);
    const parts = [texts.slice(0, 7), texts.slice(7, 31_000), texts.slice(31_000)].map((xs) => {
      const p = new ColumnProfiler('price');
      feed(p, xs);
      return p.state();
    });
    const merged = new ColumnProfiler('price');
    parts.reverse().forEach((s) => merged.merge(s));
    const sorted = texts.map(Number).sort((a, b) => a - b);
    const exact = Object.fromEntries(QUANTILE_PROBS.map(([name, prob]) => [name, sorted[Math.max(0, Math.ceil(prob * sorted.length) - 1)]]));
    expect(one.result().quantiles).toEqual(exact);
    expect(merged.result()).toEqual(one.result());
  });

  it('a column that passes the exact cap midway moves its counted numbers into the sketch (within the bound)', () => {
    // 40,000 values from 100 distinct, then 60,000 distinct ones: the counter gives up at 50,000.
    const r = rng(5);
    const values = [...Array.from({ length: 40_000 }, () => Math.floor(r() * 100)), ...Array.from({ length: 60_000 }, (_, i) => 1000 + i + r())];
    const one = new ColumnProfiler('late');
    feedNumbers(one, values);
    expect(one.result().distinctApprox).toBe(true);
    expectQuantilesWithin(one.result(), values);
    // Two parts under the cap whose union is over it.
    const halves = [values.slice(0, 70_000), values.slice(70_000)].map((xs) => {
      const p = new ColumnProfiler('late');
      feedNumbers(p, xs);
      return p.state();
    });
    const merged = new ColumnProfiler('late');
    halves.forEach((s) => merged.merge(s));
    expect(merged.result().count).toBe(values.length);
    expectQuantilesWithin(merged.result(), values);
  });

  it('text, boolean and date columns have no quantiles', () => {
    for (const cells of [['a', 'b'], ['true', 'false'], ['2024-01-01', '2024-02-01']]) {
      const p = new ColumnProfiler('t');
      cells.forEach((v) => p.addBytes(Buffer.from(v), 0, v.length, false));
      expect(p.result().quantiles).toBeUndefined();
    }
  });
});

describe('the quantile batch sort', () => {
  it('sorts like Float64Array.sort: spread, clustered, heavy-tailed, constant, with duplicates and negatives', () => {
    const r = rng(23);
    const shapes: (() => number)[] = [() => r() * 100 - 50, () => (r() < 0.95 ? 1 + r() * 1e-9 : r() * 1e6), () => Math.exp(r() * 40) * (r() < 0.5 ? -1 : 1), () => 7, () => Math.floor(r() * 5) - 2, () => (r() < 0.5 ? -0 : 0)];
    const scratch = new Float64Array(4096);
    const counts = new Int32Array(513);
    for (const gen of shapes) {
      const values = Float64Array.from({ length: 4096 }, gen);
      const want = Float64Array.from(values).sort();
      expect(Array.from(sortBatch(values, scratch, counts))).toEqual(Array.from(want));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ColumnSketch, FixedBins, HyperLogLog, KllSketch, Moments, TopCategories } from '../../src/main/engine/sketches';

/** A small seeded generator so the tests are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}
function exactRank(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (sorted[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo / sorted.length;
}
const roundTrip = <T extends { toJSON(): unknown }>(s: T): unknown => JSON.parse(JSON.stringify(s.toJSON()));

describe('Moments', () => {
  it('counts and moments are exact and merge by adding', () => {
    const a = new Moments();
    const b = new Moments();
    [1, 2, 3].forEach((x) => a.addNumber(x));
    [10, -4].forEach((x) => b.addNumber(x));
    a.addNull();
    b.addMismatch();
    a.merge(Moments.fromJSON(roundTrip(b) as never));
    expect(a.toJSON()).toEqual({ count: 7, nulls: 1, mismatches: 1, n: 5, min: -4, max: 10, sum: 12, sumSq: 1 + 4 + 9 + 100 + 16 });
    expect(a.mean).toBeCloseTo(12 / 5, 12);
    expect(a.variance).toBeCloseTo(130 / 5 - (12 / 5) ** 2, 12);
  });
});

describe('KllSketch', () => {
  it('is exact while small', () => {
    const s = new KllSketch();
    for (let i = 100; i >= 1; i--) s.add(i);
    expect(s.quantile(0.5)).toBe(50);
    expect(s.cdf(25)).toBe(0.25);
    expect(s.quantile(0)).toBe(1);
    expect(s.quantile(1)).toBe(100);
  });

  it('keeps the rank error within 1.65% at 1e5 values, merged from 10 parts, after a JSON round trip', () => {
    const r = rng(7);
    const all = new Float64Array(100_000);
    const parts = Array.from({ length: 10 }, () => new KllSketch());
    for (let i = 0; i < all.length; i++) {
      const x = normal(r) * 3 + 5;
      all[i] = x;
      parts[i % 10].add(x);
    }
    const merged = parts.reduce((a, b) => a.merge(b), new KllSketch());
    const back = KllSketch.fromJSON(roundTrip(merged) as never);
    expect(back.n).toBe(100_000);
    const sorted = Float64Array.from(all).sort();
    let worst = 0;
    for (let q = 0.01; q < 1; q += 0.01) {
      const v = back.quantile(q)!;
      worst = Math.max(worst, Math.abs(exactRank(sorted, v) - q));
      worst = Math.max(worst, Math.abs(back.cdf(v) - exactRank(sorted, v)));
    }
    expect(worst).toBeLessThan(0.0165);
    expect(JSON.stringify(back.toJSON()).length).toBeLessThan(8 * 1024);
    expect(back.retained).toBeLessThan(1000);
  });

  it('refuses a JSON whose levels do not weigh n', () => {
    const s = new KllSketch();
    s.add(1);
    const j = s.toJSON();
    expect(() => KllSketch.fromJSON({ ...j, n: 5 })).toThrow(/weigh/);
  });
});

describe('HyperLogLog', () => {
  it('estimates distinct counts within 3 standard errors and merges as a union', () => {
    for (const n of [10, 1000, 50_000, 300_000]) {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) h.addString(`user-${i}`);
      expect(Math.abs(h.estimate() - n) / n).toBeLessThan(n <= 1000 ? 0.02 : 3 * 0.023);
    }
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 20_000; i++) a.addNumber(i);
    for (let i = 10_000; i < 30_000; i++) b.addNumber(i);
    a.merge(HyperLogLog.fromJSON(roundTrip(b) as never));
    expect(Math.abs(a.estimate() - 30_000) / 30_000).toBeLessThan(0.07);
  });
});

describe('FixedBins', () => {
  it('counts over fixed edges exactly and merges only with the same edges', () => {
    const b = new FixedBins([0, 1, 2, 3]);
    [-1, 0, 0.5, 1, 2.999, 3, 7].forEach((x) => b.add(x));
    expect(b.vector()).toEqual([1, 2, 1, 1, 2]);
    const c = FixedBins.fromJSON(roundTrip(b) as never);
    c.merge(b);
    expect(c.vector()).toEqual([2, 4, 2, 2, 4]);
    expect(() => c.merge(new FixedBins([0, 1]))).toThrow(/different edges/);
  });

  it('takes edges from quantiles, the maximum inside the last bin', () => {
    const s = new KllSketch();
    for (let i = 0; i < 100; i++) s.add(i);
    const edges = FixedBins.edgesFromQuantiles((q) => s.quantile(q), 4, 0, 99);
    expect(edges.slice(0, 4)).toEqual([0, 24, 49, 74]);
    const b = new FixedBins(edges);
    for (let i = 0; i < 100; i++) b.add(i);
    expect(b.vector()).toEqual([0, 24, 25, 25, 26, 0]);
  });
});

describe('TopCategories', () => {
  it('is exact under its capacity', () => {
    const t = new TopCategories(4);
    'aabbbcd'.split('').forEach((c) => t.add(c));
    expect(t.top()).toEqual({ items: [{ value: 'b', count: 3 }, { value: 'a', count: 2 }, { value: 'c', count: 1 }, { value: 'd', count: 1 }], other: 0 });
    expect(t.exact).toBe(true);
  });

  it('keeps every heavy hitter beyond capacity with the Misra-Gries bound, merged', () => {
    const r = rng(3);
    const exact = new Map<string, number>();
    const parts = [new TopCategories(16), new TopCategories(16), new TopCategories(16)];
    const n = 30_000;
    for (let i = 0; i < n; i++) {
      const v = r() < 0.5 ? `h${Math.floor(r() * 4)}` : `t${Math.floor(r() * 5000)}`;
      exact.set(v, (exact.get(v) ?? 0) + 1);
      parts[i % 3].add(v);
    }
    const m = TopCategories.fromJSON(roundTrip(parts[0].merge(parts[1]).merge(parts[2])) as never);
    expect(m.n).toBe(n);
    for (let h = 0; h < 4; h++) {
      const truth = exact.get(`h${h}`)!;
      const got = m.count(`h${h}`);
      expect(got).toBeLessThanOrEqual(truth);
      // Merged summaries: error at most n / (capacity + 1) overall.
      expect(truth - got).toBeLessThanOrEqual(n / 17);
    }
    expect(m.top(4).items.map((i) => i.value).sort()).toEqual(['h0', 'h1', 'h2', 'h3']);
  });
});

describe('ColumnSketch', () => {
  it('counts nulls and type mismatches and stays under 16 KB a column', () => {
    const r = rng(11);
    const num = new ColumnSketch('numeric', { binEdges: [0, 0.25, 0.5, 0.75, 1] });
    const cat = new ColumnSketch('categorical');
    for (let i = 0; i < 200_000; i++) {
      num.add(r());
      cat.add(`category-with-a-long-name-${Math.floor(r() * 10_000)}-${'x'.repeat(80)}`);
    }
    num.add(null);
    num.add('');
    num.add('abc');
    num.add('0.5');
    cat.add({ a: 1 });
    expect(num.moments.toJSON()).toMatchObject({ count: 200_004, nulls: 2, mismatches: 1, n: 200_001 });
    expect(cat.moments.mismatches).toBe(1);
    expect(num.bins!.total).toBe(200_001);
    for (const s of [num, cat]) {
      const text = JSON.stringify(s.toJSON());
      expect(text.length).toBeLessThan(16 * 1024);
      const back = ColumnSketch.fromJSON(JSON.parse(text));
      expect(JSON.stringify(back.toJSON())).toBe(text);
    }
  });

  it('a merge of parts equals the whole for every exact part', () => {
    const whole = new ColumnSketch('numeric', { binEdges: [0, 10, 20] });
    const parts = [whole.emptyLike(), whole.emptyLike()];
    for (let i = 0; i < 1000; i++) {
      const v = i % 37 === 0 ? null : (i * 7919) % 25;
      whole.add(v);
      parts[i % 2].add(v);
    }
    const merged = parts[0].merge(parts[1]);
    expect(merged.moments.toJSON()).toEqual(whole.moments.toJSON());
    expect(merged.bins!.vector()).toEqual(whole.bins!.vector());
    expect(merged.distinct.estimate()).toBeCloseTo(whole.distinct.estimate(), 9);
    expect(merged.quantiles!.quantile(0.5)).toBeCloseTo(whole.quantiles!.quantile(0.5)!, 0);
  });
});

import { describe, expect, it } from 'vitest';
import { downsampleIndices } from '../../src/main/engine/tracking/downsample';

function series(n: number, f: (i: number) => number) {
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = f(i);
  }
  return { xs, ys };
}

describe('LTTB downsampling', () => {
  it('returns everything when the series is short enough', () => {
    const { xs, ys } = series(10, (i) => i);
    expect([...downsampleIndices(xs, ys, 10)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps at most N points, the ends, and the global min and max (spikes survive)', () => {
    for (const n of [1000, 12_345, 100_000]) {
      for (const budget of [3, 5, 50, 500, 2000]) {
        const { xs, ys } = series(n, (i) => Math.sin(i / 50) + (i === 777 ? 40 : 0) - (i === n - 5 ? 40 : 0));
        const idx = downsampleIndices(xs, ys, budget);
        expect(idx.length).toBeLessThanOrEqual(budget);
        const kept = new Set(idx);
        expect(kept.has(777), `max n=${n} N=${budget}`).toBe(true);
        expect(kept.has(n - 5), `min n=${n} N=${budget}`).toBe(true);
        if (budget >= 5) {
          expect(idx[0]).toBe(0);
          expect(idx[idx.length - 1]).toBe(n - 1);
        }
        for (let k = 1; k < idx.length; k++) expect(idx[k]).toBeGreaterThan(idx[k - 1]);
      }
    }
  });

  it('follows the shape: a square wave keeps both levels across the range', () => {
    const { xs, ys } = series(50_000, (i) => (Math.floor(i / 5000) % 2 === 0 ? 0 : 1));
    const idx = downsampleIndices(xs, ys, 200);
    const highs = [...idx].filter((i) => ys[i] === 1).length;
    expect(highs).toBeGreaterThan(20);
    expect(idx.length - highs).toBeGreaterThan(20);
  });

  it('leaves non-finite values out of the triangles but keeps a few to mark them', () => {
    const { xs, ys } = series(10_000, (i) => (i % 1000 === 0 ? NaN : i === 5 ? Infinity : i));
    const idx = downsampleIndices(xs, ys, 100);
    expect(idx.length).toBeLessThanOrEqual(100);
    const nonFinite = [...idx].filter((i) => !Number.isFinite(ys[i]));
    expect(nonFinite.length).toBeGreaterThan(0);
    expect(nonFinite.length).toBeLessThanOrEqual(10);
    expect([...idx]).toContain(9999); // finite max
  });

  it('downsamples 1M points to 2000 in well under 50 ms', () => {
    const { xs, ys } = series(1_000_000, (i) => Math.sin(i / 1000) + Math.random() * 0.1);
    downsampleIndices(xs, ys, 2000); // warm up
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      const idx = downsampleIndices(xs, ys, 2000);
      times.push(performance.now() - t);
      expect(idx.length).toBeLessThanOrEqual(2000);
    }
    times.sort((a, b) => a - b);
    console.log(`LTTB 1M -> 2000: median ${times[2].toFixed(1)} ms`);
    expect(times[2]).toBeLessThan(50);
  });
});

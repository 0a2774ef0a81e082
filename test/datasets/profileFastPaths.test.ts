import { describe, expect, it } from 'vitest';
import { ColumnProfiler } from '../../src/main/engine/datasets/profile';
import { hashString } from '../../src/main/engine/datasets/hashing';
import { HyperLogLog } from '../../src/main/engine/sketches';

function feedBytes(p: ColumnProfiler, values: string[]) {
  for (const v of values) {
    const b = Buffer.from(v, 'utf8');
    p.addBytes(b, 0, b.length, false);
  }
}

describe('profiling shortcuts give the same answers as the plain way', () => {
  it('the HyperLogLog fed only after the exact counter gives up matches one fed every value', () => {
    const values = Array.from({ length: 120_000 }, (_, i) => `v${(i * 7919) % 90_000}`);
    const p = new ColumnProfiler('c');
    feedBytes(p, values);
    const reference = new HyperLogLog();
    for (const v of values) reference.addNumber(hashString(v));
    const r = p.result();
    expect(r.distinctApprox).toBe(true);
    expect(r.distinct).toBe(Math.round(reference.estimate()));
  });

  it('dates compared as bytes give the same min and max as compared as strings (ASCII and not)', () => {
    const dates = ['2024-03-01', '2024-01-05T10:00:00é', '2023-12-31 23:59:59', '2024-01-05T10:00:00Z', '2023-12-31 23:59:58ü', '2025-01-01'];
    const asBytes = new ColumnProfiler('d');
    feedBytes(asBytes, dates);
    const asText = new ColumnProfiler('d');
    for (const d of dates) asText.addValue(d);
    expect(asBytes.result()).toMatchObject({ type: 'datetime', min: '2023-12-31 23:59:58ü', max: '2025-01-01' });
    expect(asBytes.result().min).toBe(asText.result().min);
    expect(asBytes.result().max).toBe(asText.result().max);
  });
});

describe('repeated values settled from their counts', () => {
  it('give the sums, bounds, histogram and type counts of adding every cell one by one', () => {
    let x = 7;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // 3,000 distinct prices over 60,000 cells, with booleans, dates and blanks mixed in (a text column).
    const cells = Array.from({ length: 60_000 }, (_, i) => (i % 97 === 0 ? '' : i % 89 === 0 ? 'true' : i % 83 === 0 ? '2024-01-0' + (i % 9) : (Math.floor(rnd() * 3000) / 7).toFixed(2)));
    const prices = cells.filter((c) => /^\d/.test(c) && !c.includes('-'));
    const settled = new ColumnProfiler('p', 200);
    feedBytes(settled, prices);
    // addValue tallies every number as it comes (no deferral): the same double-double sums, value by value.
    const direct = new ColumnProfiler('p', 200);
    for (const c of prices) direct.addValue(Number(c));
    const { quantiles: _a, ...bytes } = settled.result();
    const { quantiles: _b, ...values } = direct.result();
    expect(bytes).toEqual(values);
    const mixed = new ColumnProfiler('m');
    feedBytes(mixed, cells);
    const state = mixed.state();
    expect(state.tallies[0]).toBe(60_000);
    expect(state.tallies[2]).toBe(prices.length);
    expect(state.tallies[3]).toBe(cells.filter((c) => c === 'true').length);
    expect(state.tallies[4]).toBe(cells.filter((c) => c.startsWith('2024')).length);
  });
});

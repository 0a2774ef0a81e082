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

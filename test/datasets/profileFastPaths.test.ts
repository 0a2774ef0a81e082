import { describe, expect, it } from 'vitest';
import { ColumnProfiler } from '../../src/main/engine/datasets/profile';
import { lastHash, textLanes } from '../../src/main/engine/datasets/hashing';
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
    for (const v of values) {
      textLanes(v);
      reference.addLanes(lastHash.lo, lastHash.hi);
    }
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

describe('rows profiled in blocks', () => {
  it('give the profile of row-by-row profiling whatever buffers they arrive in (bytes reused after each parse)', async () => {
    const { DelimitedRows, planDelimited } = await import('../../src/main/engine/datasets/formats/delimited');
    const { DelimitedParser } = await import('../../src/main/engine/datasets/formats/delimitedParser');
    const { tableProfile } = await import('../../src/main/engine/datasets/profile');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    let x = 3;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const lines = ['id,word,price,flag'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},"w${Math.floor(rnd() * 40)}${rnd() < 0.05 ? ' ""q""' : ''}",${(rnd() * 50).toFixed(2)},${rnd() < 0.5}`);
    const bytes = Buffer.from(lines.join('\r\n') + '\r\n');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-blocks-')), 'b.csv');
    fs.writeFileSync(file, bytes);
    const plan = await planDelimited(file, 'csv');
    const profileOf = (feed: (parser: InstanceType<typeof DelimitedParser>) => void) => {
      const sink = new DelimitedRows(plan, () => {});
      feed(new DelimitedParser(0x2c, sink, file));
      return tableProfile(sink.rows, sink.profilers);
    };
    // Reference: every row handed to the profilers as it is parsed.
    const oneByOne = (() => {
      const sink = new DelimitedRows(plan, () => {});
      const parser = new DelimitedParser(0x2c, { row: (buf, b, n, start, line, at) => { sink.row(buf, b, n, start, line, at); sink.endOfBuffer(); } }, file);
      parser.push(bytes);
      parser.finish();
      return tableProfile(sink.rows, sink.profilers);
    })();
    const whole = profileOf((p) => {
      p.push(bytes);
      p.finish();
    });
    // In place, as the part reader does: one buffer, the unparsed tail moved to its front, the rest overwritten.
    const inPlace = profileOf((p) => {
      const buf = Buffer.alloc(bytes.length);
      let have = 0;
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, 1 + Math.floor(rnd() * 3000));
        bytes.copy(buf, have, at, at + n);
        at += n;
        have += n;
        const used = p.parseInPlace(buf.subarray(0, have), at === bytes.length);
        buf.copy(buf, 0, used, have);
        have -= used;
        buf.fill(0x7a, have);
      }
    });
    expect(whole).toEqual(oneByOne);
    expect(inPlace).toEqual(oneByOne);
    expect(oneByOne.rows).toBe(3000);
  });
});

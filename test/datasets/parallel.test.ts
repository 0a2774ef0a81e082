import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeDelimited } from '../../src/main/engine/datasets/formats/delimited';
import { analyzeJsonl } from '../../src/main/engine/datasets/formats/jsonl';
import { analyzeParquet } from '../../src/main/engine/datasets/formats/parquet';
import { analyzeDelimitedParallel, analyzeJsonlParallel, analyzeParquetParallel } from '../../src/main/engine/datasets/parallelAnalysis';
import { parquetWriteFile } from 'hyparquet-writer';
import Papa from 'papaparse';
import type { DatasetProfile, TableProfile } from '../../src/shared/datasets';
import { failure, workspace } from './fixtures';
import { exactPart, expectQuantilesWithin, numbersOfColumn } from './quantileCheck';
import { lineEnds, rng, trickyCsv } from './splitFixtures';

/**
 * The parallel import pass (parts on a pool of real worker threads, merged in order) against the
 * one-pass import of the same file: the same profile and row index, whatever the splits, including
 * splits inside quoted fields (found wrong and re-parsed), at CRLF, after a BOM and next to
 * multi-byte characters; a pool worker that dies leaves the workspace as it was. Quantiles are
 * the one approximate part (KLL sketches merge within their rank bound, not to the same values):
 * both passes' quantiles are checked against the real values instead.
 */

/** Both passes' quantiles of every numeric column are within the sketch's bound of the exact ones. */
function expectBothQuantiles(text: string, profiles: (TableProfile | DatasetProfile)[]): void {
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data.slice(1);
  for (const profile of profiles) {
    (profile as TableProfile).columns.forEach((c, k) => {
      if (c.type === 'numeric') expectQuantilesWithin(c, numbersOfColumn(rows, k));
    });
  }
}

const envBefore = { ...process.env };
afterEach(() => {
  for (const k of ['LATHE_ANALYZE_PARALLEL', 'LATHE_ANALYZE_CRASH_AT_PART', 'LATHE_ANALYZE_WORKER']) {
    if (envBefore[k] === undefined) delete process.env[k];
    else process.env[k] = envBefore[k];
  }
});

async function bothWays(file: string, starts: (bom: number) => number[]) {
  const size = fs.statSync(file).size;
  const one = await analyzeDelimited(file, 'csv', () => {});
  const many = await analyzeDelimitedParallel(file, 'csv', size, () => {}, { starts: (plan) => starts(plan.bom) });
  return { one, many };
}

describe('parallel CSV analysis equals the one-pass analysis', () => {
  it('with a split after every line end, quoted ones included (BOM, LF)', async () => {
    const w = await workspace();
    const bytes = trickyCsv(60, 1, { bom: true });
    const file = w.write('tricky.csv', bytes);
    const { one, many } = await bothWays(file, (bom) => [bom, ...lineEnds(bytes, bom)]);
    expect(exactPart(many.profile)).toEqual(exactPart(one.profile));
    expect(many.index).toEqual(one.index);
    expect(many.notes).toEqual(one.notes);
  });

  it('with a split after every line end (CRLF rows, CRLF inside quotes)', async () => {
    const w = await workspace();
    const bytes = trickyCsv(60, 2, { crlf: true });
    const file = w.write('crlf.csv', bytes);
    const { one, many } = await bothWays(file, (bom) => [bom, ...lineEnds(bytes, bom)]);
    expect(exactPart(many.profile)).toEqual(exactPart(one.profile));
    expect(many.index).toEqual(one.index);
  });

  it('with random sets of two to six splits (many seeds)', async () => {
    const w = await workspace();
    const bytes = trickyCsv(300, 3, { bom: true, crlf: true });
    const file = w.write('random.csv', bytes);
    const ends = lineEnds(bytes, 3);
    const one = await analyzeDelimited(file, 'csv', () => {});
    const r = rng(99);
    for (let trial = 0; trial < 12; trial++) {
      const k = 1 + Math.floor(r() * 5);
      const picks = [...new Set(Array.from({ length: k }, () => ends[Math.floor(r() * ends.length)]))].sort((a, b) => a - b);
      const many = await analyzeDelimitedParallel(file, 'csv', bytes.length, () => {}, { starts: (plan) => [plan.bom, ...picks] });
      expect(exactPart(many.profile), `splits ${picks.join(',')}`).toEqual(exactPart(one.profile));
      expect(many.index.offsets).toEqual(one.index.offsets);
      expectBothQuantiles(bytes.toString('utf8'), [many.profile]);
    }
    expectBothQuantiles(bytes.toString('utf8'), [one.profile]);
  });

  it('merges histograms, sums and distinct sets past the exact cap the same as one pass', async () => {
    const w = await workspace();
    // 160k rows: `wide` has 70k distinct values (each part under the 50k cap, their union over it),
    // `narrow` 30k (exact after the merge); `sorted` climbs, so each part starts on its own range.
    const lines = ['sorted,wide,narrow,noisy'];
    const r = rng(5);
    for (let i = 0; i < 160_000; i++) lines.push(`${i * 3},w${i % 70_000},n${(i * 7) % 30_000},${(r() * 1e6 - 5e5).toFixed(4)}`);
    const text = lines.join('\n') + '\n';
    const file = w.write('wide.csv', text);
    const bytes = Buffer.from(text);
    const quarter = (q: number) => bytes.indexOf(0x0a, Math.floor((bytes.length * q) / 4)) + 1;
    const { one, many } = await bothWays(file, () => [0, quarter(1), quarter(2), quarter(3)]);
    expect(exactPart(many.profile)).toEqual(exactPart(one.profile));
    const [sorted, wide, narrow] = many.profile.columns;
    expect(wide).toMatchObject({ distinctApprox: true });
    expect(Math.abs(wide.distinct - 70_000) / 70_000).toBeLessThan(0.07);
    expect(narrow).toMatchObject({ distinct: 30_000 });
    expect(narrow.distinctApprox).toBeUndefined();
    expect(sorted.histogram?.reduce((s, b) => s + b.count, 0)).toBe(160_000);
    expect(sorted.mean).toBe(((160_000 - 1) * 3) / 2);
    // 160k values: past KLL's exact range, so both passes estimate; both within the bound of the truth.
    const ids = Array.from({ length: 160_000 }, (_, i) => i * 3);
    for (const p of [one.profile, many.profile]) expectQuantilesWithin((p as TableProfile).columns[0], ids);
    expectBothQuantiles(text, [one.profile, many.profile]);
  });

  it('refuses a bad file with exactly the one-pass error (a ragged row deep in a later part)', async () => {
    const w = await workspace();
    const lines = ['a,b'];
    for (let i = 0; i < 5000; i++) lines.push(i === 4321 ? `${i},2,3` : `${i},x`);
    const file = w.write('ragged.csv', lines.join('\n') + '\n');
    process.env.LATHE_ANALYZE_PARALLEL = 'never';
    const one = await failure(w.add('r1', file));
    process.env.LATHE_ANALYZE_PARALLEL = 'always';
    const many = await failure(w.add('r2', file));
    expect(many).toEqual(one);
    expect(one.message).toContain('line 4323');
  });
});

describe('parallel JSON Lines analysis', () => {
  it('equals one pass with a split after every line, keys first seen in later parts included', async () => {
    const w = await workspace();
    const r = rng(8);
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      const row: Record<string, unknown> = { id: i, v: r() * 10 };
      if (i > 50 && r() < 0.3) row.late = `x${i % 7}`;
      if (i > 150) row.later = r() < 0.5;
      if (r() < 0.1) row.nested = { a: [1, 2, 'é🐧'] };
      lines.push(JSON.stringify(row));
      if (r() < 0.05) lines.push('   ');
    }
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n')]);
    const file = w.write('rows.jsonl', bytes);
    const one = await analyzeJsonl(file, () => {});
    const many = await analyzeJsonlParallel(file, bytes.length, () => {}, { starts: [0, ...lineEnds(bytes, 0)] });
    expect(exactPart(many.profile)).toEqual(exactPart(one.profile));
    expect(many.index).toEqual(one.index);
  });
});

describe('parallel Parquet analysis', () => {
  it('equals one pass, row groups shared out across the pool', async () => {
    const w = await workspace();
    const file = path.join(w.dir, 'p.parquet');
    const n = 7000;
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i), type: 'INT32' },
        { name: 'score', data: Array.from({ length: n }, (_, i) => (i % 50 === 0 ? null : Math.sin(i) * 1e3)), type: 'DOUBLE' },
        { name: 'kind', data: Array.from({ length: n }, (_, i) => ['a', 'b', 'é🐧'][i % 3]), type: 'STRING' },
      ],
      rowGroupSize: 1000,
    });
    const one = await analyzeParquet(file, () => {});
    const many = await analyzeParquetParallel(file, fs.statSync(file).size, () => {});
    expect(exactPart(many.profile)).toEqual(exactPart(one.profile));
    const ids = Array.from({ length: n }, (_, i) => i);
    for (const p of [one.profile, many.profile]) expectQuantilesWithin((p as TableProfile).columns[0], ids);
    expect(many.index).toEqual(one.index);
  });
});

describe('parallel import through the engine', () => {
  it('gives the same version, profile and row pages as the one-pass import', async () => {
    const a = await workspace();
    const b = await workspace();
    const bytes = trickyCsv(3000, 11, { bom: true });
    const fa = a.write('t.csv', bytes);
    const fb = b.write('t.csv', bytes);
    process.env.LATHE_ANALYZE_PARALLEL = 'never';
    const one = await a.add('t', fa);
    process.env.LATHE_ANALYZE_PARALLEL = 'always';
    process.env.LATHE_ANALYZE_WORKER = 'always';
    const many = await b.add('t', fb);
    expect(many.version.id).toBe(one.version.id);
    expectBothQuantiles(bytes.toString('utf8'), [(await a.engine['datasets.show']({ ref: 't@v1' })).profile, (await b.engine['datasets.show']({ ref: 't@v1' })).profile]);
    expect(exactPart((await b.engine['datasets.show']({ ref: 't@v1' })).profile)).toEqual(exactPart((await a.engine['datasets.show']({ ref: 't@v1' })).profile));
    for (const offset of [0, 1, 63, 64, 65, 1000, 2900]) {
      const pa = await a.engine['datasets.rows']({ ref: 't@v1', offset, limit: 100 });
      const pb = await b.engine['datasets.rows']({ ref: 't@v1', offset, limit: 100 });
      expect(pb).toEqual(pa);
    }
    const out = path.join(b.dir, 'out');
    await b.engine['datasets.export']({ ref: 't@v1', out });
    expect(fs.readFileSync(path.join(out, 't.csv')).equals(bytes)).toBe(true);
  });

  it('a pool worker that dies mid-import fails the import and leaves the workspace unchanged', async () => {
    const w = await workspace();
    const lines = ['id,x'];
    for (let i = 0; i < 400_000; i++) lines.push(`${i},${i % 97}`);
    const file = w.write('big.csv', lines.join('\n') + '\n');
    const packs = path.join(w.home, 'objects', 'packs');
    const before = fs.existsSync(packs) ? fs.readdirSync(packs).sort() : [];
    process.env.LATHE_ANALYZE_PARALLEL = 'always';
    process.env.LATHE_ANALYZE_WORKER = 'always';
    process.env.LATHE_ANALYZE_CRASH_AT_PART = '2';
    const e = await failure(w.add('big', file));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/stopped unexpectedly/);
    expect(await w.engine['datasets.list']({})).toEqual([]);
    expect(fs.existsSync(packs) ? fs.readdirSync(packs).sort() : []).toEqual(before);
    expect(fs.readdirSync(path.join(w.home, 'tmp')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    delete process.env.LATHE_ANALYZE_CRASH_AT_PART;
    const ok = await w.add('big', file);
    expect(ok.version.rowCount).toBe(400_000);
  });
});

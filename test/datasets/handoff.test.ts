import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { analyzeDelimited } from '../../src/main/engine/datasets/formats/delimited';
import { analyzeJsonl } from '../../src/main/engine/datasets/formats/jsonl';
import { analyzeWithHandoff } from '../../src/main/engine/datasets/handoff';
import { NeedsSequential } from '../../src/main/engine/datasets/parallelAnalysis';
import type { TableProfile } from '../../src/shared/datasets';
import { WarmWorkers } from '../../src/main/engine/workers/warmWorkers';
import { writeCsv } from '../bench/datasets.bench';
import { failure, workspace } from './fixtures';
import { exactPart, expectQuantilesWithin, numbersOfColumn } from './quantileCheck';
import { lineEnds, rng, trickyCsv } from './splitFixtures';

/**
 * The two-core handoff (datasets/handoff.ts) on real worker threads: a head from the file's start
 * whose end is set while it runs, a tail from the cut. Wherever the cut falls (after any line end,
 * inside quoted fields too, where the guess is wrong and the rest is parsed again from where the
 * head really stopped; past the end; not at all) the result is the one-pass profile and row index,
 * quantiles within the sketch's bound. A worker that dies fails the import and leaves nothing.
 */

const envBefore = { ...process.env };
afterEach(() => {
  for (const k of ['LATHE_ANALYZE_HANDOFF', 'LATHE_ANALYZE_PARALLEL', 'LATHE_ANALYZE_CRASH_AT_PART', 'LATHE_ANALYZE_WORKER']) {
    if (envBefore[k] === undefined) delete process.env[k];
    else process.env[k] = envBefore[k];
  }
});

const now = Promise.resolve();
const never = new Promise<void>(() => {});

/** Worker 1 starts at `cut` from the beginning; `steal`: a worker that is done takes half of what the other has left from 1 MiB on, cut just past where it has read (so cuts the other has already passed happen too). */
async function csvWithCut(file: string, cut: number | null, steal = false) {
  return analyzeWithHandoff(file, 'csv', fs.statSync(file).size, () => {}, now, { firstCut: () => cut, ...(steal ? { minLeft: 1 << 20, margin: 1 } : {}) });
}

function expectQuantiles(text: string, profile: TableProfile): void {
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data.slice(1);
  profile.columns.forEach((c, k) => {
    if (c.type === 'numeric') expectQuantilesWithin(c, numbersOfColumn(rows, k));
  });
}

describe('the handoff equals the one-pass analysis', () => {
  it('with the cut after every line end, quoted ones included (BOM, LF)', async () => {
    const w = await workspace();
    const bytes = trickyCsv(50, 21, { bom: true });
    const file = w.write('tricky.csv', bytes);
    const one = await analyzeDelimited(file, 'csv', () => {});
    const cuts = lineEnds(bytes, 3);
    expect(cuts.length).toBeGreaterThan(50);
    let twoParts = 0;
    for (const cut of cuts) {
      const { table, starts } = await csvWithCut(file, cut);
      expect(exactPart(table.profile), `cut at ${cut}`).toEqual(exactPart(one.profile));
      expect(table.index, `cut at ${cut}`).toEqual(one.index);
      expect(table.notes).toEqual(one.notes);
      if (starts.length === 2) {
        twoParts++;
        // The second part's rows start at a real row: the cut itself, or (a cut inside a quoted field) the row the first stopped at.
        expect(starts[1]).toBeGreaterThanOrEqual(cut);
      }
    }
    // Every cut before the last row gives worker 1 rows.
    expect(twoParts).toBeGreaterThan(cuts.length - 3);
  });

  it('with cuts at random line ends (CRLF rows, CRLF inside quotes), quantiles within the bound', async () => {
    const w = await workspace();
    const bytes = trickyCsv(400, 22, { crlf: true });
    const file = w.write('crlf.csv', bytes);
    const one = await analyzeDelimited(file, 'csv', () => {});
    const ends = lineEnds(bytes, 0);
    const r = rng(7);
    for (let trial = 0; trial < 10; trial++) {
      const cut = ends[Math.floor(r() * ends.length)];
      const { table } = await csvWithCut(file, cut);
      expect(exactPart(table.profile), `cut at ${cut}`).toEqual(exactPart(one.profile));
      expect(table.index.offsets).toEqual(one.index.offsets);
      expectQuantiles(bytes.toString('utf8'), table.profile as TableProfile);
    }
  });

  it('with no cut, a cut past the end, and a head that is done before the core frees up', async () => {
    const w = await workspace();
    const bytes = trickyCsv(200, 23);
    const file = w.write('t.csv', bytes);
    const one = await analyzeDelimited(file, 'csv', () => {});
    for (const cut of [null, bytes.length, bytes.length + 100]) {
      const { table, starts } = await csvWithCut(file, cut);
      expect(starts).toHaveLength(1);
      expect(exactPart(table.profile)).toEqual(exactPart(one.profile));
    }
    // Staging never ends: worker 0 reads the whole file and the waiting worker 1 is let go.
    const { table, starts } = await analyzeWithHandoff(file, 'csv', bytes.length, () => {}, never);
    expect(starts).toHaveLength(1);
    expect(exactPart(table.profile)).toEqual(exactPart(one.profile));
    expect(table.index).toEqual(one.index);
  });

  it('cuts what is left in two at a row boundary when the core frees up (a 26 MB file)', async () => {
    const w = await workspace();
    const file = path.join(w.dir, 'big.csv');
    writeCsv(file, 450_000, 5);
    const size = fs.statSync(file).size;
    const one = await analyzeDelimited(file, 'csv', () => {});
    let progress = 0;
    const { table, starts } = await analyzeWithHandoff(file, 'csv', size, (done) => (progress = done), now);
    // Worker 0 has read next to nothing when the core frees up at once: worker 1 takes a little under half.
    expect(starts).toHaveLength(2);
    expect(starts[1] / size).toBeGreaterThan(0.5);
    expect(starts[1] / size).toBeLessThan(0.7);
    const fd = fs.openSync(file, 'r');
    const before = Buffer.alloc(1);
    fs.readSync(fd, before, 0, 1, starts[1] - 1);
    fs.closeSync(fd);
    expect(before[0]).toBe(0x0a);
    expect(progress).toBe(size);
    expect(exactPart(table.profile)).toEqual(exactPart(one.profile));
    expect(table.index).toEqual(one.index);
  });

  it('a tail that starts columns past the exact cap (the head passed it first) merges to the one-pass profile', async () => {
    const w = await workspace();
    const file = path.join(w.dir, 'big.csv');
    writeCsv(file, 450_000, 6);
    const size = fs.statSync(file).size;
    const one = await analyzeDelimited(file, 'csv', () => {});
    // The core frees up once the head has read 6 MB: its id column (a new value every row) passed the cap of 50,000 by then.
    let free: () => void = () => {};
    const coreFree = new Promise<void>((resolve) => (free = resolve));
    const { table, starts } = await analyzeWithHandoff(file, 'csv', size, (done) => done > 6e6 && free(), coreFree);
    expect(starts.length).toBeGreaterThan(1);
    expect(exactPart(table.profile)).toEqual(exactPart(one.profile));
    expect(table.profile.columns[0]).toMatchObject({ name: 'id', distinctApprox: true });
    expect(Math.abs(table.profile.columns[0].distinct - 450_000) / 450_000).toBeLessThan(0.07);
    expect(table.index).toEqual(one.index);
  });

  it('runs on threads kept warm: a second pass reuses both and gives the same result', async () => {
    const w = await workspace();
    const bytes = trickyCsv(2000, 27);
    const file = w.write('t.csv', bytes);
    const one = await analyzeDelimited(file, 'csv', () => {});
    const threads = new WarmWorkers({ maxIdle: () => 2 });
    try {
      for (let round = 0; round < 2; round++) {
        const { table, starts } = await analyzeWithHandoff(file, 'csv', bytes.length, () => {}, now, { threads, firstCut: () => lineEnds(bytes, 0)[700 + round] });
        expect(starts).toHaveLength(2);
        expect(exactPart(table.profile)).toEqual(exactPart(one.profile));
        expect(table.index).toEqual(one.index);
      }
      expect(threads.started).toBe(2);
      expect(threads.idleCount).toBe(2);
    } finally {
      threads.close();
    }
  });

  it('JSON Lines: a cut after every line, keys first seen in the tail included', async () => {
    const w = await workspace();
    const r = rng(9);
    const lines: string[] = [];
    for (let i = 0; i < 120; i++) {
      const row: Record<string, unknown> = { id: i, v: r() * 10 };
      if (i > 60) row.late = `x${i % 7}`;
      if (r() < 0.1) row.nested = { a: [1, 'é🐧'] };
      lines.push(JSON.stringify(row));
    }
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\n') + '\n')]);
    const file = w.write('rows.jsonl', bytes);
    const one = await analyzeJsonl(file, () => {});
    for (const cut of lineEnds(bytes, 0).filter((_, i) => i % 3 === 0)) {
      const { table } = await analyzeWithHandoff(file, 'jsonl', bytes.length, () => {}, now, { firstCut: () => cut, minLeft: 2, margin: 1 });
      expect(exactPart(table.profile), `cut at ${cut}`).toEqual(exactPart(one.profile));
      expect(table.index).toEqual(one.index);
    }
  });

  it('a worker that is done takes half of what the other has left, again and again (any cut, confirmed or parsed again)', async () => {
    const w = await workspace();
    // ~18 MB: several reads each, so parts are still running when the other worker is done.
    const bytes = trickyCsv(500_000, 25, { bom: true, crlf: true });
    const file = w.write('steal.csv', bytes);
    const one = await analyzeDelimited(file, 'csv', () => {});
    const ends = lineEnds(bytes, 3);
    const r = rng(12);
    let most = 0;
    for (let trial = 0; trial < 3; trial++) {
      // The first cut within the file's first rows: worker 0 is done long before worker 1 and takes half of its rest.
      const { table, starts } = await csvWithCut(file, ends[Math.floor(r() * 200)], true);
      most = Math.max(most, starts.length);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      expect(exactPart(table.profile)).toEqual(exactPart(one.profile));
      expect(table.index).toEqual(one.index);
      expectQuantiles(bytes.toString('utf8'), table.profile as TableProfile);
    }
    // A trial made more parts than the first two (some may be left empty or parsed again: one-byte margins).
    expect(most).toBeGreaterThan(2);
  });

  it('a worker that dies fails the pass (the second worker, on its first part)', async () => {
    const w = await workspace();
    const bytes = trickyCsv(500, 26);
    const file = w.write('t.csv', bytes);
    process.env.LATHE_ANALYZE_CRASH_AT_PART = '1';
    const e = await failure(csvWithCut(file, lineEnds(bytes, 0)[200]));
    expect(e.message).toMatch(/stopped unexpectedly/);
  });

  it('leaves a bad file to the one pass (a ragged row in the tail): NeedsSequential', async () => {
    const w = await workspace();
    const lines = ['a,b'];
    for (let i = 0; i < 3000; i++) lines.push(i === 2500 ? `${i},2,3` : `${i},x`);
    const text = lines.join('\n') + '\n';
    const file = w.write('ragged.csv', text);
    await expect(csvWithCut(file, text.indexOf('\n1500,') + 1)).rejects.toBeInstanceOf(NeedsSequential);
  });
});

describe('the handoff through the engine', () => {
  it('gives the same version, profile and row pages as the one pass, and the same error for a bad file', async () => {
    const a = await workspace();
    const b = await workspace();
    const bytes = trickyCsv(3000, 24, { bom: true });
    const fa = a.write('t.csv', bytes);
    const fb = b.write('t.csv', bytes);
    process.env.LATHE_ANALYZE_HANDOFF = 'never';
    const one = await a.add('t', fa);
    process.env.LATHE_ANALYZE_HANDOFF = 'always';
    process.env.LATHE_ANALYZE_PARALLEL = 'never';
    process.env.LATHE_ANALYZE_WORKER = 'always';
    const two = await b.add('t', fb);
    expect(two.version.id).toBe(one.version.id);
    const show = async (x: typeof a) => (await x.engine['datasets.show']({ ref: 't@v1' })).profile;
    expect(exactPart(await show(b))).toEqual(exactPart(await show(a)));
    for (const offset of [0, 63, 64, 65, 2900]) {
      expect(await b.engine['datasets.rows']({ ref: 't@v1', offset, limit: 100 })).toEqual(await a.engine['datasets.rows']({ ref: 't@v1', offset, limit: 100 }));
    }
    const lines = ['a,b'];
    for (let i = 0; i < 5000; i++) lines.push(i === 4321 ? `${i},2,3` : `${i},x`);
    const ragged = b.write('ragged.csv', lines.join('\n') + '\n');
    const bad = await failure(b.add('r', ragged));
    process.env.LATHE_ANALYZE_HANDOFF = 'never';
    expect(bad).toEqual(await failure(a.add('r', ragged)));
    expect(bad.message).toContain('line 4323');
  });

  it('a worker that dies fails the import and leaves the workspace unchanged', async () => {
    const w = await workspace();
    const lines = ['id,x'];
    for (let i = 0; i < 200_000; i++) lines.push(`${i},${i % 97}`);
    const file = w.write('big.csv', lines.join('\n') + '\n');
    process.env.LATHE_ANALYZE_HANDOFF = 'always';
    process.env.LATHE_ANALYZE_PARALLEL = 'never';
    process.env.LATHE_ANALYZE_WORKER = 'always';
    // An import first, so the engine's threads are warm: the crash must reach threads started before it was asked for.
    await w.add('first', w.write('first.csv', 'id,x\n1,2\n'));
    const packs = path.join(w.home, 'objects', 'packs');
    const before = fs.existsSync(packs) ? fs.readdirSync(packs).sort() : [];
    process.env.LATHE_ANALYZE_CRASH_AT_PART = '0';
    const e = await failure(w.add('big', file));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/stopped unexpectedly/);
    expect((await w.engine['datasets.list']({})).map((d) => d.name)).toEqual(['first']);
    expect(fs.existsSync(packs) ? fs.readdirSync(packs).sort() : []).toEqual(before);
    expect(fs.readdirSync(path.join(w.home, 'tmp')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    delete process.env.LATHE_ANALYZE_CRASH_AT_PART;
    expect((await w.add('big', file)).version.rowCount).toBe(200_000);
  });
});

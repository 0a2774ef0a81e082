import fs from 'node:fs';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, workspace } from './fixtures';

// Force the analysis into the worker even for small files (this file runs in its own process).
const before = process.env.LATHE_ANALYZE_WORKER;
beforeAll(() => {
  process.env.LATHE_ANALYZE_WORKER = 'always';
});
afterAll(() => {
  if (before === undefined) delete process.env.LATHE_ANALYZE_WORKER;
  else process.env.LATHE_ANALYZE_WORKER = before;
});

type Workspace = Awaited<ReturnType<typeof workspace>>;

function expectUnchanged(w: Workspace) {
  expect(w.engine.db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(0);
  expect(w.engine.db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(0);
  expect(w.engine.db.prepare('SELECT count(*) FROM chunks').pluck().get()).toBe(0);
  expect(fs.readdirSync(path.join(w.home, 'objects', 'packs'))).toEqual([]);
  expect(fs.readdirSync(path.join(w.home, 'tmp'))).toEqual([]);
}

/** ~`rows` * 30 bytes of valid CSV, then `tail`. */
function bigCsv(rows: number, tail = ''): string {
  const lines = ['id,name,score,when'];
  for (let i = 0; i < rows; i++) lines.push(`${i},name-${i % 977},${(i * 0.37).toFixed(2)},2024-01-0${1 + (i % 9)}`);
  return lines.join('\n') + '\n' + tail;
}

describe('the import pass in a worker thread', () => {
  it('imports the same version, profile and rows as the inline pass', async () => {
    const w = await workspace();
    const file = w.write('d.csv', bigCsv(20_000));
    const viaWorker = await w.add('d', file);
    process.env.LATHE_ANALYZE_WORKER = 'never';
    try {
      const inline = await w.add('e', file);
      expect(inline.version.id).toBe(viaWorker.version.id);
      const a = await w.engine['datasets.show']({ ref: 'd' });
      const b = await w.engine['datasets.show']({ ref: 'e' });
      expect(a.profile).toEqual(b.profile);
    } finally {
      process.env.LATHE_ANALYZE_WORKER = 'always';
    }
    const page = await w.engine['datasets.rows']({ ref: 'd', offset: 12_345, limit: 2 });
    expect(page.rows[0][0]).toBe(12_345);
    const phases = new Set<string>();
    w.engine.events.subscribe((e) => e.type === 'task.progress' && phases.add((e.data as { phase: string }).phase));
    await w.add('d', w.write('d2.csv', bigCsv(20_001)));
    // No version of d has this size, so no separate hashing pass: the store hashes while it chunks.
    expect([...phases]).toEqual(expect.arrayContaining(['reading', 'chunking', 'committing']));
    expect(phases.has('hashing')).toBe(false);
  });

  it('a malformed CSV gives the same line-numbered error, and nothing is written', async () => {
    const w = await workspace();
    const file = w.write('q.csv', 'a,b\n1,x\n2,"never closed\n3,z\n');
    const err = await failure(w.add('q', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:3` });
    expect(err.message).toContain('never closed');
    expectUnchanged(w);
  });

  it('an error deep in a large file (while chunks are being staged) aborts the staging: nothing is written', async () => {
    const w = await workspace();
    const rows = 400_000;
    const file = w.write('r.csv', bigCsv(rows, '1,2,3\n'));
    const err = await failure(w.add('r', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:${rows + 2}` });
    expect(err.message).toContain('has 3 fields, expected 4');
    expectUnchanged(w);
  });

  it('bytes that are not UTF-8 are located the same way', async () => {
    const w = await workspace();
    const file = w.write('l.csv', Buffer.concat([Buffer.from('name,city\nAnn,Paris\nBo,K'), Buffer.from([0xf6]), Buffer.from('ln\n')]));
    const err = await failure(w.add('l', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:3` });
    expectUnchanged(w);
  });

  it('JSON Lines and Parquet go through the worker too', async () => {
    const w = await workspace();
    const jsonl = w.write('j.jsonl', Array.from({ length: 50 }, (_, i) => JSON.stringify({ a: i, b: `x${i % 3}` })).join('\n') + '\n');
    expect((await w.add('j', jsonl)).version).toMatchObject({ rowCount: 50, columnCount: 2 });
    const bad = w.write('bad.jsonl', '{"a":1}\n{"a":\n');
    expect(await failure(w.add('bad', bad))).toMatchObject({ code: 'BAD_FILE', where: `${bad}:2` });
    const pq = path.join(w.dir, 'p.parquet');
    parquetWriteFile({ filename: pq, columnData: [{ name: 'a', data: [1, 2, 3], type: 'INT32' }, { name: 'b', data: ['x', 'y', 'x'], type: 'STRING' }] });
    expect((await w.add('p', pq)).version).toMatchObject({ rowCount: 3, columnCount: 2 });
  });
});

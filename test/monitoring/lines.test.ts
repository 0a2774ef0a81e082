import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { fileLineBlocks, fileLines } from '../../src/main/engine/monitoring/lines';
import { tempDir } from '../helpers';

/** The ingest's line reader: blocks of lines from real files, exact line numbers across read chunks. */
const dir = tempDir('lathe-lines-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function all(files: string[]): Promise<{ where: string; text: string }[]> {
  const out: { where: string; text: string }[] = [];
  for await (const l of fileLines(files, () => undefined)) out.push(l);
  return out;
}

describe('fileLineBlocks', () => {
  it('splits at \\n across 1 MB read chunks (multi-byte text too), drops a \\r before it, keeps a last line without newline', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `{"i":${i},"s":"${i % 7 === 0 ? 'é€😀' : 'x'.repeat(i % 90)}"}`);
    const text = lines.map((l, i) => (i % 3 === 0 ? `${l}\r\n` : `${l}\n`)).join('') + 'tail';
    expect(Buffer.byteLength(text)).toBeGreaterThan(1.5 * 1024 * 1024);
    const f = path.join(dir, 'a.ndjson');
    fs.writeFileSync(f, text);
    const got = await all([f]);
    expect(got.map((l) => l.text)).toEqual([...lines, 'tail']);
    expect(got[12_345].where).toBe(`${f}:12346`);
    // Each line's bytes as read are its text in UTF-8 (a multi-byte character split by a chunk's end too).
    let blocks = 0;
    const asRead: string[] = [];
    for await (const b of fileLineBlocks([f], () => undefined)) {
      blocks++;
      for (let k = 0; k < b.lines.length; k++) asRead.push(Buffer.from(b.bytes.subarray(b.from[k], b.to[k])).toString('utf8'));
    }
    expect(blocks).toBeGreaterThan(1);
    expect(asRead).toEqual([...lines, 'tail']);
  });

  it('numbers lines per file, reads .gz, reports progress to the total, and stops when aborted', async () => {
    const a = path.join(dir, 'b.ndjson');
    const b = path.join(dir, 'c.ndjson.gz');
    fs.writeFileSync(a, 'one\n\ntwo\n');
    fs.writeFileSync(b, zlib.gzipSync('three\nfour\n'));
    const progress: [number, number][] = [];
    const got: string[] = [];
    for await (const l of fileLines([a, b], (d, t) => progress.push([d, t]))) got.push(l.where.replace(dir, ''));
    expect(got).toEqual(['/b.ndjson:1', '/b.ndjson:2', '/b.ndjson:3', '/c.ndjson.gz:1', '/c.ndjson.gz:2']);
    const total = fs.statSync(a).size + fs.statSync(b).size;
    expect(progress.at(-1)).toEqual([total, total]);
    const ac = new AbortController();
    ac.abort();
    expect(await (async () => {
      let n = 0;
      for await (const blk of fileLineBlocks([a], () => undefined, ac.signal)) n += blk.lines.length;
      return n;
    })()).toBe(0);
  });
});

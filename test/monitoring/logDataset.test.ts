import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLogRows } from '../../src/main/engine/monitoring/logDataset';
import { tempDir } from '../helpers';

/**
 * Logged rows -> the CSV a dataset is made from (logDataset.ts), on real raw files: the rows left
 * out unparsed (no label, id read off the line) give exactly what parsing every line gives, and a
 * line whose id cannot be read off safely (other key order, an escaped id, a second "requestId" key
 * that JSON.parse lets win) is parsed.
 */
const dir = tempDir('lathe-logrows-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rec = (requestId: string, x: unknown, c: unknown) => JSON.stringify({ requestId, time: 1, model: 'm', version: 1, alias: null, features: { x, c }, output: { prediction: 'a' } });

function rawFile(name: string, lines: string[]): string[] {
  const rel = path.join('raw', `${name}.ndjson`);
  fs.mkdirSync(path.join(dir, 'raw'), { recursive: true });
  const text = lines.join('\n') + '\n';
  fs.writeFileSync(path.join(dir, rel), text);
  // Two segments, as two ingest batches would record them.
  const cut = Buffer.byteLength(lines.slice(0, 2).join('\n') + '\n');
  return [`${rel}#0-${cut}`, `${rel}#${cut}-${Buffer.byteLength(text)}`];
}

describe('writeLogRows', () => {
  it('writes the labelled rows exactly as parsing every line would, whichever lines are read off unparsed', () => {
    const lines = [
      rec('a1', 1.5, 'x'),
      rec('a2', 100, 'say "hi", twice'),
      rec('a3', null, 'é🐧'),
      // Same id again (kept once), keys in another order, an escaped id, and a second requestId key.
      rec('a1', 9, 'dup'),
      JSON.stringify({ time: 1, requestId: 'b1', version: 2, features: { x: 2, c: 'y' } }),
      JSON.stringify({ requestId: 'q"1', version: 1, features: { x: true, c: { k: 1 } } }),
      '{"requestId":"shadow","version":1,"features":{"x":3,"c":"z"},"requestId":"winner"}',
      rec('a4', 1e-7, ''),
    ];
    const segments = rawFile('w1', lines);
    const labels = new Map([
      ['a1', 'yes'],
      ['a3', 'no'],
      ['b1', 'yes'],
      ['q"1', 'no'],
      ['winner', 'yes'],
    ]);
    const out = path.join(dir, 'labelled.csv');
    const r = writeLogRows({ home: dir, segments, labels, columns: ['x', 'c'], target: 'y', labelledOnly: true, out });
    expect(fs.readFileSync(out, 'utf8')).toBe(['x,c,y', '1.5,x,yes', ',é🐧,no', '2,y,yes', 'true,"{""k"":1}",no', '3,z,yes', ''].join('\n'));
    expect(r).toMatchObject({ rows: 5, labelled: 5, unlabelled: 2 });
    expect([...r.versions].sort()).toEqual([1, 2]);

    const all = path.join(dir, 'all.csv');
    const every = writeLogRows({ home: dir, segments, labels, columns: ['x', 'c'], target: 'y', labelledOnly: false, out: all });
    expect(every).toMatchObject({ rows: 7, labelled: 5, unlabelled: 0 });
    expect(fs.readFileSync(all, 'utf8').split('\n')).toContain('100,"say ""hi"", twice",');
    expect(fs.readFileSync(all, 'utf8').split('\n')).toContain('1e-7,,');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pairByContent } from '../../src/main/engine/datasets/contentPairing';
import { failure, workspace } from './fixtures';

function table(rows: [number, string, number][], header = 'id,name,score'): string {
  return [header, ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

describe('diff', () => {
  const before: [number, string, number][] = Array.from({ length: 200 }, (_, i) => [i, `n${i}`, i % 10]);
  const after: [number, string, number][] = before
    .filter(([id]) => id !== 5 && id !== 6) // removed
    .map(([id, n, s]) => [id, n, id === 10 || id === 11 || id === 12 ? s + 100 : s] as [number, string, number]) // modified
    .concat([[500, 'new', 1]]); // added

  it('matches rows by key: added, removed, modified with changed columns', async () => {
    const w = await workspace();
    await w.add('t', w.write('1/t.csv', table(before)));
    await w.add('t', w.write('2/t.csv', table(after)));
    const d = await w.engine['datasets.diff']({ from: 't@v1', to: 't@v2', key: 'id' });
    expect(d.rows).toEqual({ added: 1, removed: 2, modified: 3, unchanged: 195 });
    expect(d.samples.columns).toEqual(['id', 'name', 'score']);
    expect(d.samples.added).toEqual([[500, 'new', 1]]);
    expect(d.samples.removed).toEqual([[5, 'n5', 5], [6, 'n6', 6]]);
    expect(d.samples.modified[0]).toEqual({ key: 10, before: [10, 'n10', 0], after: [10, 'n10', 100], changedColumns: ['score'] });
    expect(d.schema).toEqual([]);
    const score = d.columns.find((c) => c.column === 'score');
    expect(score?.psi).toBeGreaterThan(0);
    expect(score?.meanTo).toBeGreaterThan(score?.meanFrom ?? Infinity);
  });

  it('without a key pairs changed rows by content into modified rows, and reports schema changes', async () => {
    const w = await workspace();
    await w.add('t', w.write('1/t.csv', table(before)));
    await w.add('t', w.write('2/t.csv', table(after)));
    const d = await w.engine['datasets.diff']({ from: 't@v1', to: 't' });
    expect(d.rows).toEqual({ added: 1, removed: 2, modified: 3, unchanged: 195 });
    expect(d.matching).toEqual({ by: 'content' });
    expect(d.samples.added).toEqual([[500, 'new', 1]]);
    expect(d.samples.removed).toEqual([[5, 'n5', 5], [6, 'n6', 6]]);
    // The key of a modified row without a key column is its 1-based position in the second version.
    expect(d.samples.modified[0]).toEqual({ key: 9, before: [10, 'n10', 0], after: [10, 'n10', 100], changedColumns: ['score'] });
    const widened = before.map(([id, n, s]) => `${id},${n},${s},x`).join('\n');
    await w.add('t', w.write('3/t.csv', `id,name,score,extra\n${widened}\n`));
    const s = await w.engine['datasets.diff']({ from: 't@v1', to: 't@v3' });
    expect(s.schema).toEqual([{ column: 'extra', change: 'added', to: 'categorical' }]);
    expect(s.rows).toEqual({ added: 0, removed: 0, modified: 0, unchanged: 200 });
  });

  it('shows an added column as absent (not null) on the old side and in the column shifts', async () => {
    const w = await workspace();
    await w.add('t', w.write('1/t.csv', 'id,name,score\n1,a,10\n2,b,20\n3,c,30\n'));
    await w.add('t', w.write('2/t.csv', 'id,name,extra\n1,a,x\n3,c,y\n4,d,z\n'));
    const d = await w.engine['datasets.diff']({ from: 't@v1', to: 't@v2', key: 'id' });
    expect(d.samples.columns).toEqual(['id', 'name', 'score', 'extra']);
    expect(d.samples.absent).toEqual({ from: ['extra'], to: ['score'] });
    expect(d.samples.removed).toEqual([[2, 'b', 20, null]]);
    const extra = d.columns.find((c) => c.column === 'extra');
    expect(extra).toMatchObject({ presence: 'added', type: 'categorical', missingTo: 0, distinctTo: 3 });
    expect(extra?.missingFrom).toBeUndefined();
    expect(extra?.distinctFrom).toBeUndefined();
    const score = d.columns.find((c) => c.column === 'score');
    expect(score).toMatchObject({ presence: 'removed', missingFrom: 0, distinctFrom: 3, meanFrom: 20 });
    expect(score?.meanTo).toBeUndefined();
    expect(d.columns.find((c) => c.column === 'name')?.presence).toBeUndefined();
  });

  it('pairs rows without a key only while few enough differ, and says why otherwise', async () => {
    const w = await workspace();
    const rows = (n: number, bump: number) => Array.from({ length: n }, (_, i) => [i, `n${i}`, i + bump] as [number, string, number]);
    await w.add('big', w.write('1/big.csv', table(rows(10_001, 0))));
    await w.add('big', w.write('2/big.csv', table(rows(10_001, 1))));
    const d = await w.engine['datasets.diff']({ from: 'big@v1', to: 'big@v2' });
    expect(d.rows).toEqual({ added: 10_001, removed: 10_001, modified: 0, unchanged: 0 });
    expect(d.matching?.by).toBe('none');
    expect(d.matching?.note).toContain('More than 10,000 rows differ');
    const keyed = await w.engine['datasets.diff']({ from: 'big@v1', to: 'big@v2', key: 'id' });
    expect(keyed.rows.modified).toBe(10_001);
    expect(keyed.matching).toEqual({ by: 'key' });
  });

  it('counts duplicate rows as a multiset and names an unknown key column', async () => {
    const w = await workspace();
    await w.add('t', w.write('1/t.csv', 'a,b\n1,x\n1,x\n2,y\n'));
    await w.add('t', w.write('2/t.csv', 'a,b\n1,x\n2,y\n2,y\n'));
    const d = await w.engine['datasets.diff']({ from: 't@v1', to: 't@v2' });
    expect(d.rows).toEqual({ added: 1, removed: 1, modified: 0, unchanged: 2 });
    const err = await failure(w.engine['datasets.diff']({ from: 't@v1', to: 't@v2', key: 'nope' }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('"nope"');
    expect(err.hint).toContain('a, b');
  });

  it('compares image datasets by path and content', async () => {
    const w = await workspace();
    const png = (shade: number) => sharp({ create: { width: 4, height: 4, channels: 3, background: { r: shade, g: 0, b: 0 } } }).png().toBuffer();
    for (const [dir, files] of [['v1', { 'a/1.png': 1, 'a/2.png': 2, 'b/3.png': 3 }], ['v2', { 'a/1.png': 1, 'a/2.png': 9, 'b/4.png': 4 }]] as const) {
      for (const [rel, shade] of Object.entries(files)) {
        const p = path.join(w.dir, dir, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, await png(shade));
      }
      await w.add('img', path.join(w.dir, dir));
    }
    const d = await w.engine['datasets.diff']({ from: 'img@v1', to: 'img@v2' });
    expect(d.files).toEqual({ added: ['b/4.png'], removed: ['b/3.png'], modified: ['a/2.png'], unchanged: 1 });
  });

  it('pairs by content on at least half the columns, each removed row once, best match first', () => {
    const removed = [
      [1, 'ann', 'red', 10],
      [2, 'bob', 'red', 20],
      [3, 'cat', 'blue', 30],
    ];
    const added = [
      [2, 'bob', 'green', 21], // two of four changed: paired with bob
      [9, 'zed', 'blue', 31], // three of four changed: a new row
      [1, 'ann', 'red', 11], // one changed: paired with ann
      [1, 'ann', 'red', 12], // ann is taken
    ];
    expect(pairByContent(removed, added, 4)).toEqual([
      { removed: 1, added: 0, changed: [2, 3] },
      { removed: 0, added: 2, changed: [3] },
    ]);
    expect(pairByContent([[1]], [[2]], 1)).toEqual([]);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
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

  it('without a key counts changed rows as removed plus added, and reports schema changes', async () => {
    const w = await workspace();
    await w.add('t', w.write('1/t.csv', table(before)));
    await w.add('t', w.write('2/t.csv', table(after)));
    const d = await w.engine['datasets.diff']({ from: 't@v1', to: 't' });
    expect(d.rows).toEqual({ added: 4, removed: 5, modified: 0, unchanged: 195 });
    const widened = before.map(([id, n, s]) => `${id},${n},${s},x`).join('\n');
    await w.add('t', w.write('3/t.csv', `id,name,score,extra\n${widened}\n`));
    const s = await w.engine['datasets.diff']({ from: 't@v1', to: 't@v3' });
    expect(s.schema).toEqual([{ column: 'extra', change: 'added', to: 'categorical' }]);
    expect(s.rows).toEqual({ added: 0, removed: 0, modified: 0, unchanged: 200 });
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
});

import fs from 'node:fs';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import sharp from 'sharp';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { TableProfile } from '../../src/shared/datasets';
import { PENGUINS, workspace } from './fixtures';

describe('CSV and TSV import', () => {
  it('reads a BOM, CRLF line ends, quoted fields with newlines and doubled quotes', async () => {
    const w = await workspace();
    const csv = '\uFEFFid,name,note\r\n1,Ann,"line one\r\nline two"\r\n2,"Bo, Jr.","said ""hi"""\r\n3,Cy,\r\n';
    const r = await w.add('people', w.write('people.csv', csv));
    expect(r.created).toBe(true);
    expect(r.version.rowCount).toBe(3);
    const page = await w.engine['datasets.rows']({ ref: 'people', offset: 0, limit: 10 });
    expect(page.columns).toEqual(['id', 'name', 'note']);
    expect(page.rows).toEqual([
      [1, 'Ann', 'line one\r\nline two'],
      [2, 'Bo, Jr.', 'said "hi"'],
      [3, 'Cy', null],
    ]);
  });

  it('detects a semicolon delimiter, TSV and a missing header', async () => {
    const w = await workspace();
    await w.add('semi', w.write('semi.csv', 'a;b\n1;x\n2;y\n'));
    expect((await w.engine['datasets.rows']({ ref: 'semi', offset: 0, limit: 5 })).rows).toEqual([[1, 'x'], [2, 'y']]);
    await w.add('tabs', w.write('t.tsv', 'a\tb\n1\tx,y\n'));
    expect((await w.engine['datasets.rows']({ ref: 'tabs', offset: 0, limit: 5 })).rows).toEqual([[1, 'x,y']]);
    const noHeader = await w.add('nohead', w.write('n.csv', '1,2.5,x\n3,4.5,y\n'));
    expect(noHeader.version.rowCount).toBe(2);
    const page = await w.engine['datasets.rows']({ ref: 'nohead', offset: 0, limit: 5 });
    expect(page.columns).toEqual(['column_1', 'column_2', 'column_3']);
    expect(page.rows[0]).toEqual([1, 2.5, 'x']);
  });

  it('profiles penguins like a reference computation', async () => {
    const w = await workspace();
    await w.add('penguins', PENGUINS);
    const { profile } = await w.engine['datasets.show']({ ref: 'penguins' });
    const table = profile as TableProfile;
    expect(table.rows).toBe(344);
    const parsed = Papa.parse<Record<string, string>>(fs.readFileSync(PENGUINS, 'utf8'), { header: true, skipEmptyLines: true }).data;
    const values = parsed.map((r) => r['Body Mass (g)']).filter((v) => v !== '').map(Number);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    const mass = table.columns.find((c) => c.name === 'Body Mass (g)');
    expect(mass?.type).toBe('numeric');
    expect(mass?.missing).toBe(344 - values.length);
    expect(mass?.mean).toBeCloseTo(mean, 9);
    expect(mass?.std).toBeCloseTo(std, 9);
    expect(mass?.min).toBe(Math.min(...values));
    expect(mass?.max).toBe(Math.max(...values));
    expect(mass?.histogram?.reduce((a, b) => a + b.count, 0)).toBe(values.length);
    const species = table.columns.find((c) => c.name === 'Species');
    expect(species?.type).toBe('categorical');
    expect(species?.distinct).toBe(3);
    expect(species?.top?.[0]).toEqual({ value: 'Adelie', count: 152 });
  });

  it('infers boolean, datetime and text columns and keeps histograms whole on large data', async () => {
    const w = await workspace();
    const lines = ['flag,when,label,x'];
    for (let i = 0; i < 5000; i++) lines.push(`${i % 3 === 0 ? 'true' : 'false'},2024-01-${String((i % 28) + 1).padStart(2, '0')},label ${i},${(i * 7919) % 1000 - 500}`);
    await w.add('kinds', w.write('k.csv', lines.join('\n')));
    const table = (await w.engine['datasets.show']({ ref: 'kinds' })).profile as TableProfile;
    expect(table.columns.map((c) => c.type)).toEqual(['boolean', 'datetime', 'text', 'numeric']);
    expect(table.columns[1].min).toBe('2024-01-01');
    expect(table.columns[3].histogram?.reduce((a, b) => a + b.count, 0)).toBe(5000);
    expect(table.columns[3].histogram?.length).toBeLessThanOrEqual(20);
    expect(table.columns[2].distinct).toBe(5000);
  });
});

describe('row pages', () => {
  it('returns the first, middle and last pages exactly as in the source', async () => {
    const w = await workspace();
    const lines = ['id,word,value'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},"w${i}${i % 97 === 0 ? '\nsecond line' : ''}",${i % 10 === 0 ? '' : i / 4}`);
    await w.add('big', w.write('big.csv', lines.join('\n') + '\n'));
    const expectRow = (i: number) => [i, `w${i}${i % 97 === 0 ? '\nsecond line' : ''}`, i % 10 === 0 ? null : i / 4];
    for (const offset of [0, 9_963, 19_950]) {
      const page = await w.engine['datasets.rows']({ ref: 'big', offset, limit: 100 });
      expect(page.total).toBe(20_000);
      const n = Math.min(100, 20_000 - offset);
      expect(page.rows).toEqual(Array.from({ length: n }, (_, k) => expectRow(offset + k)));
    }
    expect((await w.engine['datasets.rows']({ ref: 'big', offset: 25_000, limit: 10 })).rows).toEqual([]);
  });
});

describe('JSON Lines import', () => {
  it('unions keys into columns and types cells', async () => {
    const w = await workspace();
    const file = w.write('e.jsonl', '{"a":1,"b":"x"}\n\n{"a":2.5,"c":true}\r\n{"b":"y","a":null,"d":{"k":[1]}}\n');
    const r = await w.add('events', file);
    expect(r.version.format).toBe('jsonl');
    expect(r.version.columnCount).toBe(4);
    const page = await w.engine['datasets.rows']({ ref: 'events', offset: 0, limit: 10 });
    expect(page.columns).toEqual(['a', 'b', 'c', 'd']);
    expect(page.rows).toEqual([
      [1, 'x', null, null],
      [2.5, null, true, null],
      [null, 'y', null, '{"k":[1]}'],
    ]);
    const a = ((await w.engine['datasets.show']({ ref: 'events' })).profile as TableProfile).columns[0];
    expect(a).toMatchObject({ type: 'numeric', missing: 1, mean: 1.75 });
  });
});

describe('Parquet import', () => {
  it('reads columns, profiles them and pages across row groups', async () => {
    const w = await workspace();
    const file = path.join(w.dir, 'p.parquet');
    const n = 2500;
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i), type: 'INT32' },
        { name: 'score', data: Array.from({ length: n }, (_, i) => (i % 50 === 0 ? null : i / 10)), type: 'DOUBLE' },
        { name: 'kind', data: Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]), type: 'STRING' },
      ],
      rowGroupSize: 1000,
    });
    const r = await w.add('pq', file);
    expect(r.version).toMatchObject({ format: 'parquet', rowCount: n, columnCount: 3 });
    const page = await w.engine['datasets.rows']({ ref: 'pq', offset: 990, limit: 20 });
    expect(page.rows[0]).toEqual([990, 99, 'a']);
    expect(page.rows[10]).toEqual([1000, null, 'b']);
    const cols = ((await w.engine['datasets.show']({ ref: 'pq' })).profile as TableProfile).columns;
    expect(cols.map((c) => c.type)).toEqual(['numeric', 'numeric', 'categorical']);
    expect(cols[1].missing).toBe(n / 50);
  });
});

describe('image folder import', () => {
  it('reads class subfolders of PNG and JPEG files', async () => {
    const w = await workspace();
    const img = (w2: number, h: number, channels: 3 | 4) => sharp({ create: { width: w2, height: h, channels, background: { r: 200, g: 10, b: 10, alpha: 1 } } });
    fs.mkdirSync(path.join(w.dir, 'pets', 'cats'), { recursive: true });
    fs.mkdirSync(path.join(w.dir, 'pets', 'dogs'), { recursive: true });
    await img(8, 6, 4).png().toFile(path.join(w.dir, 'pets', 'cats', 'a.png'));
    await img(10, 4, 3).jpeg().toFile(path.join(w.dir, 'pets', 'cats', 'b.jpg'));
    await img(12, 12, 3).png().toFile(path.join(w.dir, 'pets', 'dogs', 'c.png'));
    const r = await w.add('pets', path.join(w.dir, 'pets'));
    expect(r.version).toMatchObject({ format: 'images', fileCount: 3, rowCount: 3 });
    const { profile } = await w.engine['datasets.show']({ ref: 'pets' });
    expect(profile).toMatchObject({
      kind: 'images',
      count: 3,
      classes: [{ name: 'cats', count: 2 }, { name: 'dogs', count: 1 }],
      width: { min: 8, max: 12 },
    });
    const page = await w.engine['datasets.rows']({ ref: 'pets', offset: 1, limit: 5 });
    expect(page.columns).toEqual(['path', 'class', 'width', 'height', 'format', 'bytes']);
    expect(page.rows[0].slice(0, 5)).toEqual(['cats/b.jpg', 'cats', 10, 4, 'jpeg']);
  });
});

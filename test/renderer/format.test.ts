import { describe, expect, it } from 'vitest';
import { filterCommands, matchScore, type Command } from '../../src/renderer/commands';
import { formatBytes, formatCell, formatInt, formatNumber, formatPercent, shortId } from '../../src/renderer/format';
import { importPathForUpload, newBatchId } from '../../src/renderer/transport/httpTransport';
import { psiLevel } from '../../src/renderer/screens/datasets/DiffView';
import { nameFromFile, withOriginalName } from '../../src/renderer/screens/datasets/AddDatasetDialog';
import { columnWidths } from '../../src/renderer/screens/datasets/RowsTable';
import { LatheError } from '../../src/shared/errors';
import { datasetNameSchema } from '../../src/shared/datasets';

describe('formatting', () => {
  it('formats numbers for tables', () => {
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatInt(undefined)).toBe('—');
    expect(formatNumber(43.9219298245614)).toBe('43.92');
    expect(formatNumber(4201.754385964912)).toBe('4,201.754');
    expect(formatNumber(3750)).toBe('3,750');
    expect(formatNumber(0.00001234)).toBe('1.234e-5');
    expect(formatNumber('Adelie')).toBe('Adelie');
  });
  it('formats bytes, percentages and ids', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(13487)).toBe('13 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(21_779_615)).toBe('21 MB');
    expect(formatPercent(2, 344)).toBe('0.6%');
    expect(formatPercent(0, 0)).toBe('0%');
    expect(formatPercent(1, 100000)).toBe('<0.1%');
    expect(shortId('a07e8ebb7776fa4d748d')).toBe('a07e8ebb7776');
  });
  it('turns cells into text, never markup', () => {
    expect(formatCell(null)).toEqual({ text: 'null', kind: 'null' });
    expect(formatCell(0.1 + 0.2)).toEqual({ text: '0.3', kind: 'number' });
    expect(formatCell(true)).toEqual({ text: 'true', kind: 'bool' });
    expect(formatCell('<img src=x onerror=alert(1)>')).toEqual({ text: '<img src=x onerror=alert(1)>', kind: 'text' });
  });
});

describe('command palette matching', () => {
  const cmds: Command[] = ['Datasets', 'Experiments', 'Open penguins', 'Toggle light/dark theme'].map((title) => ({ id: title, title, group: 'Go to', run: () => {} }));
  it('matches substrings first, then subsequences', () => {
    expect(matchScore('exp', 'Experiments')).toBeGreaterThan(matchScore('exp', 'Open penguins'));
    expect(matchScore('zzz', 'Datasets')).toBe(-1);
    expect(filterCommands(cmds, 'peng')[0].title).toBe('Open penguins');
    expect(filterCommands(cmds, 'theme')[0].title).toBe('Toggle light/dark theme');
    expect(filterCommands(cmds, '')).toHaveLength(4);
  });
});

describe('uploads', () => {
  it('imports the single file, or the top folder of a folder upload', () => {
    const file = new Blob(['x']) as File;
    expect(importPathForUpload([{ file, relativePath: 'a.csv' }], [{ file: '/w/tmp/uploads/b1/a.csv', folder: '/w/tmp/uploads/b1' }])).toBe('/w/tmp/uploads/b1/a.csv');
    expect(
      importPathForUpload(
        [
          { file, relativePath: 'birds/robin/1.png' },
          { file, relativePath: 'birds/wren/2.png' },
        ],
        [{ file: '/w/tmp/uploads/b1/birds/robin/1.png', folder: '/w/tmp/uploads/b1' }],
      ),
    ).toBe('/w/tmp/uploads/b1/birds');
    expect(importPathForUpload([{ file, relativePath: 'birds/a/1.png' }], [{ file: 'C:\\w\\b1\\birds\\a\\1.png', folder: 'C:\\w\\b1' }])).toBe('C:\\w\\b1\\birds');
  });
  it('makes batch ids the server accepts', () => {
    const id = newBatchId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{6,64}$/);
    expect(newBatchId()).not.toBe(id);
  });
  it('suggests a valid dataset name from a file name', () => {
    for (const n of ['penguins.csv', 'Penguins 2024 (final).parquet', '__weird__.jsonl', 'birds']) {
      expect(datasetNameSchema.safeParse(nameFromFile(n)).success).toBe(true);
    }
    expect(nameFromFile('Penguins 2024.csv')).toBe('Penguins_2024');
  });
  it("names the user's file, not its temporary upload copy, in errors", () => {
    const e = new LatheError('BAD_FILE', '/w/tmp/uploads/b1/empty.csv is empty', { where: '/w/tmp/uploads/b1/empty.csv', hint: 'Add rows.' });
    const r = withOriginalName(e, '/w/tmp/uploads/b1/empty.csv', 'empty.csv');
    expect(r.message).toBe('empty.csv is empty');
    expect(r.where).toBe('empty.csv');
    expect(r.code).toBe('BAD_FILE');
  });
});

describe('views', () => {
  it('grades PSI by the usual thresholds', () => {
    expect(psiLevel(undefined)).toBe('none');
    expect(psiLevel(0.01)).toBe('stable');
    expect(psiLevel(0.2)).toBe('moderate');
    expect(psiLevel(0.9)).toBe('large');
  });
  it('sizes columns from header and values, within bounds', () => {
    const w = columnWidths(['id', 'a very long column name indeed, longer than any sane one'], [[1, 'x']]);
    expect(w[0]).toBe(96);
    expect(w[1]).toBe(320);
  });
});

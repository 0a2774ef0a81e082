import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { analyzeDelimited } from '../../src/main/engine/datasets/formats/delimited';
import { analyzeDelimitedParallel } from '../../src/main/engine/datasets/parallelAnalysis';
import { exactPart } from './quantileCheck';

/**
 * The one-pass CSV reader parses in its own buffer (what a read cut off moves to the front; the
 * buffer doubles for a row longer than a read): rows that straddle the 4 MiB reads, one longer than
 * two reads, multi-byte characters and CRLF at the cuts give what the parts reader and papaparse give.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fileOf(bytes: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-onepass-'));
  dirs.push(dir);
  const file = path.join(dir, 't.csv');
  fs.writeFileSync(file, bytes);
  return file;
}

describe('one-pass CSV reader', () => {
  it('rows across reads, a row longer than a read, multi-byte text and CRLF at the cuts', async () => {
    const lines = ['id,name,x'];
    const long = `"${'é\r\n"",'.repeat(750_000)}"`; // ~5.3 MB quoted, line ends and quotes inside
    for (let i = 0; i < 100_000; i++) lines.push(i === 60_000 ? `${i},${long},1` : `${i},"n ${'€'.repeat(i % 7)} ${i % 13}",${(i % 101) / 4}`);
    const text = lines.join('\r\n') + '\r\n';
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    const file = fileOf(bytes);
    const one = await analyzeDelimited(file, 'csv', () => {});
    const cut = bytes.indexOf('\r\n80000,') + 2;
    const many = await analyzeDelimitedParallel(file, 'csv', bytes.length, () => {}, { starts: (plan) => [plan.bom, cut] });
    const rows = Papa.parse<string[]>(text, { skipEmptyLines: true }).data.length - 1;
    expect(one.profile.rows).toBe(rows);
    expect(exactPart(one.profile)).toEqual(exactPart(many.profile));
    expect(one.index).toEqual(many.index);
  });

  it('a bad byte past the first read is reported at its offset', async () => {
    const head = Buffer.from('a,b\n' + '1,2\n'.repeat(1_500_000));
    const bytes = Buffer.concat([head, Buffer.from([0x31, 0x2c, 0xff, 0x0a])]);
    const file = fileOf(bytes);
    await expect(analyzeDelimited(file, 'csv', () => {})).rejects.toThrow(`byte ${head.length + 2} (line 1500002) is not valid UTF-8`);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import type { DatasetFormat } from '../../../../shared/datasets';
import { LatheError } from '../../../../shared/errors';

const BY_EXTENSION: Record<string, DatasetFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

const PARQUET_MAGIC = Buffer.from('PAR1');

/**
 * The format of a file or folder: a folder is an image dataset; a file goes by its extension, and
 * when that says nothing, by its first bytes (Parquet magic, a `{` line, tabs or commas).
 */
export function detectFormat(source: string, isDirectory: boolean): DatasetFormat {
  if (isDirectory) return 'images';
  const byExtension = BY_EXTENSION[path.extname(source).toLowerCase()];
  if (byExtension) return byExtension;
  const fd = fs.openSync(source, 'r');
  const head = Buffer.alloc(4096);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  if (n >= 4 && head.subarray(0, 4).equals(PARQUET_MAGIC)) return 'parquet';
  const text = head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  const firstLine = text.split('\n', 1)[0];
  if (firstLine.trimStart().startsWith('{')) return 'jsonl';
  if (firstLine.includes('\t') && !firstLine.includes(',')) return 'tsv';
  // eslint-disable-next-line no-control-regex -- control bytes are how binary is recognised
  if (n > 0 && /[\x00-\x08\x0e-\x1f]/.test(text) && !/[,;\t|]/.test(firstLine)) {
    throw new LatheError('UNSUPPORTED_MEDIA_TYPE', `${source} is not a format Lathe imports (it looks binary)`, {
      where: source,
      hint: 'Lathe imports CSV, TSV, JSON Lines, Parquet and folders of PNG/JPEG images; pass --format if the extension misleads.',
    });
  }
  return 'csv';
}

import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import type { CellValue, ColumnType } from '../../../../shared/datasets';
import { LatheError } from '../../../../shared/errors';
import { cellText, ColumnProfiler, tableProfile } from '../profile';
import type { TableIndex } from '../rowIndex';
import { MAX_COLUMNS, tooManyColumns } from './limits';
import type { TableAnalysis } from './table';

function badParquet(file: string, e: unknown): LatheError {
  return new LatheError('BAD_FILE', `${file} is not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`, {
    where: file,
    hint: 'Check that the file is complete; Lathe reads Parquet written by pandas, pyarrow, Spark, DuckDB and others.',
    cause: e,
  });
}

export function parquetColumns(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** Reads rows [rowStart, rowEnd) as arrays, one row group at a time (hyparquet reads only what it needs). */
export async function readParquetRows(file: AsyncBuffer, metadata: FileMetaData, rowStart: number, rowEnd: number): Promise<unknown[][]> {
  let rows: unknown[][] = [];
  await parquetRead({
    file,
    metadata,
    rowStart,
    rowEnd,
    rowFormat: 'array',
    onComplete: (r: unknown[][]) => {
      rows = r;
    },
  });
  return rows;
}

/** Row-group boundaries: [start, end) row ranges, so scans hold one group in memory at a time. */
export function rowGroupRanges(metadata: FileMetaData): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (const g of metadata.row_groups) {
    const n = Number(g.num_rows);
    out.push([start, start + n]);
    start += n;
  }
  return out;
}

export async function analyzeParquet(file: string, onProgress: (done: number) => void): Promise<TableAnalysis> {
  let metadata: FileMetaData;
  let buffer: AsyncBuffer;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw badParquet(file, e);
  }
  const columns = parquetColumns(metadata);
  if (columns.length > MAX_COLUMNS) throw tooManyColumns(file, file, `its schema has ${columns.length} columns`);
  const profilers = columns.map((c) => new ColumnProfiler(c));
  const rowCount = Number(metadata.num_rows);
  if (rowCount === 0) {
    throw new LatheError('BAD_FILE', `${file} has no rows`, { where: file, hint: 'Add a Parquet file with at least one row.' });
  }
  try {
    for (const [start, end] of rowGroupRanges(metadata)) {
      for (const row of await readParquetRows(buffer, metadata, start, end)) {
        for (let k = 0; k < profilers.length; k++) profilers[k].addValue(row[k]);
      }
      onProgress(Math.round((end / rowCount) * buffer.byteLength));
    }
  } catch (e) {
    throw badParquet(file, e);
  }
  return parquetAnalysis(file, rowCount, profilers, columns);
}

/** The profile and index of a Parquet file from its (merged) column profiles. */
export function parquetAnalysis(file: string, rowCount: number, profilers: ColumnProfiler[], columns: string[]): TableAnalysis {
  const profile = tableProfile(rowCount, profilers);
  const index: TableIndex = {
    format: 'parquet',
    file: path.basename(file),
    columns,
    types: profile.columns.map((c) => c.type),
    rowCount,
    offsets: [],
  };
  return { profile, index };
}

export function parquetCell(v: unknown, type: ColumnType | undefined): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (type === 'numeric' && typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) return Number(v);
  return cellText(v);
}

import type { TableProfile } from '../../../shared/datasets';
import { analyzeDelimited } from './formats/delimited';
import { analyzeJsonl } from './formats/jsonl';
import { analyzeParquet } from './formats/parquet';
import type { TableAnalysis } from './formats/table';
import { encodeTableIndex } from './rowIndex';

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

export interface TableJob {
  file: string;
  format: TableFormat;
}

/** What the import pass of a table file hands back: structured-clone friendly, the index as bytes. */
export interface TableResult {
  profile: TableProfile;
  rowCount: number;
  columnCount: number;
  /** `encodeTableIndex` bytes; moved (not copied) out of a worker. */
  index: Uint8Array;
  /** Things the import changed that the user should hear about (renamed duplicate headers). */
  notes: string[];
}

/** Parses and profiles a table file and encodes its row index (one pass; runs in a worker or inline). */
export async function analyzeTable(job: TableJob, onBytes: (done: number) => void): Promise<TableResult> {
  let table: TableAnalysis;
  if (job.format === 'parquet') table = await analyzeParquet(job.file, onBytes);
  else if (job.format === 'jsonl') table = await analyzeJsonl(job.file, onBytes);
  else table = await analyzeDelimited(job.file, job.format, onBytes);
  return tableResult(table);
}

/** The analysis as it crosses threads: the row index encoded as bytes. */
export function tableResult(table: TableAnalysis): TableResult {
  return {
    profile: table.profile,
    rowCount: table.profile.rows,
    columnCount: table.index.columns.length,
    index: encodeTableIndex(table.index),
    notes: table.notes ?? [],
  };
}

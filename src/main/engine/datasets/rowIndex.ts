import type { ColumnType } from '../../../shared/datasets';

/** Every ROW_INDEX_STRIDE-th row's byte offset is kept: a page parses at most this many extra rows. */
export const ROW_INDEX_STRIDE = 64;

/**
 * What a table version needs to be read back without re-scanning it: its layout (delimiter,
 * header), its columns and their types (to type cells), and for text formats the byte offset of
 * every 64th row. Stored as one blob beside the data: a JSON head, then the offsets as float64.
 */
export interface TableIndex {
  format: 'csv' | 'tsv' | 'jsonl' | 'parquet';
  /** Path of the data file inside the version. */
  file: string;
  columns: string[];
  types: ColumnType[];
  rowCount: number;
  /** Delimited text only: the delimiter character. */
  delimiter?: string;
  /** Delimited text only: whether the first row held the column names. */
  header?: boolean;
  /** Byte offset of row k * ROW_INDEX_STRIDE (text formats; empty for parquet). */
  offsets: number[];
}

export function encodeTableIndex(index: TableIndex): Buffer {
  const { offsets, ...head } = index;
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const out = Buffer.alloc(4 + json.length + offsets.length * 8);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  const at = 4 + json.length;
  offsets.forEach((o, k) => out.writeDoubleLE(o, at + k * 8));
  return out;
}

export function decodeTableIndex(buf: Buffer): TableIndex {
  const len = buf.readUInt32LE(0);
  const head = JSON.parse(buf.toString('utf8', 4, 4 + len)) as Omit<TableIndex, 'offsets'>;
  const at = 4 + len;
  const offsets = Array.from({ length: (buf.length - at) / 8 }, (_, k) => buf.readDoubleLE(at + k * 8));
  return { ...head, offsets };
}

/** Collects row offsets during the import pass. */
export class RowOffsets {
  readonly offsets: number[] = [];
  private rows = 0;

  add(rowStart: number): void {
    if (this.rows % ROW_INDEX_STRIDE === 0) this.offsets.push(rowStart);
    this.rows++;
  }
}

/** Byte range holding rows [offset, offset + limit), and how many rows to skip at its start. */
export function byteRangeForRows(index: TableIndex, fileSize: number, offset: number, limit: number) {
  const first = Math.floor(offset / ROW_INDEX_STRIDE);
  const after = Math.ceil((offset + limit) / ROW_INDEX_STRIDE);
  return {
    start: index.offsets[first] ?? fileSize,
    end: after < index.offsets.length ? index.offsets[after] : fileSize,
    skip: offset - first * ROW_INDEX_STRIDE,
  };
}

import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { parquetMetadataAsync } from 'hyparquet';
import type { CellValue, RowPage } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { DatasetsRepo, VersionRow } from '../db/datasetsRepo';
import type { ObjectStore } from '../store/objectStore';
import { DelimitedRowReader } from './formats/delimited';
import { IMAGE_COLUMNS, imageRow } from './imageRows';
import { JsonlRowReader } from './formats/jsonl';
import { parquetCell, readParquetRows, rowGroupRanges } from './formats/parquet';
import { byteRangeForRows, decodeTableIndex, type TableIndex } from './rowIndex';

const CACHE_SIZE = 16;

/** An AsyncBuffer over a blob in the store, so hyparquet reads only the byte ranges it needs. */
function storeAsyncBuffer(store: ObjectStore, hash: string): AsyncBuffer {
  const byteLength = store.blobSize(hash);
  return {
    byteLength,
    slice(start: number, end?: number): ArrayBuffer {
      const b = store.readRange(hash, start, end ?? byteLength);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
    },
  };
}

interface OpenTable {
  index: TableIndex;
  dataHash: string;
  dataSize: number;
  parquet?: { file: AsyncBuffer; metadata: FileMetaData };
}

/**
 * Reads versions back from the store: pages of rows through the row index (only the bytes of the
 * requested rows are read), and full scans for diffs. Keeps a few decoded indexes in memory so
 * paging through a version does not re-read its index.
 */
export class VersionReader {
  private readonly open = new Map<string, OpenTable>();

  constructor(
    private readonly store: ObjectStore,
    private readonly repo: DatasetsRepo,
  ) {}

  async table(version: VersionRow): Promise<OpenTable> {
    const key = `${version.dataset_id}/${version.id}`;
    const cached = this.open.get(key);
    if (cached) {
      this.open.delete(key);
      this.open.set(key, cached);
      return cached;
    }
    if (!version.index_blob) throw new LatheError('INTERNAL', `Version ${version.id.slice(0, 12)} has no row index`);
    const index = decodeTableIndex(this.store.readBlob(version.index_blob));
    const file = this.repo.files(version.dataset_id, version.id).find((f) => f.path === index.file);
    if (!file) throw new LatheError('CORRUPT_OBJECT', `Version ${version.id.slice(0, 12)} lost its data file ${index.file}`);
    const table: OpenTable = { index, dataHash: file.blob_hash, dataSize: file.size };
    if (index.format === 'parquet') {
      const buffer = storeAsyncBuffer(this.store, file.blob_hash);
      table.parquet = { file: buffer, metadata: await parquetMetadataAsync(buffer) };
    }
    this.open.set(key, table);
    if (this.open.size > CACHE_SIZE) this.open.delete(this.open.keys().next().value as string);
    return table;
  }

  async columns(version: VersionRow): Promise<string[]> {
    return version.format === 'images' ? [...IMAGE_COLUMNS] : (await this.table(version)).index.columns;
  }

  async page(version: VersionRow, offset: number, limit: number): Promise<RowPage> {
    const total = version.row_count;
    if (version.format === 'images') {
      const rows = this.repo.filePage(version.dataset_id, version.id, offset, limit).map(imageRow);
      return { columns: [...IMAGE_COLUMNS], offset, rows, total };
    }
    const t = await this.table(version);
    const columns = t.index.columns;
    if (offset >= total) return { columns, offset, rows: [], total };
    limit = Math.min(limit, total - offset);
    if (t.parquet) {
      const raw = await readParquetRows(t.parquet.file, t.parquet.metadata, offset, offset + limit);
      return { columns, offset, rows: raw.map((r) => r.map((v, k) => parquetCell(v, t.index.types[k]))), total };
    }
    const range = byteRangeForRows(t.index, t.dataSize, offset, limit);
    const bytes = this.store.readRange(t.dataHash, range.start, range.end);
    const reader = t.index.format === 'jsonl' ? new JsonlRowReader(t.index) : new DelimitedRowReader(t.index);
    return { columns, offset, rows: reader.page(bytes, range.skip, limit), total };
  }

  /** Calls `onRow` for every row in order; the cells array is reused between calls. */
  async scan(version: VersionRow, onRow: (cells: CellValue[]) => void): Promise<void> {
    const t = await this.table(version);
    if (t.parquet) {
      const { file, metadata } = t.parquet;
      for (const [start, end] of rowGroupRanges(metadata)) {
        for (const r of await readParquetRows(file, metadata, start, end)) onRow(r.map((v, k) => parquetCell(v, t.index.types[k])));
      }
      return;
    }
    const reader = t.index.format === 'jsonl' ? new JsonlRowReader(t.index) : new DelimitedRowReader(t.index);
    const scanner = reader.scanner(onRow);
    for (const chunk of this.store.iterateBlob(t.dataHash)) scanner.push(chunk);
    scanner.finish();
  }

  /** Specific rows by position (for diff samples): one small page read each. */
  async rowsAt(version: VersionRow, positions: number[]): Promise<CellValue[][]> {
    const out: CellValue[][] = [];
    for (const p of positions) out.push((await this.page(version, p, 1)).rows[0] ?? []);
    return out;
  }
}

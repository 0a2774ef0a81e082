import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { toLatheError, type LatheErrorData } from '../../../../shared/errors';
import { ColumnProfiler, type ColumnState } from '../profile';
import type { PartRange } from './textPart';
import { readParquetRows, rowGroupRanges } from './parquet';

/**
 * One part of a Parquet file: row groups [range.start, range.end). Row groups are the format's own
 * split points, so parts need no check: `firstRow`/`stop` are the group indices (the part starts
 * where the one before stops), and there are no row offsets (pages read whole groups).
 */
export interface ParquetPartResult {
  start: number;
  firstRow: number;
  stop: number;
  rows: number;
  rowStarts: Float64Array;
  rowStartsEvery: number;
  profiles: ColumnState[];
  error: LatheErrorData | null;
}

export async function analyzeParquetPart(file: string, range: PartRange, width: number, onBytes: (n: number) => void): Promise<ParquetPartResult> {
  const profilers = Array.from({ length: width }, (_, k) => new ColumnProfiler(`column_${k + 1}`));
  const end = range.end ?? Infinity;
  let rows = 0;
  let error: LatheErrorData | null = null;
  let stop = -1;
  try {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    const groups = rowGroupRanges(metadata);
    const total = Number(metadata.num_rows) || 1;
    stop = Math.min(end, groups.length);
    for (let g = range.start; g < stop; g++) {
      const [first, last] = groups[g];
      for (const row of await readParquetRows(buffer, metadata, first, last)) {
        for (let k = 0; k < width; k++) profilers[k].addValue(row[k]);
        rows++;
      }
      onBytes(Math.round(((last - first) / total) * buffer.byteLength));
    }
    if (stop >= groups.length) stop = -1;
  } catch (e) {
    error = toLatheError(e).toJSON();
  }
  return { start: range.start, firstRow: range.start, stop, rows, rowStarts: new Float64Array(0), rowStartsEvery: 1, profiles: profilers.map((p) => p.state()), error };
}

import type { LatheErrorData } from '../../../../shared/errors';
import type { ColumnState } from '../profile';
import { JsonLineSplitter, JsonlRows } from './jsonl';
import { hasBom } from './textInput';
import { ROW_INDEX_STRIDE } from '../rowIndex';
import { readPart, RowStarts, withSink, type PartEndControl, type PartRange } from './textPart';

/** One part of a JSON Lines file: its keys in first-seen order with their profiles, and its rows. */
export interface JsonlPartResult {
  start: number;
  firstRow: number;
  stop: number;
  rows: number;
  /** Row starts of the part, in order: every row's, or every `rowStartsEvery`-th row's (a part that starts the file). */
  rowStarts: Float64Array;
  rowStartsEvery: number;
  /** Keys first seen in this part, in order, with their profiles. */
  keys: string[];
  profiles: ColumnState[];
  error: LatheErrorData | null;
}

/**
 * Parses and profiles one part of a JSON Lines file. A line end is always a record boundary (a JSON
 * string cannot hold a raw line end), so every split is right; the part is still checked like a
 * delimited one. The first part skips a BOM.
 */
export function analyzeJsonlPart(file: string, range: PartRange, onBytes: (n: number) => void, movable?: PartEndControl): JsonlPartResult {
  // A part that starts the file keeps only the row index's starts (every ROW_INDEX_STRIDE-th row).
  const starts = new RowStarts(range.start === 0 ? ROW_INDEX_STRIDE : 1);
  const sink = new JsonlRows(file, (at) => starts.add(at), range.end ?? Infinity);
  let splitter: JsonLineSplitter | null = null;
  const consumer = {
    push(piece: Buffer) {
      if (splitter === null) {
        const bom = range.start === 0 && hasBom(piece) ? 3 : 0;
        splitter = new JsonLineSplitter(file, sink.line, range.start + bom);
        piece = piece.subarray(bom);
      }
      splitter.push(piece);
    },
    finish() {
      (splitter as JsonLineSplitter | null)?.finish();
    },
  };
  const { stop, error } = readPart(file, range, consumer, onBytes, movable && withSink(movable, sink));
  return {
    start: range.start,
    firstRow: sink.firstRow,
    stop,
    rows: sink.rows,
    rowStarts: starts.result(),
    rowStartsEvery: starts.every,
    keys: sink.profilers.map((p) => p.name),
    profiles: sink.profilers.map((p) => p.state()),
    error,
  };
}

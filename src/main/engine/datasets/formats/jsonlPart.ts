import type { LatheErrorData } from '../../../../shared/errors';
import type { ColumnState } from '../profile';
import { JsonLineSplitter, JsonlRows } from './jsonl';
import { hasBom } from './textInput';
import { readPart, RowStarts, type PartRange } from './textPart';

/** One part of a JSON Lines file: its keys in first-seen order with their profiles, and its rows. */
export interface JsonlPartResult {
  start: number;
  firstRow: number;
  stop: number;
  rows: number;
  rowStarts: Float64Array;
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
export function analyzeJsonlPart(file: string, range: PartRange, onBytes: (n: number) => void): JsonlPartResult {
  const starts = new RowStarts();
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
  const { stop, error } = readPart(file, range, consumer, onBytes);
  return {
    start: range.start,
    firstRow: sink.firstRow,
    stop,
    rows: sink.rows,
    rowStarts: starts.result(),
    keys: sink.profilers.map((p) => p.name),
    profiles: sink.profilers.map((p) => p.state()),
    error,
  };
}

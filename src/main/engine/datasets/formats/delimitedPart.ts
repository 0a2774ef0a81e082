import type { LatheErrorData } from '../../../../shared/errors';
import type { ColumnState } from '../profile';
import { DelimitedRows, type DelimitedPlan } from './delimited';
import { DelimitedParser } from './delimitedParser';
import { ROW_INDEX_STRIDE } from '../rowIndex';
import { readPart, RowStarts, withSink, type PartEndControl, type PartRange } from './textPart';

/** One part's import pass: its column profiles, every row's start, and where its rows begin and end. */
export interface PartResult {
  start: number;
  /** Start of the part's first data row, -1 when it has none. */
  firstRow: number;
  /** Start of the first row at or after the part's end (the next part's first row), -1 when the file ended first. */
  stop: number;
  rows: number;
  /** Row starts of the part, in order: every row's, or every `rowStartsEvery`-th row's (a part that starts the file). */
  rowStarts: Float64Array;
  rowStartsEvery: number;
  /** The first part only: the column names (from the header or made up), renames, the header's line. */
  columns: string[] | null;
  notes: string[];
  headerLine: number;
  /** Per column, in the file's column order. */
  profiles: ColumnState[];
  /** The part failed (bad bytes, a ragged row, or a start that was not a row boundary after all). */
  error: LatheErrorData | null;
}

/**
 * Parses and profiles one part of a delimited file (in a worker of the parallel import), from
 * `range.start` (taken to be a row boundary) to the first row at or after `range.end`. The first
 * part (`columns` null) reads the header as the sequential pass does; later parts are given the width.
 */
export function analyzeDelimitedPart(
  plan: DelimitedPlan,
  range: PartRange,
  columns: string[] | null,
  onBytes: (n: number) => void,
  opts: { movable?: PartEndControl; pastCap?: ReadonlySet<number> } = {},
): PartResult {
  const { movable, pastCap } = opts;
  // A part that starts the file keeps only the row index's starts (every ROW_INDEX_STRIDE-th row).
  const starts = new RowStarts(columns === null ? ROW_INDEX_STRIDE : 1);
  const sink = new DelimitedRows(plan, (at) => starts.add(at), columns, range.end ?? Infinity, pastCap);
  const parser = new DelimitedParser(plan.delimiter.charCodeAt(0), sink, plan.file, range.start);
  const { stop, error } = readPart(plan.file, range, parser, onBytes, movable && withSink(movable, sink));
  return {
    start: range.start,
    firstRow: sink.firstRow,
    stop,
    rows: sink.rows,
    rowStarts: starts.result(),
    rowStartsEvery: starts.every,
    columns: columns === null ? sink.columns : null,
    notes: sink.notes,
    headerLine: sink.headerLine,
    profiles: sink.profilers.map((p) => p.state()),
    error,
  };
}

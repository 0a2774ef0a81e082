import path from 'node:path';
import type { CellValue, ColumnType } from '../../../../shared/datasets';
import { LatheError } from '../../../../shared/errors';
import { cellText, ColumnProfiler, tableProfile } from '../profile';
import { RowOffsets, type TableIndex } from '../rowIndex';
import { jsonDepth, MAX_COLUMNS, MAX_JSON_DEPTH, tooManyColumns } from './limits';
import type { TableAnalysis } from './table';
import { PartEnd } from './textPart';
import { CR, hasBom, LF, MAX_ROW_BYTES, readTextFile, rowTooLong } from './textInput';

/**
 * Splits a stream of JSON Lines into lines, carrying a cut line to the next piece. Blank lines are
 * skipped; each line's absolute start offset and 1-based number go to `onLine`.
 */
export class JsonLineSplitter {
  private carry: Buffer | null = null;
  private base: number;
  private line = 1;

  constructor(
    private readonly file: string,
    private readonly onLine: (buf: Buffer, start: number, end: number, rowStart: number, line: number) => void,
    startOffset = 0,
  ) {
    this.base = startOffset;
  }

  push(piece: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, piece]) : piece;
    let pos = 0;
    for (let nl = buf.indexOf(LF); nl >= 0; nl = buf.indexOf(LF, pos)) {
      this.emit(buf, pos, nl);
      pos = nl + 1;
    }
    this.base += pos;
    this.carry = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null;
    if (this.carry && this.carry.length > MAX_ROW_BYTES) throw rowTooLong(this.file, this.line, 'line');
  }

  finish(): void {
    if (this.carry) this.emit(this.carry, 0, this.carry.length);
    this.carry = null;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    const line = this.line++;
    const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
    let first = start;
    while (first < stop && (buf[first] === 0x20 || buf[first] === 0x09)) first++;
    if (first === stop) return;
    this.onLine(buf, start, stop, this.base + start, line);
  }
}

function parseLine(file: string, buf: Buffer, start: number, end: number, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8', start, end));
  } catch (e) {
    throw new LatheError('BAD_FILE', `${file}: line ${line} is not valid JSON (${e instanceof Error ? e.message : String(e)})`, {
      where: `${file}:${line}`,
      hint: 'Each line of a JSON Lines file must be one complete JSON object.',
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LatheError('BAD_FILE', `${file}: line ${line} is not a JSON object`, {
      where: `${file}:${line}`,
      hint: 'Each line must be an object such as {"a": 1, "b": "x"}; its keys become the columns.',
    });
  }
  return value as Record<string, unknown>;
}

/** A value nested deeper than MAX_JSON_DEPTH (the row itself is level 1) is refused as input, naming key and line. */
function checkDepth(file: string, key: string, v: unknown, line: number): void {
  if (jsonDepth(v, MAX_JSON_DEPTH - 1) <= MAX_JSON_DEPTH - 1) return;
  throw new LatheError('BAD_FILE', `${file}: line ${line}, key "${key.slice(0, 100)}" nests arrays/objects more than ${MAX_JSON_DEPTH} levels deep, which Lathe does not import`, {
    where: `${file}:${line}`,
    hint: `Flatten that value (at most ${MAX_JSON_DEPTH} levels of nesting), or store it as a JSON string.`,
  });
}

/**
 * The line sink of an import pass over JSON Lines (a whole file, or a part of one starting at a line
 * start): parses and checks each object and profiles its keys. Columns are the union of the
 * objects' keys in first-seen order; a key missing from a row is a missing value. A line starting
 * at or after `stopAt` ends the part (`PartEnd` is thrown).
 */
export class JsonlRows {
  readonly columnIndex = new Map<string, number>();
  readonly profilers: ColumnProfiler[] = [];
  private readonly seenInRow: number[] = [];
  rows = 0;
  /** Start of the first row seen, or -1. */
  firstRow = -1;

  constructor(
    private readonly file: string,
    private readonly onRowStart: (rowStart: number) => void,
    /** Settable while the part runs (a movable end, textPart.ts). */
    public stopAt = Infinity,
  ) {}

  readonly line = (buf: Buffer, start: number, end: number, rowStart: number, line: number): void => {
    if (rowStart >= this.stopAt) throw new PartEnd(rowStart);
    const { file, columnIndex, profilers, seenInRow, rows } = this;
    const obj = parseLine(file, buf, start, end, line);
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (v !== null && typeof v === 'object') checkDepth(file, key, v, line);
      let k = columnIndex.get(key);
      if (k === undefined) {
        if (profilers.length >= MAX_COLUMNS) throw tooManyColumns(file, `${file}:${line}`, `the objects up to line ${line} have more than ${MAX_COLUMNS} distinct keys`);
        k = profilers.length;
        columnIndex.set(key, k);
        const p = new ColumnProfiler(key);
        p.addMissingTimes(rows);
        profilers.push(p);
        seenInRow.push(-1);
      }
      profilers[k].addValue(v);
      seenInRow[k] = rows;
    }
    for (let k = 0; k < profilers.length; k++) if (seenInRow[k] !== rows) profilers[k].addMissing();
    if (this.firstRow < 0) this.firstRow = rowStart;
    this.onRowStart(rowStart);
    this.rows++;
  };
}

export function noJsonObjects(file: string): LatheError {
  return new LatheError('BAD_FILE', `${file} is empty: it holds no JSON objects`, {
    where: file,
    hint: 'Add a file with one JSON object per line.',
  });
}

/** One pass over a JSON Lines file (see `JsonlRows`). */
export async function analyzeJsonl(file: string, onProgress: (done: number) => void): Promise<TableAnalysis> {
  const offsets = new RowOffsets();
  const sink = new JsonlRows(file, (rowStart) => offsets.add(rowStart));
  let first = true;
  let splitter: JsonLineSplitter | null = null;
  await readTextFile(
    file,
    (piece) => {
      if (first) {
        const bomBytes = hasBom(piece) ? 3 : 0;
        splitter = new JsonLineSplitter(file, sink.line, bomBytes);
        piece = piece.subarray(bomBytes);
        first = false;
      }
      (splitter as JsonLineSplitter).push(piece);
    },
    onProgress,
  );
  (splitter as JsonLineSplitter | null)?.finish();
  if (sink.rows === 0) throw noJsonObjects(file);
  return jsonlAnalysis(file, sink.rows, sink.profilers, offsets.offsets);
}

/** The profile and index of a JSON Lines file from its (merged) column profiles and row offsets. */
export function jsonlAnalysis(file: string, rows: number, profilers: ColumnProfiler[], offsets: number[]): TableAnalysis {
  const profile = tableProfile(rows, profilers);
  const index: TableIndex = {
    format: 'jsonl',
    file: path.basename(file),
    columns: profilers.map((p) => p.name),
    types: profile.columns.map((c) => c.type),
    rowCount: rows,
    offsets,
  };
  return { profile, index };
}

function jsonCell(v: unknown, type: ColumnType | undefined): CellValue {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (type === 'numeric' && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return cellText(v);
}

/** Reads typed rows back from JSON Lines bytes. */
export class JsonlRowReader {
  constructor(private readonly index: TableIndex) {}

  private toCells(buf: Buffer, start: number, end: number, line: number, cells: CellValue[]): void {
    const obj = parseLine(this.index.file, buf, start, end, line);
    const { columns, types } = this.index;
    for (let k = 0; k < columns.length; k++) {
      const v = obj[columns[k]];
      // Bytes from a bundle were never through this import's checks: a deep value must not overflow the stack here.
      if (v !== null && typeof v === 'object') checkDepth(this.index.file, columns[k], v, line);
      cells[k] = jsonCell(v, types[k]);
    }
  }

  scanner(onRow: (cells: CellValue[]) => void): { push(piece: Buffer): void; finish(): void } {
    const cells: CellValue[] = new Array<CellValue>(this.index.columns.length).fill(null);
    let first = true;
    const splitter = new JsonLineSplitter(this.index.file, (buf, s, e, _start, line) => {
      this.toCells(buf, s, e, line, cells);
      onRow(cells);
    });
    return {
      push(piece) {
        if (first && hasBom(piece)) piece = piece.subarray(3);
        first = false;
        splitter.push(piece);
      },
      finish: () => splitter.finish(),
    };
  }

  page(bytes: Buffer, skip: number, limit: number): CellValue[][] {
    const out: CellValue[][] = [];
    let seen = 0;
    const splitter = new JsonLineSplitter(this.index.file, (buf, s, e, _start, line) => {
      if (seen++ < skip || out.length >= limit) return;
      const cells = new Array<CellValue>(this.index.columns.length);
      this.toCells(buf, s, e, line, cells);
      out.push(cells);
    });
    splitter.push(bytes);
    splitter.finish();
    return out;
  }
}

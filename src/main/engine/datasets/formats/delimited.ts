import fs from 'node:fs';
import path from 'node:path';
import type { CellValue, ColumnType } from '../../../../shared/datasets';
import { LatheError } from '../../../../shared/errors';
import { ColumnProfiler, parseNumberBytes, tableProfile, unescapeQuoted } from '../profile';
import { RowOffsets, type TableIndex } from '../rowIndex';
import { DelimitedParser, type DelimitedRowSink } from './delimitedParser';
import { hasBom, readTextFileInPlace } from './textInput';
import type { TableAnalysis } from './table';
import { PartEnd } from './textPart';

const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_ROWS = 50;
const CANDIDATE_DELIMITERS = [',', '\t', ';', '|'];

function fieldText(buf: Buffer, b: Int32Array, k: number, at = 0): string {
  const i = at + 3 * k;
  return b[i + 2] ? unescapeQuoted(buf, b[i], b[i + 1]) : buf.toString('utf8', b[i], b[i + 1]);
}

function sampleRows(sample: Buffer, delimiter: string, file: string): string[][] {
  const rows: string[][] = [];
  const parser = new DelimitedParser(delimiter.charCodeAt(0), {
    row(buf, b, n) {
      if (rows.length < SAMPLE_ROWS) rows.push(Array.from({ length: n }, (_, k) => fieldText(buf, b, k)));
    },
  }, file);
  try {
    parser.push(sample);
  } catch {
    // A sample cut inside a long row or quote says nothing about the delimiter: use what parsed.
  }
  return rows;
}

/**
 * Picks the delimiter that splits the sample's rows into the same number (>1) of fields most
 * consistently; ties go to the earlier candidate (comma first).
 */
function detectDelimiter(sample: Buffer, file: string): string {
  let best = ',';
  let bestScore = -1;
  for (const d of CANDIDATE_DELIMITERS) {
    const rows = sampleRows(sample, d, file);
    if (rows.length === 0) continue;
    const width = rows[0].length;
    if (width < 2) continue;
    const consistent = rows.filter((r) => r.length === width).length / rows.length;
    const score = consistent * 1000 + Math.min(width, 999);
    if (consistent >= 0.9 && score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

const looksNumeric = (s: string) => s !== '' && !Number.isNaN(Number(s));

/**
 * The first row is a header when all its cells are non-empty text, and either some column holds
 * numbers below it or none of its cells reappears in its column.
 */
function detectHeader(rows: string[][]): boolean {
  if (rows.length === 0) return false;
  const [first, ...rest] = rows;
  if (first.some((c) => c.trim() === '' || looksNumeric(c))) return false;
  if (rest.length === 0) return true;
  const numericBelow = first.some((_, k) => rest.some((r) => looksNumeric(r[k] ?? '')));
  const repeated = first.some((c, k) => rest.some((r) => r[k] === c));
  return numericBelow || !repeated;
}

/**
 * Header names made usable: blanks get `column_N`, repeats get a `_2` suffix. Each change is said in
 * `notes`, so the import result tells the user which name a column really has.
 */
function uniqueColumnNames(names: string[], line: number): { columns: string[]; notes: string[] } {
  const seen = new Set<string>();
  const notes: string[] = [];
  const columns = names.map((raw, k) => {
    const base = raw.trim() === '' ? `column_${k + 1}` : raw;
    let name = base;
    for (let n = 2; seen.has(name); n++) name = `${base}_${n}`;
    seen.add(name);
    if (raw.trim() === '') notes.push(`header (line ${line}): column ${k + 1} has no name; it is called "${name}"`);
    else if (name !== raw) notes.push(`header (line ${line}): column ${k + 1} repeats the name "${raw}"; it is called "${name}"`);
    return name;
  });
  const MAX_NOTES = 10;
  if (notes.length > MAX_NOTES) notes.splice(MAX_NOTES, notes.length - MAX_NOTES, `header (line ${line}): ${notes.length - MAX_NOTES} more columns were renamed the same way`);
  return { columns, notes };
}

function raggedRow(file: string, line: number, found: number, expected: number, header: boolean): LatheError {
  return new LatheError(
    'BAD_FILE',
    `${file}: line ${line} has ${found} field${found === 1 ? '' : 's'}, expected ${expected} (as in ${header ? 'the header' : 'the first row'})`,
    { where: `${file}:${line}`, hint: 'Every row needs the same number of fields; quote fields that contain the delimiter.' },
  );
}

/** What is decided about a delimited file from its first 64 KiB, before any row is profiled. */
export interface DelimitedPlan {
  file: string;
  format: 'csv' | 'tsv';
  delimiter: string;
  header: boolean;
  /** 3 when the file starts with a UTF-8 byte order mark (not part of the first field). */
  bom: number;
  /** Per column: the shift its sums are taken around (the first number in the sample, else 0). */
  shifts: number[];
  /** Fields in the first row of the sample, or 0 when the sample holds no complete row. */
  width: number;
}

/** The first number of each column in the sample's data rows: a typical value, fixed before any split. */
function sampleShifts(rows: string[][], header: boolean): number[] {
  const data = header ? rows.slice(1) : rows;
  const width = rows[0]?.length ?? 0;
  return Array.from({ length: width }, (_, k) => {
    for (const r of data) {
      const cell = r[k] ?? '';
      const x = cell.trim() === '' ? NaN : Number(cell);
      if (Number.isFinite(x)) return x;
    }
    return 0;
  });
}

/** Reads the head of the file and decides delimiter, header and shifts (the same for every part of it). */
export async function planDelimited(file: string, format: 'csv' | 'tsv'): Promise<DelimitedPlan> {
  const fd = await fs.promises.open(file, 'r');
  const sample = Buffer.alloc(SAMPLE_BYTES);
  const { bytesRead } = await fd.read(sample, 0, SAMPLE_BYTES, 0);
  await fd.close();
  const bom = hasBom(sample.subarray(0, bytesRead));
  const head = sample.subarray(bom ? 3 : 0, bytesRead);
  if (head.toString('utf8').trim() === '') {
    throw new LatheError('BAD_FILE', `${file} is empty`, { where: file, hint: 'Add a file with a header row and at least one data row.' });
  }
  const delimiter = format === 'tsv' ? '\t' : detectDelimiter(head, file);
  const rows = sampleRows(head, delimiter, file);
  const header = detectHeader(rows);
  return { file, format, delimiter, header, bom: bom ? 3 : 0, shifts: sampleShifts(rows, header), width: rows[0]?.length ?? 0 };
}

/** Rows a sink gathers before its columns are profiled, each column in one loop over them. */
const BLOCK_ROWS = 512;

/**
 * The row sink of an import pass over a delimited file, or over a part of one that starts at a row
 * boundary: checks every row's width, profiles every cell and reports each data row's start.
 * Given no `columns`, the first row names them (the start of the file); a part further on is given
 * the columns. A row starting at or after `stopAt` ends the part (`PartEnd` is thrown).
 * Rows are gathered into blocks (their fields' bounds) and profiled column by column when a block
 * is full or the parser is done with its buffer: a column's profiler then runs one tight loop
 * instead of one call per cell, with the same cells in the same order.
 */
export class DelimitedRows implements DelimitedRowSink {
  columns: string[] | null;
  notes: string[] = [];
  profilers: ColumnProfiler[] = [];
  rows = 0;
  headerLine = 0;
  /** Start of the first data row seen, or -1. */
  firstRow = -1;
  /** The parser's bounds array, which holds the gathered rows one after another (none copied). */
  private block: Int32Array = new Int32Array(0);
  private blockRows = 0;
  private blockBuf: Buffer | null = null;

  constructor(
    private readonly plan: DelimitedPlan,
    private readonly onRowStart: (rowStart: number) => void,
    columns: string[] | null = null,
    /** Settable while the part runs (a movable end, textPart.ts). */
    public stopAt = Infinity,
    /** Columns already past the exact distinct cap before this part (see ColumnProfiler's `exact`). */
    private readonly pastCap: ReadonlySet<number> = new Set(),
  ) {
    this.columns = columns;
    if (columns) this.useColumns(columns);
  }

  private useColumns(columns: string[]): void {
    this.profilers = columns.map((c, k) => new ColumnProfiler(c, this.plan.shifts[k] ?? 0, { exact: !this.pastCap.has(k) }));
  }

  /** Keeps the row in the parser's array; returns where the next one goes (0 once a block is profiled). */
  row(buf: Buffer, b: Int32Array, n: number, rowStart: number, line: number, at: number): number | void {
    if (rowStart >= this.stopAt) {
      this.endOfBuffer();
      throw new PartEnd(rowStart);
    }
    if (this.columns === null) {
      const { header } = this.plan;
      const names = header ? Array.from({ length: n }, (_, k) => fieldText(buf, b, k, at)) : Array.from({ length: n }, (_, k) => `column_${k + 1}`);
      if (header) ({ columns: this.columns, notes: this.notes } = uniqueColumnNames(names, line));
      else this.columns = names;
      this.useColumns(this.columns);
      this.headerLine = line;
      if (header) return;
    }
    const width = this.profilers.length;
    if (n !== width) throw raggedRow(this.plan.file, line, n, width, this.plan.header);
    if (buf !== this.blockBuf) {
      this.endOfBuffer();
      this.blockBuf = buf;
    }
    // The parser writes each row after the last one kept, so a block's rows lie `3 * n` apart.
    if (at !== this.blockRows * 3 * n) b.copyWithin(this.blockRows * 3 * n, at, at + 3 * n);
    this.block = b;
    if (this.firstRow < 0) this.firstRow = rowStart;
    this.onRowStart(rowStart);
    this.rows++;
    if (++this.blockRows === BLOCK_ROWS) {
      this.endOfBuffer();
      return 0;
    }
    return this.blockRows * 3 * n;
  }

  /** Profiles the gathered rows (their bytes are about to be reused). */
  endOfBuffer(): void {
    const rows = this.blockRows;
    if (rows === 0 || this.blockBuf === null) return;
    this.blockRows = 0;
    const stride = 3 * this.profilers.length;
    for (let k = 0; k < this.profilers.length; k++) this.profilers[k].addFields(this.blockBuf, this.block, 3 * k, stride, rows);
  }
}

export function noDataRows(file: string, headerLine: number): LatheError {
  return new LatheError('BAD_FILE', `${file} has a header (line ${headerLine}) but no data rows`, {
    where: file,
    hint: 'Add at least one data row below the header.',
  });
}

/**
 * One streaming pass over a CSV/TSV file: parses every row, profiles every column and records the
 * row index. Works on bytes: a cell becomes a string only when it is a new distinct value.
 */
export async function analyzeDelimited(
  file: string,
  format: 'csv' | 'tsv',
  onProgress: (done: number) => void,
): Promise<TableAnalysis> {
  const plan = await planDelimited(file, format);
  const offsets = new RowOffsets();
  const sink = new DelimitedRows(plan, (rowStart) => offsets.add(rowStart));
  // The BOM is not part of the first field; offsets stay absolute so pages read the right bytes.
  const parser = new DelimitedParser(plan.delimiter.charCodeAt(0), sink, file, plan.bom);
  await readTextFileInPlace(file, plan.bom, parser, onProgress);
  if (sink.rows === 0) throw noDataRows(file, sink.headerLine);
  return delimitedAnalysis(plan, sink.rows, sink.profilers, sink.columns ?? [], offsets.offsets, sink.notes);
}

/** The profile and index of a delimited file from its (merged) column profiles and row offsets. */
export function delimitedAnalysis(plan: DelimitedPlan, rows: number, profilers: ColumnProfiler[], columns: string[], offsets: number[], notes: string[]): TableAnalysis {
  const profile = tableProfile(rows, profilers);
  const index: TableIndex = {
    format: plan.format,
    file: path.basename(plan.file),
    columns,
    types: profile.columns.map((c) => c.type),
    rowCount: rows,
    delimiter: plan.delimiter,
    header: plan.header,
    offsets,
  };
  return { profile, index, notes };
}

/** A typed cell: numbers as numbers, empty as null, per the column type found at import. */
function typedCell(buf: Buffer, b: Int32Array, k: number, type: ColumnType | undefined): CellValue {
  const start = b[3 * k];
  const end = b[3 * k + 1];
  if (start === end) return null;
  if (type === 'numeric' && b[3 * k + 2] === 0) {
    const x = parseNumberBytes(buf, start, end);
    if (x === x) return x;
  }
  const text = fieldText(buf, b, k);
  if (type === 'boolean') return text.toLowerCase() === 'true';
  return text;
}

/**
 * Reads typed rows from delimited bytes that start at a row boundary. `fromFileStart` says the
 * bytes begin at the start of the file (so a BOM and a header row must be skipped).
 */
export class DelimitedRowReader {
  private readonly delimiter: number;

  constructor(private readonly index: TableIndex) {
    this.delimiter = (index.delimiter ?? ',').charCodeAt(0);
  }

  /** Streams pieces of the file (from its start) and calls `onRow` with a reused cells array. */
  scanner(onRow: (cells: CellValue[]) => void): { push(piece: Buffer): void; finish(): void } {
    const types = this.index.types;
    const cells: CellValue[] = new Array<CellValue>(types.length).fill(null);
    let headerPending = this.index.header === true;
    let first = true;
    const parser = new DelimitedParser(this.delimiter, {
      row(buf, b, n) {
        if (headerPending) {
          headerPending = false;
          return;
        }
        for (let k = 0; k < n; k++) cells[k] = typedCell(buf, b, k, types[k]);
        onRow(cells);
      },
    }, this.index.file);
    return {
      push(piece) {
        if (first && hasBom(piece)) piece = piece.subarray(3);
        first = false;
        parser.push(piece);
      },
      finish: () => parser.finish(),
    };
  }

  /** Rows of a byte range that starts at a data row: skips `skip`, returns up to `limit`. */
  page(bytes: Buffer, skip: number, limit: number): CellValue[][] {
    const types = this.index.types;
    const out: CellValue[][] = [];
    let seen = 0;
    const parser = new DelimitedParser(this.delimiter, {
      row(buf, b, n) {
        if (seen++ < skip || out.length >= limit) return;
        out.push(Array.from({ length: n }, (_, k) => typedCell(buf, b, k, types[k])));
      },
    }, this.index.file);
    parser.push(bytes);
    parser.finish();
    return out;
  }
}

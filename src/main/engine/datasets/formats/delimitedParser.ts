import { LatheError } from '../../../../shared/errors';
import { MAX_COLUMNS, tooManyColumns } from './limits';
import { CR, LF, MAX_ROW_BYTES, rowTooLong } from './textInput';

const QUOTE = 0x22;

/**
 * Receives complete rows. Field k is bytes [bounds[at + 3k], bounds[at + 3k+1]) of `buf`, without its
 * quotes; bounds[at + 3k+2] is 1 when the field had doubled quotes inside (`""`) that still need
 * unescaping. `buf` is only valid during the call. A sink that returns a number keeps the row's
 * bounds where they are: the parser writes the next row's at that offset of the same array (a sink
 * gathering rows in blocks then needs no copy of them), until `endOfBuffer`, after which it writes
 * from 0 again. A sink that returns nothing gets every row at 0.
 */
export interface DelimitedRowSink {
  row(buf: Buffer, bounds: Int32Array, fieldCount: number, rowStart: number, line: number, at: number): number | void;
  /** Called when the parser is done with the buffer its last rows came from (a sink that keeps rows to handle later must handle them now). */
  endOfBuffer?(): void;
}

/**
 * A streaming RFC 4180 parser working on bytes (delimiters, quotes and newlines are ASCII, so UTF-8
 * text needs no decoding to be split). Quoted fields may hold delimiters, doubled quotes and
 * newlines; CRLF and LF both end rows; blank lines are skipped. Only complete rows reach the sink:
 * a row cut by the end of a piece is carried over and parsed again with the next piece.
 */
export class DelimitedParser {
  /** Line number (1-based) where the next row starts. */
  line = 1;
  private carry: Buffer | null = null;
  /** Absolute byte offset of the first byte of the next buffer parsed. */
  private base: number;
  private bounds = new Int32Array(3 * 64);
  /** Where in `bounds` the current row's fields go (see `DelimitedRowSink`). */
  private at = 0;

  constructor(
    private readonly delimiter: number,
    private readonly sink: DelimitedRowSink,
    private readonly file: string,
    startOffset = 0,
  ) {
    this.base = startOffset;
  }

  push(piece: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, piece]) : piece;
    const consumed = this.parse(buf, false);
    this.base += consumed;
    this.carry = consumed < buf.length ? Buffer.from(buf.subarray(consumed)) : null;
    if (this.carry && this.carry.length > MAX_ROW_BYTES) throw rowTooLong(this.file, this.line, 'row');
  }

  finish(): void {
    if (this.carry) this.parse(this.carry, true);
    this.carry = null;
  }

  /**
   * `push`/`finish` without the carry copy, for a reader that keeps its own buffer: parses the
   * complete rows of `buf` (which starts where the last call stopped) and returns how many bytes it
   * used. The caller keeps `buf` from there on at the front of its buffer, reads more after it and
   * calls again; `atEof` says no more bytes follow (then everything is parsed).
   */
  parseInPlace(buf: Buffer, atEof: boolean): number {
    const consumed = this.parse(buf, atEof);
    this.base += consumed;
    if (!atEof && buf.length - consumed > MAX_ROW_BYTES) throw rowTooLong(this.file, this.line, 'row');
    return consumed;
  }

  /** Records field k; a row wider than MAX_COLUMNS is refused here, before any column is profiled. */
  private field(k: number, start: number, end: number, escaped: number, rowLine: number): void {
    const i = this.at + 3 * k;
    if (i + 3 > this.bounds.length) {
      if (k >= MAX_COLUMNS) throw tooMany(this.file, rowLine);
      // Kept rows move with the array (the sink is handed the new one with the next row).
      const bigger = new Int32Array(this.bounds.length * 2);
      bigger.set(this.bounds);
      this.bounds = bigger;
    }
    this.bounds[i] = start;
    this.bounds[i + 1] = end;
    this.bounds[i + 2] = escaped;
  }

  /** Parses complete rows of `buf`; returns the offset where the first incomplete row starts. */
  private parse(buf: Buffer, atEof: boolean): number {
    const n = buf.length;
    const d = this.delimiter;
    let pos = 0;
    let line = this.line;
    rows: while (pos < n) {
      const rowStart = pos;
      const rowLine = line;
      if (buf[pos] === LF) {
        pos++;
        line++;
        continue;
      }
      if (buf[pos] === CR && (pos + 1 < n ? buf[pos + 1] === LF : !atEof)) {
        if (pos + 1 >= n) break;
        pos += 2;
        line++;
        continue;
      }
      let i = pos;
      let f = 0;
      for (;;) {
        if (i < n && buf[i] === QUOTE) {
          const quoteLine = line;
          let j = i + 1;
          let escaped = 0;
          let q: number;
          for (;;) {
            q = buf.indexOf(QUOTE, j);
            if (q < 0 || (q + 1 >= n && !atEof)) {
              if (atEof) throw unclosedQuote(this.file, quoteLine);
              line = rowLine;
              pos = rowStart;
              break rows;
            }
            if (q + 1 < n && buf[q + 1] === QUOTE) {
              escaped = 1;
              j = q + 2;
              continue;
            }
            break;
          }
          for (let k = buf.indexOf(LF, i); k >= 0 && k < q; k = buf.indexOf(LF, k + 1)) line++;
          this.field(f++, i + 1, q, escaped, rowLine);
          i = q + 1;
          if (i >= n) break; // end of file ends the row
          const b = buf[i];
          if (b === d) {
            i++;
            continue;
          }
          if (b === LF) {
            i++;
            line++;
            break;
          }
          if (b === CR && i + 1 < n && buf[i + 1] === LF) {
            i += 2;
            line++;
            break;
          }
          if (b === CR && i + 1 >= n && !atEof) {
            line = rowLine;
            pos = rowStart;
            break rows;
          }
          throw new LatheError(
            'BAD_FILE',
            `${this.file}: line ${line}, field ${f}: unexpected text after a closing quote`,
            { where: `${this.file}:${line}`, hint: 'A quote inside a quoted field must be doubled (""); fix that line and add the file again.' },
          );
        }
        let j = i;
        while (j < n) {
          const b = buf[j];
          if (b === d || b === LF) break;
          j++;
        }
        if (j >= n && !atEof) {
          line = rowLine;
          pos = rowStart;
          break rows;
        }
        const end = j > i && buf[j - 1] === CR && (j >= n || buf[j] === LF) ? j - 1 : j;
        this.field(f++, i, end, 0, rowLine);
        if (j < n && buf[j] === d) {
          i = j + 1;
          continue;
        }
        if (j < n) line++;
        i = j < n ? j + 1 : j;
        break;
      }
      // Past the array's growth (kept rows make it larger than the widest row): the same refusal.
      if (f > MAX_COLUMNS) throw tooMany(this.file, rowLine);
      this.at = this.sink.row(buf, this.bounds, f, this.base + rowStart, rowLine, this.at) ?? 0;
      pos = i;
    }
    this.line = line;
    this.sink.endOfBuffer?.();
    this.at = 0;
    return pos;
  }
}

function tooMany(file: string, line: number): LatheError {
  return tooManyColumns(file, `${file}:${line}`, `line ${line} has more than ${MAX_COLUMNS} fields`);
}

function unclosedQuote(file: string, line: number): LatheError {
  return new LatheError('BAD_FILE', `${file}: the quoted field opened on line ${line} is never closed`, {
    where: `${file}:${line}`,
    hint: 'Add the missing closing quote (") on that line, or double any quote that is part of the text ("").',
  });
}

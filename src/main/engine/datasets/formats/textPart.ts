import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { LatheError, toLatheError, type LatheErrorData } from '../../../../shared/errors';
import { completeUtf8End, roomToRead, type InPlaceConsumer } from './textInput';

/** Rows whose first byte lies in [start, end) (`end` null: to the end of the file). */
export interface PartRange {
  start: number;
  end: number | null;
}

/**
 * The end of a part that can move earlier while it is read (the two-core handoff,
 * `datasets/handoff.ts`): asked before each read, told how far the part has been read after each.
 */
export interface PartEndControl {
  /** The part's end now (null: the end of the file). */
  current(): number | null;
  /** The file has been read up to `pos`. */
  readTo(pos: number): void;
  /** After each read: the part's column profilers so far (the handoff's head tells the tail which columns passed the exact cap). */
  profiled?(profilers: readonly { pastExactCap: boolean }[]): void;
}

/** A `PartEndControl` that also tells the part's row sink when the end is set (it stops at the first row at or after it). */
interface MovableEnd extends PartEndControl {
  onSet(end: number): void;
}

export function withSink(control: PartEndControl, sink: { stopAt: number; profilers: readonly { pastExactCap: boolean }[] }): MovableEnd {
  return {
    current: () => control.current(),
    readTo: (pos) => {
      control.readTo(pos);
      control.profiled?.(sink.profilers);
    },
    onSet: (end) => (sink.stopAt = end),
  };
}

/** Thrown by a row sink at the first row of the next part: where that row starts. */
export class PartEnd {
  constructor(readonly rowStart: number) {}
}

/**
 * The row starts of a part, in a growing typed array (8 bytes a row, sent to the parent as is): every
 * row's, or only every `every`-th row's for a part that starts the file (its rows' numbers in the file
 * are known, so it keeps just the ones the row index wants).
 */
export class RowStarts {
  private buf = new Float64Array(64 * 1024);
  length = 0;
  private rows = 0;

  constructor(readonly every = 1) {}

  add(at: number): void {
    if (this.rows++ % this.every !== 0) return;
    if (this.length === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = at;
  }

  result(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

const PIECE = 4 * 1024 * 1024;
/** Past the part's end only the row that crosses it is read: small reads, doubling (a long row stays linear). */
const TAIL = 64 * 1024;

/** The part's end after asking `movable`: an end only ever moves earlier. */
function movedEnd(end: number, movable: MovableEnd | undefined): number {
  if (!movable) return end;
  const set = movable.current();
  if (set === null || set >= end) return end;
  movable.onSet(set);
  return set;
}

function notText(file: string, at: number, why: string): LatheError {
  return new LatheError('BAD_FILE', `${file}: byte ${at} ${why}`, { where: file });
}

/**
 * Feeds the bytes of a text file from `start` (a row start, so a character boundary) to `consumer`,
 * checking that they are UTF-8 without NUL bytes as `readTextFile` does, until the consumer's row
 * sink throws `PartEnd` (a row at or after `end`) or the file ends. Returns where the next part's
 * first row starts (-1: the file ended) or the failure, as data: whether a failure counts depends
 * on whether `start` really was a row boundary, which only the part before can tell.
 */
export function readPart(
  file: string,
  range: PartRange,
  consumer: { push(piece: Buffer): void; finish(): void } | InPlaceConsumer,
  onBytes: (n: number) => void,
  movable?: MovableEnd,
): { stop: number; error: LatheErrorData | null } {
  if ('parseInPlace' in consumer) return readPartInPlace(file, range, consumer, onBytes, movable);
  let end = range.end ?? Infinity;
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    const piece = Buffer.allocUnsafe(PIECE + 4);
    let pending = 0;
    let pos = range.start;
    let tail = TAIL;
    for (;;) {
      end = movedEnd(end, movable);
      let want = Math.min(PIECE, end - pos);
      if (pos >= end) {
        want = tail;
        tail = Math.min(PIECE, tail * 2);
      }
      const bytesRead = fs.readSync(fd, piece, pending, want, pos);
      pos += bytesRead;
      movable?.readTo(pos);
      const total = pending + bytesRead;
      const atEnd = bytesRead === 0;
      const checkEnd = atEnd ? total : completeUtf8End(piece.subarray(0, total));
      const view = piece.subarray(0, checkEnd);
      if (!isUtf8(view)) throw notText(file, pos - total, 'starts bytes that are not UTF-8');
      const nul = view.indexOf(0);
      if (nul >= 0) throw notText(file, pos - total + nul, 'is a NUL byte');
      onBytes(checkEnd);
      if (atEnd) {
        consumer.finish();
        return { stop: -1, error: null };
      }
      // The consumer copies what it carries over, so `piece` can be reused.
      if (view.length > 0) consumer.push(view);
      pending = total - checkEnd;
      piece.copy(piece, 0, checkEnd, total);
    }
  } catch (e) {
    if (e instanceof PartEnd) return { stop: e.rowStart, error: null };
    return { stop: -1, error: toLatheError(e).toJSON() };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * `readPart` for an in-place consumer: one buffer for the whole part, no copy of each piece. What
 * the consumer did not use (the start of a row cut by the read) moves to the buffer's front and the
 * next read lands after it; the buffer doubles only when one row fills it. Bytes are checked (UTF-8,
 * no NUL) once each, as they arrive.
 */
function readPartInPlace(file: string, range: PartRange, consumer: InPlaceConsumer, onBytes: (n: number) => void, movable?: MovableEnd): { stop: number; error: LatheErrorData | null } {
  let end = range.end ?? Infinity;
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    let buf = Buffer.allocUnsafe(PIECE);
    // [0, have): bytes not yet used by the consumer, of which [0, checked) were checked.
    let have = 0;
    let checked = 0;
    let pos = range.start;
    let tail = TAIL;
    for (;;) {
      buf = roomToRead(buf, have);
      end = movedEnd(end, movable);
      let want = Math.min(buf.length - have, end - pos);
      if (pos >= end) {
        want = Math.min(buf.length - have, tail);
        tail = Math.min(PIECE, tail * 2);
      }
      const bytesRead = fs.readSync(fd, buf, have, want, pos);
      pos += bytesRead;
      movable?.readTo(pos);
      const total = have + bytesRead;
      const atEnd = bytesRead === 0;
      const checkEnd = atEnd ? total : checked + completeUtf8End(buf.subarray(checked, total));
      const fresh = buf.subarray(checked, checkEnd);
      if (!isUtf8(fresh)) throw notText(file, pos - (total - checked), 'starts bytes that are not UTF-8');
      const nul = fresh.indexOf(0);
      if (nul >= 0) throw notText(file, pos - (total - checked) + nul, 'is a NUL byte');
      onBytes(fresh.length);
      if (atEnd) {
        consumer.parseInPlace(buf.subarray(0, total), true);
        return { stop: -1, error: null };
      }
      const used = consumer.parseInPlace(buf.subarray(0, checkEnd), false);
      buf.copy(buf, 0, used, total);
      have = total - used;
      checked = checkEnd - used;
    }
  } catch (e) {
    if (e instanceof PartEnd) return { stop: e.rowStart, error: null };
    return { stop: -1, error: toLatheError(e).toJSON() };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { LatheError } from '../../../../shared/errors';

/** Rows longer than this are refused: a page read or a diff must never need a huge buffer. */
export const MAX_ROW_BYTES = 16 * 1024 * 1024;
const READ_PIECE = 4 * 1024 * 1024;
export const LF = 0x0a;
export const CR = 0x0d;

export function hasBom(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/** Index just past the last complete UTF-8 character, so a piece can be checked without its cut tail. */
export function completeUtf8End(buf: Uint8Array): number {
  let i = buf.length;
  let back = 0;
  while (i > 0 && back < 4 && (buf[i - 1] & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i === 0) return buf.length;
  const lead = buf[i - 1];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return back + 1 >= need ? buf.length : i - 1;
}

/** Offset of the first byte in `buf` that starts an invalid UTF-8 sequence (error path only). */
function firstInvalidUtf8(buf: Uint8Array): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i < buf.length && buf[i] >= lo && buf[i] <= hi;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    if (b < 0x80) i++;
    else if (b >= 0xc2 && b <= 0xdf && cont(i + 1)) i += 2;
    else if (b >= 0xe0 && b <= 0xef && cont(i + 1, b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf) && cont(i + 2)) i += 3;
    else if (b >= 0xf0 && b <= 0xf4 && cont(i + 1, b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3)) i += 4;
    else return i;
  }
  return buf.length;
}

/**
 * Reads a text file in pieces, checking that it is UTF-8 without NUL bytes as it goes (native checks, no decode), and
 * hands each piece to `onPiece`. Pieces reuse one buffer: consumers copy what they keep.
 */
export async function readTextFile(
  file: string,
  onPiece: (piece: Buffer) => void,
  onProgress?: (done: number) => void,
): Promise<void> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const piece = Buffer.allocUnsafe(READ_PIECE + 4);
    let pending = 0; // bytes of a cut UTF-8 character carried at the start of `piece`
    let done = 0;
    for (;;) {
      const { bytesRead } = await fd.read(piece, pending, READ_PIECE, null);
      const total = pending + bytesRead;
      const atEnd = bytesRead === 0;
      const checkEnd = atEnd ? total : completeUtf8End(piece.subarray(0, total));
      const view = piece.subarray(0, checkEnd);
      await checkText(file, view, done);
      if (view.length > 0) onPiece(view);
      done += checkEnd;
      onProgress?.(done);
      if (atEnd) break;
      pending = total - checkEnd;
      piece.copy(piece, 0, checkEnd, total);
    }
  } finally {
    await fd.close();
  }
}

/** Refuses bytes that are not UTF-8 or hold a NUL (`at`: the file offset of `view`), naming the line. */
async function checkText(file: string, view: Buffer, at: number): Promise<void> {
  if (!isUtf8(view)) {
    const bad = at + firstInvalidUtf8(view);
    const line = await lineOf(file, bad);
    throw new LatheError('BAD_FILE', `${file} is not UTF-8 text: byte ${bad} (line ${line}) is not valid UTF-8`, {
      where: `${file}:${line}`,
      hint: 'Save the file as UTF-8 (for example "CSV UTF-8" in a spreadsheet, or iconv -f latin1 -t utf-8) and add it again.',
    });
  }
  // NUL is valid UTF-8 but never part of text: a file holding one is binary (or UTF-16) under a text name.
  const nul = view.indexOf(0);
  if (nul >= 0) {
    const line = await lineOf(file, at + nul);
    throw new LatheError('BAD_FILE', `${file} is not a text file: line ${line} holds a NUL byte (byte ${at + nul}), so it looks binary`, {
      where: `${file}:${line}`,
      hint: 'Lathe imports CSV, TSV and JSON Lines saved as UTF-8 text; export the data as UTF-8 (not UTF-16 or a binary format) and add it again.',
    });
  }
}

/** `buf`, or a buffer twice its size holding its first `have` bytes when they fill it (one row longer than the buffer). */
export function roomToRead(buf: Buffer<ArrayBuffer>, have: number): Buffer<ArrayBuffer> {
  if (have < buf.length) return buf;
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, have);
  return bigger;
}

/** A parser that works in the reader's own buffer (see `DelimitedParser.parseInPlace`). */
export interface InPlaceConsumer {
  /** Parses the complete rows of `buf`; returns how many bytes it used (all of them when `atEof`). */
  parseInPlace(buf: Buffer, atEof: boolean): number;
}

/**
 * `readTextFile` from byte `from` for a consumer that parses in the reader's buffer: what it did not
 * use (a row cut by the read) moves to the buffer's front and the next read lands after it, so no
 * piece is copied whole (joining each piece to the carried bytes cost ~6% of a CSV's analysis).
 * The buffer doubles only when one row fills it. Same checks and errors as `readTextFile`.
 */
export async function readTextFileInPlace(file: string, from: number, consumer: InPlaceConsumer, onProgress?: (done: number) => void): Promise<void> {
  const fd = await fs.promises.open(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(READ_PIECE);
    // [0, have): bytes the consumer has not used, of which [0, checked) were checked.
    let have = 0;
    let checked = 0;
    let pos = from;
    for (;;) {
      buf = roomToRead(buf, have);
      const { bytesRead } = await fd.read(buf, have, buf.length - have, pos);
      pos += bytesRead;
      const total = have + bytesRead;
      const atEnd = bytesRead === 0;
      const checkEnd = atEnd ? total : checked + completeUtf8End(buf.subarray(checked, total));
      await checkText(file, buf.subarray(checked, checkEnd), pos - (total - checked));
      onProgress?.(pos - (total - checkEnd));
      if (atEnd) {
        consumer.parseInPlace(buf.subarray(0, total), true);
        return;
      }
      const used = consumer.parseInPlace(buf.subarray(0, checkEnd), false);
      buf.copy(buf, 0, used, total);
      have = total - used;
      checked = checkEnd - used;
    }
  } finally {
    await fd.close();
  }
}

/** 1-based line of a byte offset (only on the error path: reads the file up to there). */
export async function lineOf(file: string, offset: number): Promise<number> {
  let line = 1;
  for await (const chunk of fs.createReadStream(file, { end: Math.max(0, offset - 1) })) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(LF); i >= 0; i = b.indexOf(LF, i + 1)) line++;
  }
  return line;
}

export function rowTooLong(file: string, line: number, what: string): LatheError {
  return new LatheError(
    'BAD_FILE',
    `${file}: the ${what} starting at line ${line} is longer than ${MAX_ROW_BYTES / 1024 / 1024} MB, which Lathe does not import`,
    {
      where: `${file}:${line}`,
      hint: 'A row this long is usually a quote that is never closed or a file that is not really a table; check that line.',
    },
  );
}

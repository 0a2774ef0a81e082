import fs from 'node:fs';
import type { DelimitedPlan } from './formats/delimited';
import { DelimitedParser } from './formats/delimitedParser';
import { LF } from './formats/textInput';

/** Bytes read around each nominal split point to find a row boundary there. */
const WINDOW = 256 * 1024;
/** Line ends tried per split point before taking the first one anyway. */
const CANDIDATES = 16;
/** Complete rows that must parse to the file's width after a candidate for it to be taken. */
const ROWS_TO_CHECK = 8;

/**
 * Whether `window` parses, from its start and outside any quote, into rows of the file's width: a
 * speculative parse. A line end inside a quoted field usually fails it (a stray closing quote, a row
 * of the wrong width) and the next line end is tried. It is only a guess: the part before each split
 * confirms it when it ends exactly there, and a wrong guess is re-parsed from the confirmed boundary.
 */
function parsesCleanly(plan: DelimitedPlan, window: Buffer): boolean {
  let rows = 0;
  let wrong = false;
  const parser = new DelimitedParser(plan.delimiter.charCodeAt(0), {
    row(_buf, _b, n) {
      if (n !== plan.width) wrong = true;
      rows++;
    },
  }, plan.file);
  try {
    parser.push(window);
  } catch {
    return false;
  }
  return !wrong && rows >= Math.min(ROWS_TO_CHECK, 1 + Math.floor(window.length / 4096));
}

/**
 * Starts of `parts` parts of a delimited file of `size` bytes: the first is the start of the data
 * (after a BOM), each other is just after a line end near size * i / parts that passes the
 * speculative parse. Increasing; fewer parts when the file has few line ends.
 */
export function delimitedSplitPoints(plan: DelimitedPlan, size: number, parts: number): number[] {
  const starts = [plan.bom];
  withFile(plan.file, (read) => {
    for (let i = 1; i < parts; i++) {
      const at = delimitedSplitFrom(plan, read, size, Math.max(Math.floor((size * i) / parts), starts[starts.length - 1] + 1));
      if (at !== null) starts.push(at);
    }
  });
  return starts;
}

/** One split of a delimited file at or after `nominal` (`delimitedSplitPoints`' rule), or null when none is left before the end. */
export function delimitedSplitAt(plan: DelimitedPlan, size: number, nominal: number): number | null {
  return withFile(plan.file, (read) => delimitedSplitFrom(plan, read, size, nominal));
}

type ReadAt = (at: number) => Buffer;

function delimitedSplitFrom(plan: DelimitedPlan, read: ReadAt, size: number, nominal: number): number | null {
  if (nominal >= size) return null;
  const bytes = read(nominal);
  let first = -1;
  let lf = bytes.indexOf(LF);
  for (let tried = 0; lf >= 0 && tried < CANDIDATES; tried++, lf = bytes.indexOf(LF, lf + 1)) {
    if (first < 0) first = lf + 1;
    if (parsesCleanly(plan, bytes.subarray(lf + 1))) {
      first = lf + 1;
      break;
    }
  }
  return first < 0 || nominal + first >= size ? null : nominal + first;
}

/** Runs `fn` with a reader of WINDOW bytes at an offset of `file` (one buffer, reused). */
function withFile<T>(file: string, fn: (read: ReadAt) => T): T {
  const fd = fs.openSync(file, 'r');
  try {
    const window = Buffer.allocUnsafe(WINDOW);
    return fn((at) => window.subarray(0, fs.readSync(fd, window, 0, WINDOW, at)));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Starts of `parts` parts of a JSON Lines file: 0, then just after the first line end at or after
 * size * i / parts. Every line end is a record boundary in JSON Lines.
 */
export function lineSplitPoints(file: string, size: number, parts: number): number[] {
  const starts = [0];
  withFile(file, (read) => {
    for (let i = 1; i < parts; i++) {
      const at = lineSplitFrom(read, size, Math.max(Math.floor((size * i) / parts), starts[starts.length - 1] + 1));
      if (at === null) break;
      starts.push(at);
    }
  });
  return starts;
}

/** Just after the first line end at or after `nominal` of a JSON Lines file, or null when none is left before the end. */
export function lineSplitAt(file: string, size: number, nominal: number): number | null {
  return withFile(file, (read) => lineSplitFrom(read, size, nominal));
}

function lineSplitFrom(read: ReadAt, size: number, nominal: number): number | null {
  for (let at = nominal; at < size; ) {
    const bytes = read(at);
    if (bytes.length === 0) return null;
    const lf = bytes.indexOf(LF);
    if (lf >= 0) return at + lf + 1 < size ? at + lf + 1 : null;
    at += bytes.length;
  }
  return null;
}

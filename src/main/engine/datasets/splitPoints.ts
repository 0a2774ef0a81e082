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
  const fd = fs.openSync(plan.file, 'r');
  try {
    const window = Buffer.allocUnsafe(WINDOW);
    for (let i = 1; i < parts; i++) {
      const nominal = Math.max(Math.floor((size * i) / parts), starts[starts.length - 1] + 1);
      if (nominal >= size) break;
      const n = fs.readSync(fd, window, 0, WINDOW, nominal);
      const bytes = window.subarray(0, n);
      let first = -1;
      let chosen = -1;
      let lf = bytes.indexOf(LF);
      for (let tried = 0; lf >= 0 && tried < CANDIDATES; tried++, lf = bytes.indexOf(LF, lf + 1)) {
        if (first < 0) first = lf + 1;
        if (parsesCleanly(plan, bytes.subarray(lf + 1))) {
          chosen = lf + 1;
          break;
        }
      }
      const at = chosen >= 0 ? chosen : first;
      if (at < 0 || nominal + at >= size) continue;
      starts.push(nominal + at);
    }
  } finally {
    fs.closeSync(fd);
  }
  return starts;
}

/**
 * Starts of `parts` parts of a JSON Lines file: 0, then just after the first line end at or after
 * size * i / parts. Every line end is a record boundary in JSON Lines.
 */
export function lineSplitPoints(file: string, size: number, parts: number): number[] {
  const starts = [0];
  const fd = fs.openSync(file, 'r');
  try {
    const window = Buffer.allocUnsafe(WINDOW);
    for (let i = 1; i < parts; i++) {
      let at = Math.max(Math.floor((size * i) / parts), starts[starts.length - 1] + 1);
      for (;;) {
        const n = at < size ? fs.readSync(fd, window, 0, WINDOW, at) : 0;
        if (n === 0) return starts;
        const lf = window.subarray(0, n).indexOf(LF);
        if (lf >= 0) {
          if (at + lf + 1 < size) starts.push(at + lf + 1);
          break;
        }
        at += n;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return starts;
}

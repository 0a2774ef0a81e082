import type { ColumnProfile, ColumnType, TableProfile } from '../../../shared/datasets';
import { hashBytes, hashString, HyperLogLog, lastHash } from './hashing';
import { DistinctCounter } from './distinctCounter';
import { StreamingHistogram } from './histogram';

/** Distinct values are counted exactly up to this many per column, then estimated. */
const EXACT_DISTINCT_CAP = 50_000;
const TOP_VALUES = 10;

/**
 * Parses an ASCII decimal number straight from bytes (no string made). Returns NaN for anything
 * that is not a plain number; "NaN"/"Infinity" count as text. Up to 15 significant digits and
 * exponents within ±22 the result is exactly what Number() gives (one correctly rounded division
 * or multiplication); beyond that it falls back to Number().
 */
export function parseNumberBytes(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && (buf[i] === 0x2d || buf[i] === 0x2b)) {
    negative = buf[i] === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) {
    mantissa = mantissa * 10 + (buf[i] - 0x30);
    if (mantissa > 0) significant++;
    digits++;
    i++;
  }
  if (i < end && buf[i] === 0x2e) {
    i++;
    while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) {
      mantissa = mantissa * 10 + (buf[i] - 0x30);
      if (mantissa > 0) significant++;
      scale--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return NaN;
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    let expNegative = false;
    if (i < end && (buf[i] === 0x2d || buf[i] === 0x2b)) {
      expNegative = buf[i] === 0x2d;
      i++;
    }
    let exp = 0;
    let expDigits = 0;
    while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) {
      exp = exp * 10 + (buf[i] - 0x30);
      expDigits++;
      i++;
    }
    if (expDigits === 0) return NaN;
    scale += expNegative ? -exp : exp;
  }
  if (i !== end) return NaN;
  if (significant > 15 || scale > 22 || scale < -22) return Number(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
  const value = scale < 0 ? mantissa / 10 ** -scale : mantissa * 10 ** scale;
  return negative ? -value : value;
}

function isBooleanBytes(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  // ASCII letters lower-cased with | 0x20: "true"/"TRUE"/"True", "false"/...
  if (n === 4) {
    return (buf[start] | 0x20) === 0x74 && (buf[start + 1] | 0x20) === 0x72 && (buf[start + 2] | 0x20) === 0x75 && (buf[start + 3] | 0x20) === 0x65;
  }
  if (n === 5) {
    return (
      (buf[start] | 0x20) === 0x66 && (buf[start + 1] | 0x20) === 0x61 && (buf[start + 2] | 0x20) === 0x6c &&
      (buf[start + 3] | 0x20) === 0x73 && (buf[start + 4] | 0x20) === 0x65
    );
  }
  return false;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** ISO-like dates: YYYY-MM-DD, optionally followed by T or space and HH:MM... (no closures: hot path). */
function isDateBytes(buf: Uint8Array, s: number, end: number): boolean {
  const n = end - s;
  if (n < 10 || n > 35) return false;
  if (!(isDigit(buf[s]) && isDigit(buf[s + 1]) && isDigit(buf[s + 2]) && isDigit(buf[s + 3]) && buf[s + 4] === 0x2d)) return false;
  if (!(isDigit(buf[s + 5]) && isDigit(buf[s + 6]) && buf[s + 7] === 0x2d && isDigit(buf[s + 8]) && isDigit(buf[s + 9]))) return false;
  if (n === 10) return true;
  return (buf[s + 10] === 0x54 || buf[s + 10] === 0x20) && n >= 16 && isDigit(buf[s + 11]) && isDigit(buf[s + 12]) && buf[s + 13] === 0x3a;
}

/** Compares ASCII bytes [s, e) with a string the way `<`/`>` compare two strings. */
function compareAsciiBytes(buf: Uint8Array, s: number, e: number, text: string): number {
  const n = e - s;
  const m = Math.min(n, text.length);
  for (let i = 0; i < m; i++) {
    const d = buf[s + i] - text.charCodeAt(i);
    if (d !== 0) return d;
  }
  return n - text.length;
}

const DATE_RE = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d.*)?$/;

/**
 * One column's running profile, fed one cell at a time in a single pass. Counts are kept per kind
 * of value (number, boolean, date, other text); the column's type is decided at the end.
 */
export class ColumnProfiler {
  private count = 0;
  private missing = 0;
  private numbers = 0;
  private booleans = 0;
  private dates = 0;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private minDate: string | null = null;
  private maxDate: string | null = null;
  private readonly histogram = new StreamingHistogram();
  private exact: DistinctCounter | null = new DistinctCounter(EXACT_DISTINCT_CAP);
  private readonly hll = new HyperLogLog();

  constructor(readonly name: string) {}

  addMissing(): void {
    this.count++;
    this.missing++;
  }

  /** A CSV/TSV field: bytes [start, end) of `buf`, already unquoted unless `escaped` (has "" inside). */
  addBytes(buf: Buffer, start: number, end: number, escaped: boolean): void {
    if (start === end) return this.addMissing();
    if (escaped) return this.addString(unescapeQuoted(buf, start, end));
    this.count++;
    hashBytes(buf, start, end);
    if (this.exact === null) this.hll.add(lastHash.lo, lastHash.hi);
    const x = parseNumberBytes(buf, start, end);
    if (x === x) this.addNumber(x);
    else if (isBooleanBytes(buf, start, end)) this.booleans++;
    else if (isDateBytes(buf, start, end)) this.addDateBytes(buf, start, end);
    this.countValue(buf, start, end);
  }

  /** A value from JSON or Parquet. */
  addValue(v: unknown): void {
    if (v === null || v === undefined || v === '') return this.addMissing();
    if (typeof v === 'number' || typeof v === 'bigint') {
      const x = Number(v);
      this.count++;
      const text = String(v);
      hashString(text);
      if (this.exact === null) this.hll.add(lastHash.lo, lastHash.hi);
      if (Number.isFinite(x)) this.addNumber(x);
      this.countText(text);
      return;
    }
    if (typeof v === 'boolean') {
      this.count++;
      this.booleans++;
      const text = String(v);
      hashString(text);
      if (this.exact === null) this.hll.add(lastHash.lo, lastHash.hi);
      this.countText(text);
      return;
    }
    this.addString(cellText(v));
  }

  private addString(text: string): void {
    this.count++;
    hashString(text);
    if (this.exact === null) this.hll.add(lastHash.lo, lastHash.hi);
    if (DATE_RE.test(text)) this.addDate(text);
    this.countText(text);
  }

  private addNumber(x: number): void {
    this.numbers++;
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.histogram.add(x);
  }

  /** A date cell as bytes: compared in place, decoded only when it is a new minimum or maximum. */
  private addDateBytes(buf: Buffer, start: number, end: number): void {
    // isDateBytes checked that the first 10 bytes are ASCII; only a time part may not be.
    for (let i = start + 10; i < end; i++) if (buf[i] >= 0x80) return this.addDate(buf.toString('utf8', start, end));
    this.dates++;
    // ASCII bytes are UTF-16 code units, so this is exactly the string comparison addDate makes.
    if (this.minDate === null || compareAsciiBytes(buf, start, end, this.minDate) < 0) this.minDate = buf.toString('latin1', start, end);
    if (this.maxDate === null || compareAsciiBytes(buf, start, end, this.maxDate) > 0) this.maxDate = buf.toString('latin1', start, end);
  }

  private addDate(text: string): void {
    this.dates++;
    if (this.minDate === null || text < this.minDate) this.minDate = text;
    if (this.maxDate === null || text > this.maxDate) this.maxDate = text;
  }

  /** Counts the value just hashed (lanes in `lastHash`); its text is decoded only when new. */
  private countValue(buf: Buffer, start: number, end: number): void {
    const exact = this.exact;
    if (exact === null) return;
    const slot = exact.find(lastHash.lo, lastHash.hi);
    if (slot >= 0) exact.increment(slot);
    else if (!exact.insert(slot, lastHash.lo, lastHash.hi, buf.toString('utf8', start, end))) this.giveUpExact();
  }

  /**
   * Past the exact cap the HyperLogLog takes over. It only sees values once the exact counter gives
   * up: adding a value is idempotent and order-free, so replaying each distinct value seen so far
   * (plus the one that hit the cap, still in `lastHash`) leaves exactly the registers it would
   * have had from the first row.
   */
  private giveUpExact(): void {
    const exact = this.exact as DistinctCounter;
    exact.forEachKey((lo, hi) => this.hll.add(lo, hi));
    this.hll.add(lastHash.lo, lastHash.hi);
    this.exact = null;
  }

  private countText(text: string): void {
    const exact = this.exact;
    if (exact === null) return;
    const slot = exact.find(lastHash.lo, lastHash.hi);
    if (slot >= 0) exact.increment(slot);
    // Past the cap the column is not categorical: top values stop mattering, the HLL takes over.
    else if (!exact.insert(slot, lastHash.lo, lastHash.hi, text)) this.giveUpExact();
  }

  result(): ColumnProfile {
    const present = this.count - this.missing;
    const distinct = this.exact ? this.exact.size : this.hll.estimate();
    const type = this.inferType(present, distinct);
    const p: ColumnProfile = { name: this.name, type, count: this.count, missing: this.missing, distinct };
    if (!this.exact) p.distinctApprox = true;
    if (type === 'numeric' && this.n > 0) {
      p.min = this.min;
      p.max = this.max;
      p.mean = this.mean;
      p.std = this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
      p.histogram = this.histogram.result();
    } else if (type === 'datetime' && this.minDate !== null && this.maxDate !== null) {
      p.min = this.minDate;
      p.max = this.maxDate;
    } else if ((type === 'categorical' || type === 'boolean') && this.exact) {
      p.top = this.exact
        .entries()
        .sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : 1))
        .slice(0, TOP_VALUES)
        .map((v) => ({ value: v.text, count: v.count }));
    }
    return p;
  }

  private inferType(present: number, distinct: number): ColumnType {
    if (present === 0) return 'text';
    if (this.numbers === present) return 'numeric';
    if (this.booleans === present) return 'boolean';
    if (this.dates === present) return 'datetime';
    if (this.exact && (distinct <= 20 || (distinct <= 1000 && distinct <= present / 2))) return 'categorical';
    return 'text';
  }
}

/** The text of a field whose quotes were doubled inside: `a""b` -> `a"b`. */
export function unescapeQuoted(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end).replaceAll('""', '"');
}

/** A readable string for a non-scalar value (nested JSON, Parquet structs, bytes, dates). */
export function cellText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
}

export function tableProfile(rows: number, columns: ColumnProfiler[]): TableProfile {
  return { kind: 'table', rows, columns: columns.map((c) => c.result()) };
}

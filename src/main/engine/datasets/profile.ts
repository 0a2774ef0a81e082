import type { ColumnProfile, ColumnQuantiles, ColumnType, TableProfile } from '../../../shared/datasets';
import { HyperLogLog, type HllJSON, type KllJSON } from '../sketches';
import { lastHash, textLanes, valueLanes } from './hashing';
import { DistinctCounter, KIND_NUMBER, KIND_UNKNOWN, type DistinctState } from './distinctCounter';
import { StreamingHistogram, type HistogramState } from './histogram';
import { exactQuantiles, QuantileSketch } from './quantiles';

/** Distinct values are counted exactly up to this many per column, then estimated. */
const EXACT_DISTINCT_CAP = 50_000;
const TOP_VALUES = 10;
/** A column with more distinct values than this is never categorical, so its values' texts are not kept. */
const CATEGORICAL_MAX = 1000;

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

/** Adds `x` to the double-double sum (hi, lo) in `acc` at index `i` (Knuth's two-sum: no rounding lost). */
function addTwoSum(acc: Float64Array, i: number, x: number): void {
  const hi = acc[i];
  const t = hi + x;
  const bp = t - hi;
  acc[i + 1] += hi - (t - bp) + (x - bp);
  acc[i] = t;
}

/** Adds the exact product a * c to the double-double sum at `i` (Dekker's product: its rounding error goes into the low part). */
function addProduct(acc: Float64Array, i: number, a: number, c: number): void {
  const p = a * c;
  let t = 134217729 * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = 134217729 * c;
  const ch = t - (t - c);
  const cl = c - ch;
  const e = ah * ch - p + ah * cl + al * ch + al * cl;
  addTwoSum(acc, i, p);
  // Past ~2^996 the split overflows; such sums overflow anyway.
  if (Number.isFinite(e)) acc[i + 1] += e;
}

/** What a column profile sends between threads, to be merged (structured-clone friendly). */
export interface ColumnState {
  name: string;
  shift: number;
  /** count, missing, numbers, booleans, dates, n */
  tallies: Float64Array;
  /** Σd (hi, lo), Σd² (hi, lo) with d = x - shift */
  sums: Float64Array;
  min: number;
  max: number;
  minDate: string | null;
  maxDate: string | null;
  histogram: HistogramState;
  exact: DistinctState | null;
  hll: HllJSON | null;
  /** The numbers' quantile sketch (KLL), null when the part had none. */
  quantiles: KllJSON | null;
}

const COUNT = 0;
const MISSING = 1;
const NUMBERS = 2;
const BOOLEANS = 3;
const DATES = 4;
const N = 5;

/** What a CSV/TSV field was when first seen (kept per distinct value; KIND_UNKNOWN: look again). */
const KIND_BOOLEAN = 2;
const KIND_DATE = 3;
const KIND_TEXT = 4;

/**
 * One column's running profile, fed one cell at a time in a single pass. Counts are kept per kind
 * of value (number, boolean, date, other text); the column's type is decided at the end.
 *
 * Profiles of parts of a column merge into the profile of the whole (the parallel import), exactly:
 * counts, missing, min/max, dates, types, the histogram (bins on a fixed dyadic grid) and the
 * distinct values up to the cap (a union of value sets) add up to what one pass gives. Mean and std
 * come from double-double sums of x - shift (shift fixed before any split), so any order rounds to
 * the same double except with probability ~2^-30. Past the cap, the distinct count is a HyperLogLog
 * estimate (the shared sketch, ~2.3% error), whose registers are a function of the value set alone.
 * Quantiles of a CSV/TSV column whose distinct values are all counted come from those counts (each
 * distinct number kept with its count): exact, and the same however the file was split. Otherwise
 * (past the cap, JSON Lines, Parquet) they come from a KLL sketch (quantiles.ts): approximate, within
 * its rank bound whatever the split. A CSV column's numbers are in one or the other, never both: when
 * the exact counter gives up, its numbers go into the sketch with their counts.
 */
export class ColumnProfiler {
  private readonly tallies = new Float64Array(6);
  private readonly sums = new Float64Array(4);
  private min = Infinity;
  private max = -Infinity;
  private minDate: string | null = null;
  private maxDate: string | null = null;
  private histogram = new StreamingHistogram();
  private exact: DistinctCounter | null;
  private hll: HyperLogLog | null;
  private readonly quantiles = new QuantileSketch();
  /** The number `classifyBytes` last found (kept beside the value in the exact counter). */
  private lastNumber = 0;
  /**
   * False while the exact counter alone counts the CSV/TSV numbers, booleans and dates it holds (a
   * repeated value costs one increment); `settle` then tallies them from the counts, once.
   */
  private settled = false;

  /**
   * `shift`: a typical value of the column (the first number in a sample), so sums stay small.
   * `exact: false` starts past the exact cap (HyperLogLog and quantile sketch only): for a part whose
   * column has already passed the cap in the part before it (the handoff's tail), so the merge
   * would drop the exact counter anyway; it saves filling one to the cap and giving it up.
   */
  constructor(
    readonly name: string,
    private readonly shift = 0,
    opts: { exact?: boolean } = {},
  ) {
    const exact = opts.exact ?? true;
    this.exact = exact ? new DistinctCounter(EXACT_DISTINCT_CAP, CATEGORICAL_MAX) : null;
    this.hll = exact ? null : new HyperLogLog();
  }

  /** Whether the column has passed the exact cap (its distinct count is the HyperLogLog's). */
  get pastExactCap(): boolean {
    return this.exact === null;
  }

  addMissing(): void {
    this.tallies[COUNT]++;
    this.tallies[MISSING]++;
  }

  /** `n` missing cells at once (a JSON key absent from part of the file). */
  addMissingTimes(n: number): void {
    this.tallies[COUNT] += n;
    this.tallies[MISSING] += n;
  }

  /**
   * A CSV/TSV field: bytes [start, end) of `buf`, already unquoted unless `escaped` (has "" inside).
   * A value seen before in this column (the exact counter holds its kind and number) is not parsed
   * again: the same bytes make the same number, and a repeated date cannot move the date range.
   * While the counter holds the column, a repeated number, boolean or date costs only its count's
   * increment: its sums, bounds and histogram bin come from the counts when the profile is settled.
   */
  addBytes(buf: Buffer, start: number, end: number, escaped: boolean): void {
    if (start === end) return this.addMissing();
    if (escaped) return this.addString(unescapeQuoted(buf, start, end));
    this.tallies[COUNT]++;
    valueLanes(buf, start, end);
    const exact = this.exact;
    if (exact === null) {
      (this.hll as HyperLogLog).addLanes(lastHash.lo, lastHash.hi);
      this.tallyKind(this.classifyBytes(buf, start, end), buf, start, end);
      return;
    }
    const slot = exact.find(lastHash.lo, lastHash.hi);
    if (slot < 0) return this.addNew(exact, slot, buf, start, end);
    exact.increment(slot);
    // A number, boolean or date the counter holds is tallied from its count when the counter is settled.
    const kind = exact.kindAt(slot);
    if (kind === KIND_UNKNOWN || this.settled) this.tallyKind(kind === KIND_UNKNOWN ? this.classifyBytes(buf, start, end) : kind, buf, start, end);
  }

  /**
   * Field k of `rows` rows of a parsed block: row r's field is bounds[at + r * stride] (start),
   * [.. + 1] (end), [.. + 2] (1: escaped), bytes of `buf`. The same as `addBytes` on each in turn;
   * while the exact counter is fed (most columns, most of the time) one loop does it all.
   */
  addFields(buf: Buffer, bounds: Int32Array, at: number, stride: number, rows: number): void {
    let r = this.exact !== null && !this.settled ? this.countFields(buf, bounds, at, stride, rows) : 0;
    for (let i = at + r * stride; r < rows; r++, i += stride) this.addBytes(buf, bounds[i], bounds[i + 1], bounds[i + 2] === 1);
  }

  /** `addFields` while the exact counter is fed and unsettled; returns how many it did (all, or up to the one that made the counter give up). */
  private countFields(buf: Buffer, bounds: Int32Array, at: number, stride: number, rows: number): number {
    const exact = this.exact as DistinctCounter;
    const tallies = this.tallies;
    for (let r = 0, i = at; r < rows; r++, i += stride) {
      const start = bounds[i];
      const end = bounds[i + 1];
      tallies[COUNT]++;
      if (start === end) {
        tallies[MISSING]++;
        continue;
      }
      if (bounds[i + 2] !== 0) {
        tallies[COUNT]--;
        this.addString(unescapeQuoted(buf, start, end));
        if (this.exact === null) return r + 1;
        continue;
      }
      valueLanes(buf, start, end);
      const slot = exact.find(lastHash.lo, lastHash.hi);
      if (slot >= 0) {
        exact.increment(slot);
        if (exact.kindAt(slot) === KIND_UNKNOWN) this.tallyKind(this.classifyBytes(buf, start, end), buf, start, end);
        continue;
      }
      this.addNew(exact, slot, buf, start, end);
      if (this.exact === null) return r + 1;
    }
    return rows;
  }

  /** A value the exact counter does not hold yet (`slot` the free slot `find` gave). */
  private addNew(exact: DistinctCounter, slot: number, buf: Buffer, start: number, end: number): void {
    const kind = this.classifyBytes(buf, start, end);
    const settled = this.settled;
    if (settled) this.tallyKind(kind, buf, start, end);
    // A new date can move the date range (a repeated one cannot): its bytes are compared now.
    else if (kind === KIND_DATE) this.dateRange(buf, start, end);
    if (exact.insert(slot, lastHash.lo, lastHash.hi, exact.keepsTexts ? buf.toString('utf8', start, end) : null, kind, this.lastNumber)) return;
    // The counter is full and gives up (settling first); this value, not in it, is tallied here.
    this.giveUpExact();
    if (!settled) this.tallyKind(kind, buf, start, end);
    else if (kind === KIND_NUMBER) this.quantiles.add(this.lastNumber);
  }

  /**
   * What a CSV/TSV field is (number, boolean, date or other text), from its bytes; a number is left
   * in `lastNumber`. Nothing is tallied (see `tallyKind`).
   */
  private classifyBytes(buf: Buffer, start: number, end: number): number {
    const x = parseNumberBytes(buf, start, end);
    if (x - x === 0) {
      this.lastNumber = x;
      return KIND_NUMBER;
    }
    if (isBooleanBytes(buf, start, end)) return KIND_BOOLEAN;
    if (isDateBytes(buf, start, end)) return KIND_DATE;
    return KIND_TEXT;
  }

  /** Tallies one field of the kind `classifyBytes` found (its number still in `lastNumber`). */
  private tallyKind(kind: number, buf: Buffer, start: number, end: number): void {
    if (kind === KIND_NUMBER) this.addNumber(this.lastNumber, this.exact === null);
    else if (kind === KIND_BOOLEAN) this.tallies[BOOLEANS]++;
    else if (kind === KIND_DATE) {
      this.tallies[DATES]++;
      this.dateRange(buf, start, end);
    }
  }

  /**
   * Adds the fields the exact counter holds as numbers, booleans and dates (only counted there while
   * it was fed) to the tallies, sums and histogram, once: `state`, `result`, `merge` and giving up
   * the counter settle first. A number seen c times adds c * (x - shift) to the double-double sums
   * as an exact product, the same sum one value at a time would give (rounding aside, ~2^-100).
   */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const exact = this.exact;
    if (exact === null) return;
    const { values, counts } = exact.numbers();
    for (let i = 0; i < values.length; i++) this.addNumberTimes(values[i], counts[i]);
    this.tallies[BOOLEANS] += exact.countOfKind(KIND_BOOLEAN);
    this.tallies[DATES] += exact.countOfKind(KIND_DATE);
  }

  private addNumberTimes(x: number, c: number): void {
    this.tallies[NUMBERS] += c;
    this.tallies[N] += c;
    const d = x - this.shift;
    addProduct(this.sums, 0, d, c);
    addProduct(this.sums, 2, d * d, c);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.histogram.addTimes(x, c);
  }

  /** A value from JSON or Parquet. */
  addValue(v: unknown): void {
    if (v === null || v === undefined || v === '') return this.addMissing();
    if (typeof v === 'number' || typeof v === 'bigint') {
      const x = Number(v);
      this.tallies[COUNT]++;
      const text = String(v);
      textLanes(text);
      if (this.hll !== null) this.hll.addLanes(lastHash.lo, lastHash.hi);
      if (Number.isFinite(x)) this.addNumber(x, true);
      this.countText(text);
      return;
    }
    if (typeof v === 'boolean') {
      this.tallies[COUNT]++;
      this.tallies[BOOLEANS]++;
      const text = String(v);
      textLanes(text);
      if (this.hll !== null) this.hll.addLanes(lastHash.lo, lastHash.hi);
      this.countText(text);
      return;
    }
    this.addString(cellText(v));
  }

  private addString(text: string): void {
    this.tallies[COUNT]++;
    textLanes(text);
    if (this.hll !== null) this.hll.addLanes(lastHash.lo, lastHash.hi);
    if (DATE_RE.test(text)) this.addDate(text);
    this.countText(text);
  }

  /** A finite number (an infinite one, "1e999", counts as text, as "Infinity" does). */
  private addNumber(x: number, sketch: boolean): void {
    this.tallies[NUMBERS]++;
    this.tallies[N]++;
    const d = x - this.shift;
    addTwoSum(this.sums, 0, d);
    addTwoSum(this.sums, 2, d * d);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.histogram.add(x);
    if (sketch) this.quantiles.add(x);
  }

  /** A date cell's bytes widen the date range: compared in place, decoded only when it is a new minimum or maximum. */
  private dateRange(buf: Buffer, start: number, end: number): void {
    // isDateBytes checked that the first 10 bytes are ASCII; only a time part may not be.
    for (let i = start + 10; i < end; i++) if (buf[i] >= 0x80) return this.textDateRange(buf.toString('utf8', start, end));
    // ASCII bytes are UTF-16 code units, so this is exactly the string comparison addDate makes.
    if (this.minDate === null || compareAsciiBytes(buf, start, end, this.minDate) < 0) this.minDate = buf.toString('latin1', start, end);
    if (this.maxDate === null || compareAsciiBytes(buf, start, end, this.maxDate) > 0) this.maxDate = buf.toString('latin1', start, end);
  }

  private addDate(text: string): void {
    this.tallies[DATES]++;
    this.textDateRange(text);
  }

  private textDateRange(text: string): void {
    if (this.minDate === null || text < this.minDate) this.minDate = text;
    if (this.maxDate === null || text > this.maxDate) this.maxDate = text;
  }

  /**
   * Past the exact cap the HyperLogLog takes over. It only sees values once the exact counter gives
   * up: adding a value is idempotent and order-free, so replaying each distinct value seen so far
   * (plus the one that hit the cap, still in `lastHash`) leaves exactly the registers it would
   * have had from the first row.
   */
  private giveUpExact(): void {
    const hll = this.dropExact();
    hll.addLanes(lastHash.lo, lastHash.hi);
  }

  /**
   * Moves every value the exact counter holds into the HyperLogLog (created here), and the numbers
   * it holds with their counts into the quantile sketch, and drops the counter.
   */
  private dropExact(): HyperLogLog {
    this.settle();
    const hll = this.hll ?? new HyperLogLog();
    if (this.exact !== null) this.moveOut(this.exact, hll);
    this.exact = null;
    this.hll = hll;
    return hll;
  }

  private moveOut(exact: DistinctCounter, hll: HyperLogLog): void {
    exact.forEachKey((lo, hi) => hll.addLanes(lo, hi));
    const { values, counts } = exact.numbers();
    this.quantiles.addWeighted(values, counts);
  }

  private countText(text: string): void {
    const exact = this.exact;
    if (exact === null) return;
    const slot = exact.find(lastHash.lo, lastHash.hi);
    if (slot >= 0) exact.increment(slot);
    // Past the cap the column is not categorical: top values stop mattering, the HLL takes over.
    else if (!exact.insert(slot, lastHash.lo, lastHash.hi, text)) this.giveUpExact();
  }

  /** This profile's state, to merge elsewhere. */
  state(): ColumnState {
    this.settle();
    return {
      name: this.name,
      shift: this.shift,
      tallies: this.tallies.slice(),
      sums: this.sums.slice(),
      min: this.min,
      max: this.max,
      minDate: this.minDate,
      maxDate: this.maxDate,
      histogram: this.histogram.state(),
      exact: this.exact ? this.exact.state() : null,
      hll: this.hll ? this.hll.toJSON() : null,
      quantiles: this.quantiles.state(),
    };
  }

  /** Adds the profile of another part of the same column (same shift), exactly as one pass would. */
  merge(o: ColumnState): void {
    if (o.shift !== this.shift) throw new Error(`column ${this.name}: cannot merge profiles with different shifts`);
    // Settled states hold their counter's tallies already, so the merged counter's counts are all tallied.
    this.settle();
    for (let i = 0; i < this.tallies.length; i++) this.tallies[i] += o.tallies[i];
    addTwoSum(this.sums, 0, o.sums[0]);
    this.sums[1] += o.sums[1];
    addTwoSum(this.sums, 2, o.sums[2]);
    this.sums[3] += o.sums[3];
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    if (o.minDate !== null && (this.minDate === null || o.minDate < this.minDate)) this.minDate = o.minDate;
    if (o.maxDate !== null && (this.maxDate === null || o.maxDate > this.maxDate)) this.maxDate = o.maxDate;
    this.histogram.merge(o.histogram);
    this.quantiles.merge(o.quantiles);
    this.mergeDistinct(o);
  }

  /** Union of the value sets while it stays under the cap; otherwise both go into the HyperLogLog. */
  private mergeDistinct(o: ColumnState): void {
    if (this.exact !== null && o.exact !== null && this.exact.merge(o.exact)) return;
    const hll = this.dropExact();
    if (o.hll !== null) hll.merge(HyperLogLog.fromJSON(o.hll));
    if (o.exact !== null) this.moveOut(DistinctCounter.fromState(o.exact), hll);
  }

  result(): ColumnProfile {
    this.settle();
    const t = this.tallies;
    const present = t[COUNT] - t[MISSING];
    const distinct = this.exact ? this.exact.size : Math.round((this.hll as HyperLogLog).estimate());
    const type = this.inferType(present, distinct);
    const p: ColumnProfile = { name: this.name, type, count: t[COUNT], missing: t[MISSING], distinct };
    if (!this.exact) p.distinctApprox = true;
    const n = t[N];
    if (type === 'numeric' && n > 0) {
      const s1 = this.sums[0] + this.sums[1];
      const s2 = this.sums[2] + this.sums[3];
      p.min = this.min;
      p.max = this.max;
      p.mean = this.shift + s1 / n;
      p.std = n > 1 ? Math.sqrt(Math.max(0, s2 - (s1 * s1) / n) / (n - 1)) : 0;
      p.histogram = this.histogram.result();
      const quantiles = this.numbersInExact(n) ?? this.quantiles.result();
      if (quantiles) p.quantiles = quantiles;
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

  /** Exact quantiles when the exact counter holds all `n` numbers of the column (a CSV/TSV column under the cap). */
  private numbersInExact(n: number): ColumnQuantiles | null {
    if (this.exact === null) return null;
    const { values, counts } = this.exact.numbers();
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += counts[i];
    return total === n ? exactQuantiles(values, counts) : null;
  }

  private inferType(present: number, distinct: number): ColumnType {
    const t = this.tallies;
    if (present === 0) return 'text';
    if (t[NUMBERS] === present) return 'numeric';
    if (t[BOOLEANS] === present) return 'boolean';
    if (t[DATES] === present) return 'datetime';
    if (this.exact && (distinct <= 20 || (distinct <= CATEGORICAL_MAX && distinct <= present / 2))) return 'categorical';
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

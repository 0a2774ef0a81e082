import type { PredictionRecord } from '../../../shared/monitoring';

/**
 * Accepted prediction records as columns, the way the parse worker hands them to the ingest: typed
 * arrays and a few string tables instead of one object graph per row, so the structured clone
 * between threads is a few large copies (not 20 objects a row) and the main thread allocates only
 * the record it rebuilds. Rebuilt records hold exactly the parsed values (numbers as doubles,
 * strings, booleans, nulls), so every sketch sees what the inline path would.
 */
export interface ParsedBatch {
  n: number;
  /** Where each row came from: `files[fileOf[i]]`, line `lineOf[i]` (1-based). */
  files: string[];
  fileOf: Uint16Array;
  lineOf: Float64Array;
  ids: string[];
  /** Parsed time (ms) and the record's own `time` (ISO string or number) as received. */
  times: Float64Array;
  timeText: (string | null)[];
  versions: Float64Array;
  /** Index into `aliasNames`, -1 for none (absent or null: `alias` is then `null`). */
  aliasOf: Int16Array;
  aliasNames: string[];
  /** Features: `names.length` columns a row; codes below, a number or an index into `strings`. */
  names: string[];
  codes: Uint8Array;
  values: Float64Array;
  strings: string[];
  /** The prediction as a code and value like a feature cell. */
  predCode: Uint8Array;
  predValue: Float64Array;
  /** Probabilities: 1 when the record had them; values by `probNames`, NaN where a class was absent. */
  hasProbs: Uint8Array;
  probNames: string[];
  probs: Float64Array;
  /** NaN where absent. */
  latency: Float64Array;
  /**
   * The accepted lines as received, UTF-8, each ended by "\n": row i is bytes [lineEnd[i - 1] ?? 0,
   * lineEnd[i]). Bytes, so the ingest appends them to the raw files as they are (no string to join
   * and encode again on its thread); copied from the bytes the lines were read as (no string
   * encoded again on the worker either).
   */
  bytes: Uint8Array;
  lineEnd: Int32Array;
}

export const ABSENT = 0;
export const NULL = 1;
export const NUMBER = 2;
export const TRUE = 3;
export const FALSE = 4;
export const STRING = 5;

type Cell = string | number | boolean | null;

/**
 * Builds ParsedBatch columns row by row (in the parse worker): `add` for each checked record, then
 * `take`. Numbers go straight into typed arrays (grown by doubling, feature columns kept column by
 * column): with plain arrays every fresh encoder's pushes moved from small-integer to double elements
 * again and the optimised `add` was thrown away and recompiled a dozen times a log.
 */
export class BatchEncoder {
  private rows = 0;
  private readonly files: string[] = [];
  private fileIdx = new Map<string, number>();
  private fileOf: Uint16Array;
  private lineOf: Float64Array;
  private ids: string[] = [];
  private times: Float64Array;
  private timeText: (string | null)[] = [];
  private versions: Float64Array;
  private aliasOf: Int16Array;
  private aliasNames: string[] = [];
  private aliasIdx = new Map<string, number>();
  /** Feature columns by first appearance. */
  private readonly names: string[] = [];
  private nameIdx = new Map<string, number>();
  /** Per column: code and value of every row (zeros, i.e. ABSENT, where a row lacks the column). */
  private colCodes: Uint8Array[] = [];
  private colValues: Float64Array[] = [];
  private strings: string[] = [];
  /** Each distinct string once a batch (categories repeat: fewer strings to copy between threads and to rebuild there). */
  private stringIdx = new Map<string, number>();
  private predCode: Uint8Array;
  private predValue: Float64Array;
  private hasProbs: Uint8Array;
  private readonly probNames: string[] = [];
  private probIdx = new Map<string, number>();
  /** Per class: NaN where a row lacks it. */
  private probCols: Float64Array[] = [];
  private latency: Float64Array;
  /** Each row's end in `bytes`, its "\n" included. */
  private lineEnd: Int32Array;
  /**
   * The rows' lines as runs of the bytes they were read from: consecutive lines of one block are
   * one run (a run holds the "\n" between its lines; `take` adds the last one), copied once at `take`.
   */
  private runs: { bytes: Uint8Array; from: number; to: number }[] = [];

  /** `cap`: rows the typed columns hold before they grow (the parse worker's batch length: they never grow there). */
  constructor(private cap = 1024) {
    this.fileOf = new Uint16Array(cap);
    this.lineOf = new Float64Array(cap);
    this.times = new Float64Array(cap);
    this.versions = new Float64Array(cap);
    this.aliasOf = new Int16Array(cap);
    this.predCode = new Uint8Array(cap);
    this.predValue = new Float64Array(cap);
    this.hasProbs = new Uint8Array(cap);
    this.latency = new Float64Array(cap);
    this.lineEnd = new Int32Array(cap);
  }

  get size(): number {
    return this.rows;
  }

  /** The column of a feature name, added (ABSENT for the rows before) when new. */
  private column(name: string): number {
    let c = this.nameIdx.get(name);
    if (c === undefined) {
      this.nameIdx.set(name, (c = this.names.push(name) - 1));
      this.colCodes.push(new Uint8Array(this.cap));
      this.colValues.push(new Float64Array(this.cap));
    }
    return c;
  }

  private probColumn(name: string): number {
    let c = this.probIdx.get(name);
    if (c === undefined) {
      this.probIdx.set(name, (c = this.probNames.push(name) - 1));
      this.probCols.push(new Float64Array(this.cap).fill(NaN));
    }
    return c;
  }

  /** Twice the rows: every typed column copied into one twice as long (new probability cells NaN). */
  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const more = <T extends Uint8Array | Uint16Array | Int16Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    const u8 = (n: number) => new Uint8Array(n);
    const f64 = (n: number) => new Float64Array(n);
    this.fileOf = more(this.fileOf, (n) => new Uint16Array(n));
    this.lineOf = more(this.lineOf, f64);
    this.times = more(this.times, f64);
    this.versions = more(this.versions, f64);
    this.aliasOf = more(this.aliasOf, (n) => new Int16Array(n));
    this.predCode = more(this.predCode, u8);
    this.predValue = more(this.predValue, f64);
    this.hasProbs = more(this.hasProbs, u8);
    this.latency = more(this.latency, f64);
    this.lineEnd = more(this.lineEnd, (n) => new Int32Array(n));
    this.colCodes = this.colCodes.map((a) => more(a, u8));
    this.colValues = this.colValues.map((a) => more(a, f64));
    this.probCols = this.probCols.map((a) => more(a, (n) => new Float64Array(n).fill(NaN)));
    this.cap = cap;
  }

  private stringOf(s: string): number {
    let k = this.stringIdx.get(s);
    if (k === undefined) this.stringIdx.set(s, (k = this.strings.push(s) - 1));
    return k;
  }

  private cell(c: number, r: number, v: Cell): void {
    if (v === null) this.colCodes[c][r] = NULL;
    else if (typeof v === 'number') {
      this.colCodes[c][r] = NUMBER;
      this.colValues[c][r] = v;
    } else if (typeof v === 'boolean') this.colCodes[c][r] = v ? TRUE : FALSE;
    else {
      this.colCodes[c][r] = STRING;
      this.colValues[c][r] = this.stringOf(v);
    }
  }

  /** A checked record and its line as read: bytes [from, to) of `bytes` (UTF-8, without its line end). */
  add(file: string, line: number, rec: PredictionRecord, time: number, bytes: Uint8Array, from: number, to: number): void {
    if (this.rows === this.cap) this.grow();
    const r = this.rows;
    let f = this.fileIdx.get(file);
    if (f === undefined) this.fileIdx.set(file, (f = this.files.push(file) - 1));
    this.fileOf[r] = f;
    this.lineOf[r] = line;
    this.ids.push(rec.requestId);
    this.times[r] = time;
    this.timeText.push(typeof rec.time === 'string' ? rec.time : null);
    this.versions[r] = rec.version;
    const alias = rec.alias ?? null;
    if (alias === null) this.aliasOf[r] = -1;
    else {
      let a = this.aliasIdx.get(alias);
      if (a === undefined) this.aliasIdx.set(alias, (a = this.aliasNames.push(alias) - 1));
      this.aliasOf[r] = a;
    }
    this.latency[r] = rec.latencyMs ?? NaN;
    this.lineEnd[r] = (r ? this.lineEnd[r - 1] : 0) + (to - from) + 1;
    const run = this.runs.length ? this.runs[this.runs.length - 1] : null;
    if (run && run.bytes === bytes && run.to + 1 === from && bytes[run.to] === 10) run.to = to;
    else this.runs.push({ bytes, from, to });
    const cells = rec.features as Record<string, Cell>;
    // Records mostly list their features alike, and JSON.parse interns short keys: the k-th key is
    // usually the k-th column's very string (one comparison, no lookup).
    let j = 0;
    const names = this.names;
    for (const k in cells) {
      this.cell(j < names.length && names[j] === k ? j : this.column(k), r, cells[k]);
      j++;
    }
    const p = rec.output.prediction;
    if (typeof p === 'number') {
      this.predCode[r] = NUMBER;
      this.predValue[r] = p;
    } else {
      this.predCode[r] = STRING;
      this.predValue[r] = this.stringOf(p);
    }
    const pr = rec.output.probabilities;
    if (pr) {
      let q = 0;
      for (const k in pr) {
        this.probCols[q < this.probNames.length && this.probNames[q] === k ? q : this.probColumn(k)][r] = pr[k];
        q++;
      }
      this.hasProbs[r] = 1;
    }
    this.rows = r + 1;
  }

  /** The columns so far (row-major for features and probabilities); the encoder is spent. */
  take(): ParsedBatch {
    const n = this.rows;
    const C = this.names.length;
    const codes = new Uint8Array(n * C);
    const values = new Float64Array(n * C);
    for (let c = 0; c < C; c++) {
      const cc = this.colCodes[c];
      const cv = this.colValues[c];
      for (let i = 0; i < n; i++) {
        codes[i * C + c] = cc[i];
        values[i * C + c] = cv[i];
      }
    }
    const P = this.probNames.length;
    const probs = new Float64Array(n * P);
    for (let c = 0; c < P; c++) {
      const col = this.probCols[c];
      for (let i = 0; i < n; i++) probs[i * P + c] = col[i];
    }
    return {
      n,
      files: this.files,
      fileOf: this.fileOf.slice(0, n),
      lineOf: this.lineOf.slice(0, n),
      ids: this.ids,
      times: this.times.slice(0, n),
      timeText: this.timeText,
      versions: this.versions.slice(0, n),
      aliasOf: this.aliasOf.slice(0, n),
      aliasNames: this.aliasNames,
      names: this.names,
      codes,
      values,
      strings: this.strings,
      predCode: this.predCode.slice(0, n),
      predValue: this.predValue.slice(0, n),
      hasProbs: this.hasProbs.slice(0, n),
      probNames: this.probNames,
      probs,
      latency: this.latency.slice(0, n),
      bytes: this.joinedLines(n),
      lineEnd: this.lineEnd.slice(0, n),
    };
  }

  /** The runs copied into one buffer, each run ended by "\n". */
  private joinedLines(n: number): Uint8Array {
    const out = new Uint8Array(n ? this.lineEnd[n - 1] : 0);
    let at = 0;
    for (const r of this.runs) {
      out.set(r.bytes.subarray(r.from, r.to), at);
      at += r.to - r.from;
      out[at++] = 10;
    }
    return out;
  }
}

/** A present cell's value from its code (callers handle ABSENT: a missing field is not a null). */
export function cellOf(b: ParsedBatch, code: number, value: number): Cell {
  switch (code) {
    case NUMBER:
      return value;
    case STRING:
      return b.strings[value];
    case TRUE:
      return true;
    case FALSE:
      return false;
    default:
      return null;
  }
}

/** Row `i`'s features as parsed. */
export function featuresOf(b: ParsedBatch, i: number): Record<string, Cell> {
  const C = b.names.length;
  const features: Record<string, Cell> = {};
  for (let c = 0; c < C; c++) {
    const code = b.codes[i * C + c];
    if (code !== ABSENT) features[b.names[c]] = cellOf(b, code, b.values[i * C + c]);
  }
  return features;
}

/** Row `i`'s prediction (a string or a number, as checked). */
export function predictionAt(b: ParsedBatch, i: number): string | number {
  return cellOf(b, b.predCode[i], b.predValue[i]) as string | number;
}

/** Row `i`'s alias, null for none. */
export function aliasAt(b: ParsedBatch, i: number): string | null {
  const a = b.aliasOf[i];
  return a < 0 ? null : b.aliasNames[a];
}

/** Row `i`'s bytes, its "\n" included (a view, not a copy). */
export function lineBytesAt(b: ParsedBatch, i: number): Uint8Array {
  return b.bytes.subarray(i ? b.lineEnd[i - 1] : 0, b.lineEnd[i]);
}

/** Row `i`'s line as received. */
export function textAt(b: ParsedBatch, i: number): string {
  const from = i ? b.lineEnd[i - 1] : 0;
  return Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength).toString('utf8', from, b.lineEnd[i] - 1);
}

/** Where each class of `labels` is among a batch's probability columns (-1: none), found once a batch. */
const probColumns = new WeakMap<ParsedBatch, { labels: readonly string[]; cols: Int32Array }>();

/** Row `i`'s probabilities in the order of `labels` (NaN for a class it lacks), as probsOf gives a record's; null without either. */
export function probsAt(b: ParsedBatch, i: number, labels: readonly string[] | null | undefined): number[] | null {
  if (!labels || !b.hasProbs[i]) return null;
  let l = probColumns.get(b);
  if (!l || l.labels !== labels) probColumns.set(b, (l = { labels, cols: Int32Array.from(labels, (x) => b.probNames.indexOf(x)) }));
  const P = b.probNames.length;
  const out = new Array<number>(labels.length);
  for (let j = 0; j < labels.length; j++) out[j] = l.cols[j] < 0 ? NaN : b.probs[i * P + l.cols[j]];
  return out;
}

/**
 * Row `i` of a batch as the record it was parsed from (only the fields the ingest reads), with its
 * source, time and text. Without `withFeatures` the features are left empty.
 */
export function rowOf(b: ParsedBatch, i: number, model: string, withFeatures = true): { src: string; line: number; rec: PredictionRecord; time: number; text: string } {
  const features = withFeatures ? featuresOf(b, i) : {};
  let probabilities: Record<string, number> | undefined;
  if (b.hasProbs[i]) {
    probabilities = {};
    const P = b.probNames.length;
    for (let c = 0; c < P; c++) {
      const x = b.probs[i * P + c];
      if (!Number.isNaN(x)) probabilities[b.probNames[c]] = x;
    }
  }
  const prediction = predictionAt(b, i);
  const rec: PredictionRecord = {
    requestId: b.ids[i],
    time: b.timeText[i] ?? b.times[i],
    model,
    version: b.versions[i],
    alias: aliasAt(b, i),
    features,
    output: probabilities ? { prediction, probabilities } : { prediction },
  };
  if (!Number.isNaN(b.latency[i])) rec.latencyMs = b.latency[i];
  return { src: b.files[b.fileOf[i]], line: b.lineOf[i], rec, time: b.times[i], text: textAt(b, i) };
}

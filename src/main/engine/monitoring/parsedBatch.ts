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
   * and encode again on its thread).
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

/** Builds ParsedBatch columns row by row (in the parse worker): `beginRow`, its cells, `endRow` (`add` for a checked record). */
export class BatchEncoder {
  private rows = 0;
  private readonly files: string[] = [];
  private fileIdx = new Map<string, number>();
  private fileOf: number[] = [];
  private lineOf: number[] = [];
  private ids: string[] = [];
  private times: number[] = [];
  private timeText: (string | null)[] = [];
  private versions: number[] = [];
  private aliasOf: number[] = [];
  private aliasNames: string[] = [];
  private aliasIdx = new Map<string, number>();
  /** Feature columns by first appearance. */
  private readonly names: string[] = [];
  private nameIdx = new Map<string, number>();
  /** Per column: code and value of every row so far (columns found later are filled with ABSENT). */
  private colCodes: number[][] = [];
  private colValues: number[][] = [];
  private strings: string[] = [];
  /** Each distinct string once a batch (categories repeat: fewer strings to copy between threads and to rebuild there). */
  private stringIdx = new Map<string, number>();
  private predCode: number[] = [];
  private predValue: number[] = [];
  private hasProbs: number[] = [];
  private readonly probNames: string[] = [];
  private probIdx = new Map<string, number>();
  private probCols: number[][] = [];
  private latency: number[] = [];
  private text: string[] = [];

  get size(): number {
    return this.rows;
  }

  /** The column of a feature name, added (ABSENT for the rows before) when new. */
  column(name: string): number {
    let c = this.nameIdx.get(name);
    if (c === undefined) {
      this.nameIdx.set(name, (c = this.names.push(name) - 1));
      this.colCodes.push(new Array<number>(this.rows).fill(ABSENT));
      this.colValues.push(new Array<number>(this.rows).fill(0));
    }
    return c;
  }

  probColumn(name: string): number {
    let c = this.probIdx.get(name);
    if (c === undefined) {
      this.probIdx.set(name, (c = this.probNames.push(name) - 1));
      this.probCols.push(new Array<number>(this.rows).fill(NaN));
    }
    return c;
  }

  beginRow(file: string, line: number, id: string, time: number, timeText: string | null, version: number, alias: string | null, latency: number, text: string): void {
    let f = this.fileIdx.get(file);
    if (f === undefined) this.fileIdx.set(file, (f = this.files.push(file) - 1));
    this.fileOf.push(f);
    this.lineOf.push(line);
    this.ids.push(id);
    this.times.push(time);
    this.timeText.push(timeText);
    this.versions.push(version);
    if (alias === null) this.aliasOf.push(-1);
    else {
      let a = this.aliasIdx.get(alias);
      if (a === undefined) this.aliasIdx.set(alias, (a = this.aliasNames.push(alias) - 1));
      this.aliasOf.push(a);
    }
    this.latency.push(latency);
    this.text.push(text);
  }

  /** A cell of column `c` in the current row: a code, and the number (NUMBER) or string (STRING). */
  feature(c: number, code: number, value: number, str: string | null): void {
    this.colCodes[c].push(code);
    this.colValues[c].push(code === STRING ? this.stringOf(str!) : value);
  }

  prediction(code: number, value: number, str: string | null): void {
    this.predCode.push(code);
    this.predValue.push(code === STRING ? this.stringOf(str!) : value);
  }

  private stringOf(s: string): number {
    let k = this.stringIdx.get(s);
    if (k === undefined) this.stringIdx.set(s, (k = this.strings.push(s) - 1));
    return k;
  }

  prob(c: number, x: number): void {
    this.probCols[c].push(x);
  }

  endRow(hasProbs: boolean): void {
    const r = this.rows++;
    // Columns this row did not have.
    for (let c = 0; c < this.colCodes.length; c++) {
      if (this.colCodes[c].length === r) {
        this.colCodes[c].push(ABSENT);
        this.colValues[c].push(0);
      }
    }
    this.hasProbs.push(hasProbs ? 1 : 0);
    for (const col of this.probCols) if (col.length === r) col.push(NaN);
  }

  private cell(c: number, v: Cell): void {
    if (v === null) this.feature(c, NULL, 0, null);
    else if (typeof v === 'number') this.feature(c, NUMBER, v, null);
    else if (typeof v === 'boolean') this.feature(c, v ? TRUE : FALSE, 0, null);
    else this.feature(c, STRING, 0, v);
  }

  add(file: string, line: number, rec: PredictionRecord, time: number, text: string): void {
    this.beginRow(file, line, rec.requestId, time, typeof rec.time === 'string' ? rec.time : null, rec.version, rec.alias ?? null, rec.latencyMs ?? NaN, text);
    const cells = rec.features as Record<string, Cell>;
    // Records mostly list their features alike, and JSON.parse interns short keys: the k-th key is
    // usually the k-th column's very string (one comparison, no lookup).
    let j = 0;
    const names = this.names;
    for (const k in cells) {
      this.cell(j < names.length && names[j] === k ? j : this.column(k), cells[k]);
      j++;
    }
    const p = rec.output.prediction;
    if (typeof p === 'number') this.prediction(NUMBER, p, null);
    else this.prediction(STRING, 0, p);
    const pr = rec.output.probabilities;
    if (pr) {
      let q = 0;
      for (const k in pr) {
        this.prob(q < this.probNames.length && this.probNames[q] === k ? q : this.probColumn(k), pr[k]);
        q++;
      }
    }
    this.endRow(pr !== undefined);
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
    for (let c = 0; c < P; c++) for (let i = 0; i < n; i++) probs[i * P + c] = this.probCols[c][i];
    return {
      n,
      files: this.files,
      fileOf: Uint16Array.from(this.fileOf),
      lineOf: Float64Array.from(this.lineOf),
      ids: this.ids,
      times: Float64Array.from(this.times),
      timeText: this.timeText,
      versions: Float64Array.from(this.versions),
      aliasOf: Int16Array.from(this.aliasOf),
      aliasNames: this.aliasNames,
      names: this.names,
      codes,
      values,
      strings: this.strings,
      predCode: Uint8Array.from(this.predCode),
      predValue: Float64Array.from(this.predValue),
      hasProbs: Uint8Array.from(this.hasProbs),
      probNames: this.probNames,
      probs,
      latency: Float64Array.from(this.latency),
      ...utf8Lines(this.text),
    };
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

/** Lines as one UTF-8 buffer, each ended by "\n", and where each ends (byte lengths counted only when some character is not ASCII). */
function utf8Lines(lines: string[]): { bytes: Uint8Array; lineEnd: Int32Array } {
  const joined = lines.length ? lines.join('\n') + '\n' : '';
  const bytes = Buffer.from(joined, 'utf8');
  const lineEnd = new Int32Array(lines.length);
  const ascii = bytes.length === joined.length;
  let end = 0;
  for (let i = 0; i < lines.length; i++) lineEnd[i] = end += (ascii ? lines[i].length : Buffer.byteLength(lines[i], 'utf8')) + 1;
  return { bytes, lineEnd };
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

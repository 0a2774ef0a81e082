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
  /** The accepted lines as received, joined: row i is `text.slice(textEnd[i - 1] ?? 0, textEnd[i])`. */
  text: string;
  textEnd: Int32Array;
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
  private predCode: number[] = [];
  private predValue: number[] = [];
  private hasProbs: number[] = [];
  private readonly probNames: string[] = [];
  private probIdx = new Map<string, number>();
  private probCols: number[][] = [];
  private latency: number[] = [];
  private text: string[] = [];
  private textEnd: number[] = [];
  private chars = 0;

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
    this.chars += text.length;
    this.textEnd.push(this.chars);
  }

  /** A cell of column `c` in the current row: a code, and the number (NUMBER) or string (STRING). */
  feature(c: number, code: number, value: number, str: string | null): void {
    this.colCodes[c].push(code);
    this.colValues[c].push(code === STRING ? this.strings.push(str!) - 1 : value);
  }

  prediction(code: number, value: number, str: string | null): void {
    this.predCode.push(code);
    this.predValue.push(code === STRING ? this.strings.push(str!) - 1 : value);
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
      text: this.text.join(''),
      textEnd: Int32Array.from(this.textEnd),
    };
  }
}

function cellOf(b: ParsedBatch, code: number, value: number): Cell {
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

/**
 * Row `i` of a batch as the record it was parsed from (only the fields the ingest reads), with its
 * source, time and text. Without `withFeatures` the features are left empty (a row the worker
 * sketched needs them only if its batch must be sketched again: `featuresOf`).
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
  const prediction = cellOf(b, b.predCode[i], b.predValue[i]) as string | number;
  const a = b.aliasOf[i];
  const rec: PredictionRecord = {
    requestId: b.ids[i],
    time: b.timeText[i] ?? b.times[i],
    model,
    version: b.versions[i],
    alias: a < 0 ? null : b.aliasNames[a],
    features,
    output: probabilities ? { prediction, probabilities } : { prediction },
  };
  if (!Number.isNaN(b.latency[i])) rec.latencyMs = b.latency[i];
  return { src: b.files[b.fileOf[i]], line: b.lineOf[i], rec, time: b.times[i], text: b.text.slice(i ? b.textEnd[i - 1] : 0, b.textEnd[i]) };
}

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

const ABSENT = 0;
const NULL = 1;
const NUMBER = 2;
const TRUE = 3;
const FALSE = 4;
const STRING = 5;

type Cell = string | number | boolean | null;

/** Builds ParsedBatch columns row by row (in the parse worker). */
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
  private names: string[] = [];
  private nameIdx = new Map<string, number>();
  /** Per column: code and value of every row so far (columns found later are filled with ABSENT). */
  private colCodes: number[][] = [];
  private colValues: number[][] = [];
  private strings: string[] = [];
  private predCode: number[] = [];
  private predValue: number[] = [];
  private hasProbs: number[] = [];
  private probNames: string[] = [];
  private probIdx = new Map<string, number>();
  private probCols: number[][] = [];
  private latency: number[] = [];
  private text: string[] = [];
  private textEnd: number[] = [];
  private chars = 0;

  get size(): number {
    return this.rows;
  }

  private cell(v: Cell, codes: number[], values: number[]): void {
    if (v === null) {
      codes.push(NULL);
      values.push(0);
    } else if (typeof v === 'number') {
      codes.push(NUMBER);
      values.push(v);
    } else if (typeof v === 'boolean') {
      codes.push(v ? TRUE : FALSE);
      values.push(0);
    } else {
      codes.push(STRING);
      values.push(this.strings.push(v) - 1);
    }
  }

  add(file: string, line: number, rec: PredictionRecord, time: number, text: string): void {
    const r = this.rows++;
    let f = this.fileIdx.get(file);
    if (f === undefined) this.fileIdx.set(file, (f = this.files.push(file) - 1));
    this.fileOf.push(f);
    this.lineOf.push(line);
    this.ids.push(rec.requestId);
    this.times.push(time);
    this.timeText.push(typeof rec.time === 'string' ? rec.time : null);
    this.versions.push(rec.version);
    if (rec.alias === undefined || rec.alias === null) this.aliasOf.push(-1);
    else {
      let a = this.aliasIdx.get(rec.alias);
      if (a === undefined) this.aliasIdx.set(rec.alias, (a = this.aliasNames.push(rec.alias) - 1));
      this.aliasOf.push(a);
    }
    const cells = rec.features as Record<string, Cell>;
    for (const k in cells) {
      let c = this.nameIdx.get(k);
      if (c === undefined) {
        this.nameIdx.set(k, (c = this.names.push(k) - 1));
        this.colCodes.push(new Array<number>(r).fill(ABSENT));
        this.colValues.push(new Array<number>(r).fill(0));
      }
      this.cell(cells[k], this.colCodes[c], this.colValues[c]);
    }
    // Columns this row did not have.
    for (let c = 0; c < this.names.length; c++) {
      if (this.colCodes[c].length === r) {
        this.colCodes[c].push(ABSENT);
        this.colValues[c].push(0);
      }
    }
    const pv: number[] = [];
    this.cell(rec.output.prediction, this.predCode, pv);
    this.predValue.push(pv[0]);
    const pr = rec.output.probabilities;
    this.hasProbs.push(pr ? 1 : 0);
    if (pr) {
      for (const k in pr) {
        let c = this.probIdx.get(k);
        if (c === undefined) {
          this.probIdx.set(k, (c = this.probNames.push(k) - 1));
          this.probCols.push(new Array<number>(r).fill(NaN));
        }
        this.probCols[c].push(pr[k]);
      }
    }
    for (const col of this.probCols) if (col.length === r) col.push(NaN);
    this.latency.push(rec.latencyMs ?? NaN);
    this.text.push(text);
    this.chars += text.length;
    this.textEnd.push(this.chars);
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

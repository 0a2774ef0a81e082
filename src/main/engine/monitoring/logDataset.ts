import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';

/**
 * Logged rows as the next training's data: the raw records of a range (as the serving process
 * received them, from the append-only window files) joined with the labels that arrived, written as
 * one CSV whose columns are the model's inputs and its target. The caller imports it as a dataset
 * version (so it is versioned, profiled and content-addressed like any import) and records lineage
 * from the model versions that served the rows.
 */

export interface LogRowsInput {
  home: string;
  /** Raw segment keys (`<file>#<from>-<to>`) in window order, as the monitoring repository records them. */
  segments: string[];
  /** request id -> label, for the requests of the range that have one. */
  labels: Map<string, string>;
  /** The model's input columns, in signature order, and its target column. */
  columns: string[];
  target: string;
  /** Keep only rows with a label (the default: training needs the target). */
  labelledOnly: boolean;
  out: string;
}

export interface LogRowsOutput {
  rows: number;
  labelled: number;
  /** Rows left out because they had no label (when `labelledOnly`). */
  unlabelled: number;
  /** Versions that served the rows written. */
  versions: Set<number>;
}

/** RFC 4180 field: quoted when it holds a delimiter, quote or line end. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '';
  // A number or boolean never holds a delimiter, quote or line end (most cells: no test needed).
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const NEEDS_QUOTES = /[",\r\n]/;

const ID_PREFIX = '{"requestId":"';

/**
 * The request id of a line as the serving export writes it (`{"requestId":"<id>",...`, no escape in
 * the id and no second "requestId" key, which JSON.parse would let win), without parsing the line;
 * null for any other line (it is parsed).
 */
function leadingId(line: string): string | null {
  if (!line.startsWith(ID_PREFIX)) return null;
  const end = line.indexOf('"', ID_PREFIX.length);
  if (end < 0) return null;
  const id = line.slice(ID_PREFIX.length, end);
  return id.includes('\\') || line.includes('"requestId"', end) ? null : id;
}

function segmentText(home: string, key: string): string {
  const m = /^(.*)#(\d+)-(\d+)$/.exec(key);
  if (!m) throw new LatheError('INTERNAL', `A raw segment key is malformed: ${key}`);
  const file = path.join(home, m[1]);
  const from = Number(m[2]);
  const length = Number(m[3]) - from;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, from);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

interface RawRecord {
  requestId: string;
  version: number;
  features: Record<string, unknown>;
}

export function writeLogRows(i: LogRowsInput): LogRowsOutput {
  const out: LogRowsOutput = { rows: 0, labelled: 0, unlabelled: 0, versions: new Set() };
  const fd = fs.openSync(i.out, 'w');
  const seen = new Set<string>();
  try {
    fs.writeSync(fd, [...i.columns, i.target].map(field).join(',') + '\n');
    for (const key of i.segments) {
      const lines: string[] = [];
      for (const line of segmentText(i.home, key).split('\n')) {
        if (!line.trim()) continue;
        // A row without its label is left out unparsed when its id can be read off the line.
        const id = i.labelledOnly ? leadingId(line) : null;
        if (id !== null && !i.labels.has(id)) {
          if (!seen.has(id)) {
            seen.add(id);
            out.unlabelled++;
          }
          continue;
        }
        // Records were validated when ingested; a record here is one the ingest accepted.
        const rec = JSON.parse(line) as RawRecord;
        if (seen.has(rec.requestId)) continue;
        seen.add(rec.requestId);
        const label = i.labels.get(rec.requestId);
        if (label === undefined && i.labelledOnly) {
          out.unlabelled++;
          continue;
        }
        if (label !== undefined) out.labelled++;
        out.rows++;
        out.versions.add(rec.version);
        let text = '';
        for (const c of i.columns) text += field(rec.features[c]) + ',';
        lines.push(text + field(label ?? null));
      }
      if (lines.length) fs.writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LatheError } from '../../../shared/errors';
import { newId } from '../ids';
import type { MonitoringRepo } from '../db/monitoringRepo';
import { sqlList, sqlString } from './duck';
import type { Duck } from './duck';
import { columnarSelect, ndjsonSource, type RawColumn } from './rawColumns';
import type { RawStore } from './rawStore';

/**
 * Raw logged rows in their columnar form: sealing a closed window's NDJSON file into an immutable
 * Parquet part, and reading a range's rows from both forms as one table. DuckDB does both (measured
 * against JavaScript and hyparquet: docs/MONITORING.md "Raw rows").
 *
 * Sealing is crash-consistent in the order of its steps: the part is written to a temporary file,
 * fsynced and renamed; then one transaction records the part and deletes the NDJSON file's segments;
 * then the NDJSON file is removed. A process killed before the transaction leaves an unrecorded part
 * (removed at the next start, the NDJSON still recorded); killed after it, an NDJSON file no segment
 * records (removed at the next start, the part recorded). Every row is recorded exactly once.
 */

export interface RawPartsDeps {
  home: string;
  repo: MonitoringRepo;
  raw: RawStore;
  duck: Duck;
}

const segmentEnd = (key: string): number => Number(/-(\d+)$/.exec(key)?.[1] ?? NaN);
export const segmentFile = (key: string): string => key.replace(/#\d+-\d+$/, '');

export interface SealResult {
  part: string;
  rows: number;
  bytes: number;
}

/**
 * Seals one NDJSON file (relative path) of a model's window into a Parquet part; null when it is not
 * sealable now (held by a reader, gone, or with bytes past its last recorded segment).
 */
export async function sealFile(d: RawPartsDeps, model: string, window: number, file: string, columns: readonly RawColumn[]): Promise<SealResult | null> {
  if (d.raw.isHeld(file)) return null;
  const segments = d.repo.segmentsOfFile(file);
  if (segments.length === 0) return null;
  const abs = path.join(d.home, file);
  const end = Math.max(...segments.map((s) => segmentEnd(s.file)));
  const rows = segments.reduce((n, s) => n + s.rows, 0);
  if (!fs.existsSync(abs) || fs.statSync(abs).size !== end) return null;
  const release = d.raw.hold([file]);
  const part = d.raw.partFile(model, window, newId());
  const partAbs = path.join(d.home, part);
  const tmp = `${partAbs}.tmp`;
  try {
    fs.mkdirSync(path.dirname(partAbs), { recursive: true });
    const written = await d.duck.use(async (con) => {
      await con.run(`COPY (SELECT ${columnarSelect(columns)} FROM ${ndjsonSource([abs])}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      return count(con, `SELECT count(*) FROM read_parquet(${sqlString(tmp)})`);
    });
    if (written !== rows) throw new LatheError('INTERNAL', `Sealing ${file}: the part holds ${written} rows, its segments record ${rows}; the NDJSON file is kept`);
    // The workspace may have closed while DuckDB wrote: the temporary file is removed at the next start.
    if (d.duck.isClosed) return null;
    syncFile(tmp);
    fs.renameSync(tmp, partAbs);
    syncDir(path.dirname(partAbs));
    const bytes = fs.statSync(partAbs).size;
    d.repo.transaction(() => d.repo.sealed({ file: part, model, windowStart: window, rows, bytes, from: file }));
    fs.rmSync(abs, { force: true });
    return { part, rows, bytes };
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    release();
  }
}

function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDir(dir: string): void {
  // Directories cannot be opened for fsync on Windows; the rename is durable enough there.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

async function count(con: DuckDBConnection, sql: string): Promise<number> {
  const r = await con.runAndReadAll(sql);
  return Number(r.getRows()[0][0]);
}

/** A range's raw rows: sealed parts and NDJSON files not sealed yet (absolute paths). */
export interface RawRange {
  parts: string[];
  ndjson: string[];
  /** Releases the NDJSON files held for the read. */
  release(): void;
}

/**
 * The files holding a model's rows of a range, the NDJSON ones held (no append, no sealing) until
 * `release`. An NDJSON file with bytes past its last recorded segment (a batch written but not
 * committed) is read from a copy cut at that byte.
 */
export function rawRange(d: RawPartsDeps, model: string, from: number, to: number, tmpDir: string): RawRange {
  const ends = new Map<string, number>();
  for (const s of d.repo.segments(model, from, to)) {
    const f = segmentFile(s.file);
    ends.set(f, Math.max(ends.get(f) ?? 0, segmentEnd(s.file)));
  }
  const files = [...ends.keys()];
  const release = d.raw.hold(files);
  const ndjson: string[] = [];
  for (const [file, end] of ends) {
    const abs = path.join(d.home, file);
    if (fs.statSync(abs).size === end) ndjson.push(abs);
    else {
      const copy = path.join(tmpDir, `${newId()}.ndjson`);
      fs.copyFileSync(abs, copy);
      fs.truncateSync(copy, end);
      ndjson.push(copy);
    }
  }
  const parts = d.repo.parts(model, from, to).map((p) => path.join(d.home, p.file));
  return { parts, ndjson, release };
}

/** SQL for a range's rows as one table of columnar rows (`rawColumns.ts`); null when there are none. */
export function rangeSql(r: Pick<RawRange, 'parts' | 'ndjson'>, columns: readonly RawColumn[]): string | null {
  const sources: string[] = [];
  if (r.parts.length) sources.push(`SELECT * FROM read_parquet(${sqlList(r.parts)}, union_by_name = true)`);
  if (r.ndjson.length) sources.push(`SELECT ${columnarSelect(columns)} FROM ${ndjsonSource(r.ndjson)}`);
  return sources.length ? sources.join('\nUNION ALL BY NAME\n') : null;
}

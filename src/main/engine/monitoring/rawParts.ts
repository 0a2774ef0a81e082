import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LatheError } from '../../../shared/errors';
import { newId } from '../ids';
import type { MonitoringRepo } from '../db/monitoringRepo';
import type { Duck } from '../db/duck';
import { sealCopy, stagedRows, type RawColumn } from '../db/rawRowsSql';
import { parseSegmentKey, type RawStore } from './rawStore';
import { syncFileAndDir } from '../store/durable';

/**
 * Raw logged rows in their columnar form: sealing closed windows' NDJSON files into immutable
 * Parquet parts (DuckDB, measured against JavaScript and hyparquet: docs/MONITORING.md "Raw rows"),
 * and the files that hold a range's rows in either form (the SQL over them: db/rawRowsSql.ts).
 *
 * Sealing is crash-consistent in the order of its steps: DuckDB writes the parts into a staging
 * folder; each is renamed into place and synced; then one transaction records the parts and deletes
 * the NDJSON files' segments; then the NDJSON files are removed. A process killed before the
 * transaction leaves unrecorded parts (removed at the next start, the NDJSON still recorded); killed
 * after it, NDJSON files no segment records (removed at the next start, the parts recorded). Every
 * row is recorded exactly once.
 */

export interface RawPartsDeps {
  home: string;
  repo: MonitoringRepo;
  raw: RawStore;
  duck: Duck;
}

const segmentEnd = (key: string): number => parseSegmentKey(key)?.end ?? NaN;
export const segmentFile = (key: string): string => parseSegmentKey(key)?.file ?? key;

export interface SealResult {
  part: string;
  rows: number;
  bytes: number;
}

/** A window's NDJSON file (relative path) to seal. */
export interface Landed {
  window: number;
  file: string;
}

/**
 * Seals NDJSON files of one model into Parquet parts, one part per file, in one DuckDB COPY
 * (partitioned by source file: a COPY per file costs 3x more for windows of a few thousand rows).
 * A file is left as it is when it is not sealable now: held by a reader, gone, or with bytes past
 * its last recorded segment. The parts are recorded, and the files' segments deleted, in one
 * transaction; returns what was sealed.
 */
export async function sealFiles(d: RawPartsDeps, model: string, landed: readonly Landed[], columns: readonly RawColumn[], con: DuckDBConnection): Promise<SealResult[]> {
  const sealable: (Landed & { abs: string; rows: number })[] = [];
  for (const l of landed) {
    if (d.raw.isHeld(l.file)) continue;
    const segments = d.repo.segmentsOfFile(l.file);
    const abs = path.join(d.home, l.file);
    if (segments.length === 0 || !fs.existsSync(abs)) continue;
    if (fs.statSync(abs).size !== Math.max(...segments.map((s) => segmentEnd(s.file)))) continue;
    sealable.push({ ...l, abs, rows: segments.reduce((n, s) => n + s.rows, 0) });
  }
  if (sealable.length === 0) return [];
  const release = d.raw.hold(sealable.map((l) => l.file));
  const staging = path.join(d.home, d.raw.stagingDir(model, newId()));
  try {
    fs.mkdirSync(path.dirname(staging), { recursive: true });
    const sources = sealable.map((l) => l.abs);
    await con.run(sealCopy(sources, columns, staging)).catch(async (e: unknown) => {
      if (!isDuplicateKeyError(e)) throw e;
      await con.run(sealCopy(canonicalCopies(sources, `${staging}-canonical`), columns, staging));
    });
    // The workspace may have closed while DuckDB wrote: the staging folder is removed at the next start.
    if (d.duck.isClosed) return [];
    // Rows per written file (from the Parquet footers), checked per source against its segments.
    const written = new Map<number, { file: string; rows: number }[]>();
    for (const [file, src, n] of (await con.runAndReadAll(stagedRows(staging, path.sep))).getRows()) {
      const k = Number(src);
      written.set(k, [...(written.get(k) ?? []), { file: String(file), rows: Number(n) }]);
    }
    const out: (SealResult & Landed)[] = [];
    for (const [k, l] of sealable.entries()) {
      const files = written.get(k + 1) ?? [];
      const total = files.reduce((n, f) => n + f.rows, 0);
      if (total !== l.rows) throw new LatheError('INTERNAL', `Sealing ${l.file}: its parts hold ${total} rows, its segments record ${l.rows}; the NDJSON files are kept`);
      for (const f of files) {
        const part = d.raw.partFile(model, l.window, newId());
        const abs = path.join(d.home, part);
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.renameSync(f.file, abs);
        // Synced before it is recorded: a part renamed but not yet on disk is unrecorded, and removed at the next start.
        await syncFileAndDir(abs, path.dirname(abs));
        out.push({ ...l, part, rows: f.rows, bytes: fs.statSync(abs).size });
      }
    }
    if (d.duck.isClosed) return [];
    // From here to the NDJSON files' removal nothing awaits, so nothing else runs in between. A
    // reconcile that ran during the syncs above (an ingest's rollback) removed unrecorded parts: then
    // nothing is recorded and the NDJSON files stay.
    const gone = out.find((r) => !fs.existsSync(path.join(d.home, r.part)));
    if (gone) throw new LatheError('INTERNAL', `Sealing ${gone.file}: its part was removed before it was recorded; the NDJSON files are kept`);
    d.repo.transaction(() => {
      for (const r of out) d.repo.sealed({ file: r.part, model, windowStart: r.window, rows: r.rows, bytes: r.bytes, from: r.file });
    });
    for (const l of sealable) fs.rmSync(l.abs, { force: true });
    return out.map(({ part, rows, bytes }) => ({ part, rows, bytes }));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(`${staging}-canonical`, { recursive: true, force: true });
    release();
  }
}

/** DuckDB refuses a JSON object with a repeated key; `JSON.parse`, and so the ingest, accepts it (the last one wins). */
export function isDuplicateKeyError(e: unknown): boolean {
  return e instanceof Error && /duplicate key/i.test(e.message);
}

/**
 * NDJSON files rewritten into `dir` as `JSON.parse` reads each line (a repeated key: the last wins),
 * for DuckDB when it refuses the originals: the rare path, so the ingest keeps the bytes as received.
 */
export function canonicalCopies(files: readonly string[], dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return files.map((file, k) => {
    const out = path.join(dir, `${k}.ndjson`);
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    fs.writeFileSync(out, lines.map((l) => JSON.stringify(JSON.parse(l))).join('\n') + '\n');
    return out;
  });
}

/** A range's raw rows: sealed parts and NDJSON files not sealed yet (absolute paths). */
export interface RawRange {
  parts: string[];
  ndjson: string[];
  /** Rows the range records (in both forms). */
  rows: number;
  /** Releases the NDJSON files held for the read (and removes the copies made for it). */
  release(): void;
}

/**
 * The files holding a model's rows of a range, the NDJSON ones held (no append, no sealing) until
 * `release`. An NDJSON file with bytes past its last recorded segment (a batch written but not
 * committed) is read from a copy cut at that byte.
 */
export function rawRange(d: RawPartsDeps, model: string, from: number, to: number, tmpDir: string): RawRange {
  const ends = new Map<string, number>();
  let rows = 0;
  for (const s of d.repo.segments(model, from, to)) {
    rows += s.rows;
    const f = segmentFile(s.file);
    ends.set(f, Math.max(ends.get(f) ?? 0, segmentEnd(s.file)));
  }
  const unhold = d.raw.hold([...ends.keys()]);
  const copies: string[] = [];
  const release = () => {
    unhold();
    for (const c of copies) fs.rmSync(c, { force: true });
  };
  const ndjson: string[] = [];
  for (const [file, end] of ends) {
    const abs = path.join(d.home, file);
    if (!fs.existsSync(abs)) {
      release();
      throw new LatheError('BAD_FILE', `A raw rows file of ${model} is missing: ${file}`, { where: file, hint: 'It was moved or deleted outside Lathe; put it back, or re-ingest the logs of that window.' });
    }
    if (fs.statSync(abs).size === end) ndjson.push(abs);
    else {
      const copy = path.join(tmpDir, `${newId()}.ndjson`);
      fs.copyFileSync(abs, copy);
      fs.truncateSync(copy, end);
      copies.push(copy);
      ndjson.push(copy);
    }
  }
  const parts: string[] = [];
  for (const p of d.repo.parts(model, from, to)) {
    rows += p.rows;
    parts.push(path.join(d.home, p.file));
  }
  return { parts, ndjson, rows, release };
}

import os from 'node:os';
import { asyncBufferFromFile, parquetMetadataAsync, type FileMetaData } from 'hyparquet';
import { runWorker } from '../workers/runWorker';
import { delimitedAnalysis, planDelimited, type DelimitedPlan } from './formats/delimited';
import type { PartResult } from './formats/delimitedPart';
import { jsonlAnalysis } from './formats/jsonl';
import type { JsonlPartResult } from './formats/jsonlPart';
import { parquetAnalysis, parquetColumns } from './formats/parquet';
import type { ParquetPartResult } from './formats/parquetPart';
import { MAX_COLUMNS } from './formats/limits';
import type { TableAnalysis } from './formats/table';
import type { PartRange } from './formats/textPart';
import { ColumnProfiler } from './profile';
import { type AnyPartResult, type PartsJob, type PartsProgress } from './partsJob';
import { ROW_INDEX_STRIDE } from './rowIndex';
import { delimitedSplitPoints, lineSplitPoints } from './splitPoints';

/** Files from this size are analysed in parts across the pool (below it one thread is as fast). */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;
/** About this many bytes per part: enough parts to balance the pool, few enough to merge cheaply. */
const PART_BYTES = 16 * 1024 * 1024;

/**
 * The parallel pass cannot promise the sequential pass's exact answer here (a failure somewhere, a
 * sample too short to plan from): the caller runs the sequential pass, which says what it says.
 */
export class NeedsSequential extends Error {}

/** Threads in the pool: one per core (LATHE_ANALYZE_THREADS overrides), at most one per part. */
export function analysisThreads(): number {
  const env = Number(process.env.LATHE_ANALYZE_THREADS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * About PART_BYTES a part, at least two per thread, and a multiple of the threads: equal parts then
 * come out even, and no thread is left alone with the last one while the others wait (on 2 cores,
 * 9 parts of a 138 MB file kept one core idle for a whole part at the end).
 */
export function partCount(size: number, threads: number): number {
  return threads * Math.max(2, Math.ceil(size / PART_BYTES / threads));
}

/**
 * Appends the offsets of global rows k * ROW_INDEX_STRIDE that fall in a part whose first row is
 * global row `before`, from every row's start or (a part that starts the file) from the index's own.
 */
function appendOffsets(offsets: number[], before: number, part: { rowStarts: Float64Array; rowStartsEvery: number }): void {
  const { rowStarts, rowStartsEvery } = part;
  if (rowStartsEvery !== 1) {
    if (before !== 0 || rowStartsEvery !== ROW_INDEX_STRIDE) throw new Error(`row starts kept every ${rowStartsEvery} rows for a part after row ${before}`);
    for (const at of rowStarts) offsets.push(at);
    return;
  }
  for (let i = (ROW_INDEX_STRIDE - (before % ROW_INDEX_STRIDE)) % ROW_INDEX_STRIDE; i < rowStarts.length; i += ROW_INDEX_STRIDE) offsets.push(rowStarts[i]);
}

export interface Merger<R extends AnyPartResult> {
  /** Adds part `k` (in file order) to the whole. */
  add(r: R, k: number): void;
}

/**
 * Runs the parts of one file on a pool of `analyze` workers and merges them in file order. Each part
 * after the first was split at a guessed row boundary: it counts only if the part before ended
 * exactly where it began (the first row at or after the split is the first row it parsed). A part
 * that does not fit is parsed again from where the part before really ended; one that failed where
 * it really is a part means the file is bad: `NeedsSequential`, so the user gets the one-pass error.
 */
async function runParts<R extends AnyPartResult>(
  ranges: PartRange[],
  jobFor: (ranges: PartRange[], first: number, control: SharedArrayBuffer) => PartsJob,
  merger: Merger<R>,
  size: number,
  onBytes: (done: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const stopPool = new AbortController();
  const onAbort = () => stopPool.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const results: (R | undefined)[] = [];
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  let bytes = 0;
  const progress = (m: PartsProgress) => {
    if (m.t === 'bytes') onBytes(Math.min(size, (bytes += m.n)));
    else {
      results[m.index] = m.result as R;
      wake?.();
    }
  };
  const start = (rs: PartRange[], first: number, control: SharedArrayBuffer, onProgress: (m: PartsProgress) => void) =>
    runWorker('analyze', jobFor(rs, first, control), { onProgress, signal: stopPool.signal }).catch((e: unknown) => {
      failure ??= e;
      wake?.();
      throw e;
    });
  const control = new SharedArrayBuffer(8);
  const merged = new Int32Array(control);
  const pool = Array.from({ length: Math.min(analysisThreads(), ranges.length) }, () => start(ranges, 0, control, progress));
  const arrival = async (k: number): Promise<R> => {
    while (results[k] === undefined) {
      if (failure !== null) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    return results[k] as R;
  };
  const again = (from: number, k: number) => partAgain<R>(jobFor([{ start: from, end: ranges[k].end }], k, new SharedArrayBuffer(8)), stopPool.signal);
  try {
    await mergeConfirmed(ranges.length, ranges[0].start, async (k) => {
      const r = await arrival(k);
      results[k] = undefined;
      return r;
    }, again, merger, (k) => {
      Atomics.store(merged, 1, k + 1);
      Atomics.notify(merged, 1);
    });
    await Promise.all(pool);
  } catch (e) {
    stopPool.abort(e);
    await Promise.allSettled(pool);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Part `job.first` again, alone on a fresh worker, from a boundary the part before confirmed (bytes read go to `onBytes`). */
export async function partAgain<R extends AnyPartResult>(job: PartsJob, signal: AbortSignal, onBytes?: (m: PartsProgress) => void): Promise<R> {
  let got: R | undefined;
  await runWorker('analyze', job, {
    signal,
    onProgress: (m) => {
      if (m.t === 'part') got = m.result as R;
      else onBytes?.(m);
    },
  });
  return got as R;
}

/**
 * Merges `count` parts in file order, the first starting at `start`. Each part after the first was
 * split at a guessed row boundary: it counts only if the part before ended exactly where it began
 * (its first row); otherwise it is parsed again (`again`) from where the part before really ended.
 * A part that failed where it really is a part means the file is bad: `NeedsSequential`.
 */
export async function mergeConfirmed<R extends AnyPartResult>(
  count: number,
  start: number,
  arrival: (k: number) => Promise<R>,
  again: (from: number, k: number) => Promise<R>,
  merger: Merger<R>,
  merged: (k: number) => void = () => {},
): Promise<void> {
  let stop = start;
  for (let k = 0; k < count; k++) {
    let r: R | null = await arrival(k);
    if (k > 0 && r.firstRow !== stop) {
      // The split was not a row boundary. After the file's end (stop -1) the part holds no rows.
      r = stop < 0 ? null : await again(stop, k);
    }
    if (r?.error) throw new NeedsSequential(r.error.message);
    if (r !== null) {
      merger.add(r, k);
      stop = r.stop;
    }
    merged(k);
  }
}

export class DelimitedMerger implements Merger<PartResult> {
  profilers: ColumnProfiler[] = [];
  columns: string[] = [];
  notes: string[] = [];
  headerLine = 0;
  rows = 0;
  readonly offsets: number[] = [];

  constructor(private readonly plan: DelimitedPlan) {}

  add(r: PartResult, k: number): void {
    if (k === 0) {
      // Later parts were checked against the sample's width: it must be the header's.
      if (r.columns === null || r.columns.length !== this.plan.width) throw new NeedsSequential('the first row is not the one the sample showed');
      this.columns = r.columns;
      this.notes = r.notes;
      this.headerLine = r.headerLine;
      this.profilers = r.columns.map((c, i) => new ColumnProfiler(c, this.plan.shifts[i] ?? 0));
    }
    r.profiles.forEach((s, i) => this.profilers[i].merge(s));
    appendOffsets(this.offsets, this.rows, r);
    this.rows += r.rows;
  }
}

/** CSV/TSV in parts across the pool; the same analysis as `analyzeDelimited`, row index assembled in order. */
export async function analyzeDelimitedParallel(
  file: string,
  format: 'csv' | 'tsv',
  size: number,
  onBytes: (done: number) => void,
  opts: { signal?: AbortSignal; starts?: (plan: DelimitedPlan) => number[] } = {},
): Promise<TableAnalysis> {
  const { signal } = opts;
  const plan = await planDelimited(file, format);
  if (plan.width === 0) throw new NeedsSequential('no complete row in the sample');
  // `opts.starts` (tests) puts the splits anywhere, to exercise the checks on wrong guesses.
  const starts = opts.starts ? opts.starts(plan) : delimitedSplitPoints(plan, size, partCount(size, analysisThreads()));
  // No line end to split at (one huge row, say): nothing to share out.
  if (starts.length < 2) throw new NeedsSequential('one part');
  const ranges = starts.map((s, i) => ({ start: s, end: starts[i + 1] ?? null }));
  const merger = new DelimitedMerger(plan);
  await runParts<PartResult>(ranges, (rs, first, control) => ({ kind: 'parts', format, plan, ranges: rs, first, control }), merger, size, onBytes, signal);
  if (merger.rows === 0) throw new NeedsSequential('no data rows');
  return delimitedAnalysis(plan, merger.rows, merger.profilers, merger.columns, merger.offsets, merger.notes);
}

/**
 * JSON Lines parts merge into columns in first-seen order over the whole file: a key first seen in
 * part j is missing from every row of the parts before it (and the row counts say how many).
 */
export class JsonlMerger implements Merger<JsonlPartResult> {
  readonly profilers: ColumnProfiler[] = [];
  private readonly index = new Map<string, number>();
  rows = 0;
  readonly offsets: number[] = [];

  add(r: JsonlPartResult, _k: number): void {
    const seen = new Set<number>();
    r.keys.forEach((key, i) => {
      let k = this.index.get(key);
      if (k === undefined) {
        if (this.profilers.length >= MAX_COLUMNS) throw new NeedsSequential('too many keys');
        k = this.profilers.length;
        this.index.set(key, k);
        const p = new ColumnProfiler(key);
        p.addMissingTimes(this.rows);
        this.profilers.push(p);
      }
      this.profilers[k].merge(r.profiles[i]);
      seen.add(k);
    });
    this.profilers.forEach((p, k) => {
      if (!seen.has(k)) p.addMissingTimes(r.rows);
    });
    appendOffsets(this.offsets, this.rows, r);
    this.rows += r.rows;
  }
}

export async function analyzeJsonlParallel(
  file: string,
  size: number,
  onBytes: (done: number) => void,
  opts: { signal?: AbortSignal; starts?: number[] } = {},
): Promise<TableAnalysis> {
  const { signal } = opts;
  const starts = opts.starts ?? lineSplitPoints(file, size, partCount(size, analysisThreads()));
  if (starts.length < 2) throw new NeedsSequential('one part');
  const ranges = starts.map((s, i) => ({ start: s, end: starts[i + 1] ?? null }));
  const merger = new JsonlMerger();
  await runParts<JsonlPartResult>(ranges, (rs, first, control) => ({ kind: 'parts', format: 'jsonl', file, ranges: rs, first, control }), merger, size, onBytes, signal);
  if (merger.rows === 0) throw new NeedsSequential('no rows');
  return jsonlAnalysis(file, merger.rows, merger.profilers, merger.offsets);
}

/** Parquet parts are runs of whole row groups; profiles merge by column position. */
class ParquetMerger implements Merger<ParquetPartResult> {
  readonly profilers: ColumnProfiler[];
  rows = 0;

  constructor(columns: string[]) {
    this.profilers = columns.map((c) => new ColumnProfiler(c));
  }

  add(r: ParquetPartResult): void {
    r.profiles.forEach((s, i) => this.profilers[i].merge(s));
    this.rows += r.rows;
  }
}

/**
 * Parquet with at least two row groups, the groups shared out in contiguous runs; a file the
 * parallel pass should not judge (unreadable, no rows, too wide, one group) goes to the one pass.
 */
export async function analyzeParquetParallel(file: string, size: number, onBytes: (done: number) => void, opts: { signal?: AbortSignal } = {}): Promise<TableAnalysis> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  } catch {
    throw new NeedsSequential('unreadable metadata');
  }
  const columns = parquetColumns(metadata);
  const groups = metadata.row_groups.length;
  const rowCount = Number(metadata.num_rows);
  if (groups < 2 || rowCount === 0 || columns.length > MAX_COLUMNS) throw new NeedsSequential('not worth splitting');
  const parts = Math.min(groups, 4 * analysisThreads());
  const ranges = Array.from({ length: parts }, (_, i) => ({ start: Math.floor((groups * i) / parts), end: i + 1 < parts ? Math.floor((groups * (i + 1)) / parts) : null }));
  const merger = new ParquetMerger(columns);
  await runParts<ParquetPartResult>(ranges, (rs, first, control) => ({ kind: 'parts', format: 'parquet', file, width: columns.length, ranges: rs, first, control }), merger, size, onBytes, opts.signal);
  if (merger.rows !== rowCount) throw new NeedsSequential('row count differs from the metadata');
  return parquetAnalysis(file, rowCount, merger.profilers, columns);
}

export function isParallelFormat(format: string): format is 'csv' | 'tsv' | 'jsonl' | 'parquet' {
  return format === 'csv' || format === 'tsv' || format === 'jsonl' || format === 'parquet';
}

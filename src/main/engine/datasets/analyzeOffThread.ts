import { LatheError } from '../../../shared/errors';
import { runWorker, WorkerStartError } from '../workers/runWorker';
import type { WarmWorkers } from '../workers/warmWorkers';
import { analysisThreads, analyzeDelimitedParallel, analyzeJsonlParallel, analyzeParquetParallel, isParallelFormat, NeedsSequential, PARALLEL_MIN_BYTES } from './parallelAnalysis';
import { analyzeWithHandoff, HANDOFF_MIN_BYTES, type HandoffFormat } from './handoff';
import { analyzeTable, tableResult, type TableJob, type TableResult } from './tableAnalysis';

let inlineBecause: string | null = null;

/** Below this size a worker's start-up costs more than running beside the chunking saves. */
export const WORKER_MIN_BYTES = 4 * 1024 * 1024;

/**
 * `analyzeTable` in the `analyze` worker thread, so the import's store staging (chunking, hashing)
 * runs on the main thread meanwhile. If the worker cannot start (a bundle without its worker file,
 * a missing loader), the analysis runs inline and the reason is logged once. Files smaller than
 * WORKER_MIN_BYTES are analysed inline too. `LATHE_ANALYZE_WORKER=always|never` overrides both.
 */
export async function analyzeTableOffThread(job: TableJob, size: number, onBytes: (done: number) => void, opts: { signal?: AbortSignal; coreFree?: Promise<unknown>; threads?: WarmWorkers } = {}): Promise<TableResult> {
  const { signal, coreFree, threads } = opts;
  const mode = process.env.LATHE_ANALYZE_WORKER;
  if (mode === 'never' || (mode !== 'always' && size < WORKER_MIN_BYTES)) return analyzeInline(job, onBytes, signal);
  const parallel = wantsParallel(job, size);
  const handoff = !parallel && coreFree !== undefined && wantsHandoff(job, size);
  if (parallel || handoff) {
    try {
      const { file, format } = job;
      if (handoff) return tableResult((await analyzeWithHandoff(file, format as HandoffFormat, size, onBytes, coreFree, { signal, threads })).table);
      if (format === 'parquet') return tableResult(await analyzeParquetParallel(file, size, onBytes, { signal }));
      if (format === 'jsonl') return tableResult(await analyzeJsonlParallel(file, size, onBytes, { signal }));
      return tableResult(await analyzeDelimitedParallel(file, format as 'csv' | 'tsv', size, onBytes, { signal }));
    } catch (e) {
      // A bad file (or one the parallel pass cannot plan) is read again in one pass, so its error
      // is exactly the one-pass error; a pool that cannot start falls back the same way.
      if (!(e instanceof NeedsSequential) && !(e instanceof WorkerStartError)) throw e;
    }
  }
  try {
    return await runWorker('analyze', job, { onProgress: onBytes, signal });
  } catch (e) {
    if (!(e instanceof WorkerStartError)) throw e;
    if (inlineBecause === null) {
      inlineBecause = e.message;
      console.warn(`lathe: analysing imports on the main thread (${e.message})`);
    }
    return analyzeInline(job, onBytes, signal);
  }
}

/**
 * CSV, TSV, JSON Lines and Parquet (two row groups or more) of at least PARALLEL_MIN_BYTES go to the
 * pool when there are more than two cores (or LATHE_ANALYZE_THREADS asks for more than one thread);
 * `LATHE_ANALYZE_PARALLEL=always|never` overrides (always: any size, tests). The main thread stages
 * the file (chunks, hashes, writes) meanwhile, so on two cores a pool of two oversubscribes them, and
 * its second thread's start, compilation and per-part work cost more than it saves: measured on the
 * bench's 132 MB CSV on 2 cores (load 1.5-2.2), one worker took 1.4-1.7 s (2.0-2.3 s CPU), a pool of
 * two 1.5-2.1 s (2.9-4.1 s CPU).
 */
function wantsParallel(job: TableJob, size: number): boolean {
  const mode = process.env.LATHE_ANALYZE_PARALLEL;
  if (mode === 'never' || !isParallelFormat(job.format)) return false;
  if (mode === 'always') return true;
  const asked = Number(process.env.LATHE_ANALYZE_THREADS);
  const poolPays = Number.isInteger(asked) && asked > 0 ? asked > 1 : analysisThreads() > 2;
  return size >= PARALLEL_MIN_BYTES && poolPays;
}

/**
 * The two-core handoff (handoff.ts) for CSV, TSV and JSON Lines large enough for it, when the caller
 * says when its own work frees a core and the pool is not used; `LATHE_ANALYZE_HANDOFF=always|never`
 * overrides (always: any size and core count, tests).
 */
function wantsHandoff(job: TableJob, size: number): boolean {
  const mode = process.env.LATHE_ANALYZE_HANDOFF;
  if (mode === 'never' || job.format === 'parquet') return false;
  if (mode === 'always') return true;
  return size >= HANDOFF_MIN_BYTES && analysisThreads() >= 2;
}

async function analyzeInline(job: TableJob, onBytes: (done: number) => void, signal?: AbortSignal): Promise<TableResult> {
  return analyzeTable(job, (done) => {
    if (signal?.aborted) throw signal.reason instanceof LatheError ? signal.reason : new LatheError('INTERNAL', 'The analysis was cancelled');
    onBytes(done);
  });
}

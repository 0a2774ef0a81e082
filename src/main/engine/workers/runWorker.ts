import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { LatheError } from '../../../shared/errors';
import type { CommandEntry, WorkerCommand, WorkerEntryName, WorkerInput, WorkerMessage, WorkerOutput, WorkerProgress } from './protocol';

export type { WorkerEntryName } from './protocol';

/** The worker could not be started at all (file missing, loader missing, a module failing to load). */
export class WorkerStartError extends LatheError {
  constructor(message: string, cause?: unknown) {
    super('INTERNAL', message, { cause, hint: 'Reinstall or rebuild Lathe (npm run build:main) if this persists.' });
  }
}

export interface RunWorkerOptions<TProgress> {
  onProgress?: (data: TProgress) => void;
  /** Aborting terminates the worker; the promise rejects with the signal's reason (or INTERNAL "cancelled"). */
  signal?: AbortSignal;
  /** Called with the thread once it exists (a pool keeps it to report or to stop it as a crash would). */
  onWorker?: (worker: Worker) => void;
  /** Heap limits of this worker; default `workerResourceLimits()`. */
  resourceLimits?: ResourceLimits;
}

/**
 * Every worker gets a heap ceiling, so a runaway job (a huge input, a leak) ends that worker with an
 * "out of memory" error instead of growing until the system's OOM killer takes the whole process (and
 * its open database) down. An eighth of the machine's memory, 512 MiB to 4 GiB: a pool of workers plus
 * the main thread then stays well inside physical memory. `LATHE_WORKER_HEAP_MB` overrides it.
 * TF.js tensors on the wasm backend live in WebAssembly memory, which this does not count.
 */
export function workerResourceLimits(): ResourceLimits {
  const fromEnv = Number(process.env.LATHE_WORKER_HEAP_MB);
  const mb = Number.isFinite(fromEnv) && fromEnv >= 64 ? Math.floor(fromEnv) : Math.min(4096, Math.max(512, Math.floor(os.totalmem() / 8 / 2 ** 20)));
  return { maxOldGenerationSizeMb: mb };
}

export interface WorkerLocation {
  file: string;
  /** A TypeScript source: the worker first registers tsx's require hook, then requires `file`. */
  viaTsx?: boolean;
}

/** This module's own file: a .ts source (vitest, tsx) or the .cjs bundle it was bundled into (dist/main). */
function thisFile(): string {
  return typeof __filename !== 'undefined' ? __filename : fileURLToPath(import.meta.url);
}

/**
 * Where a worker entry lives. From a bundle (dist/main/*.cjs): `dist/main/workers/<name>.cjs`, emitted
 * by scripts/build-main.mjs. From the sources: `<name>.worker.ts` beside this file, run through tsx.
 */
export function resolveWorkerEntry(entry: WorkerEntryName): WorkerLocation {
  const self = thisFile();
  if (/\.c?js$/.test(self)) return { file: path.join(path.dirname(self), 'workers', `${entry}.cjs`) };
  return { file: path.join(path.dirname(self), `${entry}.worker.ts`), viaTsx: true };
}

/** Native and optional modules a dev bundle leaves to node_modules (as scripts/build-main.mjs does). */
const DEV_EXTERNALS = ['electron', 'better-sqlite3', 'sharp', '@img/*', '@tensorflow/*', 'onnxruntime-node', 'bufferutil', 'utf-8-validate', 'fsevents'];
const devBundles = new Map<string, Promise<string | null>>();

/**
 * From the sources, a .ts entry is bundled once per process with esbuild (a devDependency) into
 * node_modules/.cache/lathe-workers/, so the worker runs the same scope-hoisted code as dist/ does.
 * (Running it through tsx's CommonJS hook works too, but every cross-module binding becomes a
 * getter and the import pass runs ~2.5x slower; `--import tsx` in execArgv does not work at all:
 * Node 20 does not apply ESM loader hooks inside worker threads.) Null when esbuild is missing.
 */
function devBundle(file: string): Promise<string | null> {
  let p = devBundles.get(file);
  if (!p) {
    p = (async () => {
      let esbuild: typeof import('esbuild');
      try {
        const load = createRequire(thisFile());
        esbuild = load('esbuild') as typeof import('esbuild');
      } catch {
        return null;
      }
      const root = path.resolve(path.dirname(thisFile()), '..', '..', '..', '..');
      const outdir = path.join(root, 'node_modules', '.cache', 'lathe-workers');
      const outfile = path.join(outdir, `${path.basename(file, '.ts').replace(/\.worker$/, '')}-${process.pid}-${devBundles.size}.cjs`);
      fs.mkdirSync(outdir, { recursive: true });
      sweepDevBundles(outdir);
      // import.meta.url in a CJS bundle (compute/heavyModules.ts' createRequire) mapped as scripts/build-main.mjs does.
      await esbuild.build({
        entryPoints: [file],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'silent',
        external: DEV_EXTERNALS,
        sourcemap: 'inline',
        banner: { js: 'var __lathe_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
        define: { 'import.meta.url': '__lathe_import_meta_url' },
      });
      process.once('exit', () => fs.rmSync(outfile, { force: true }));
      return outfile;
    })();
    devBundles.set(file, p);
  }
  return p;
}

/** Removes dev bundles left by processes that are gone (a killed test fork never runs its exit hook). */
function sweepDevBundles(dir: string): void {
  for (const f of fs.readdirSync(dir)) {
    const pid = Number(/-(\d+)-\d+\.cjs$/.exec(f)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join(dir, f), { force: true });
    }
  }
}

/**
 * A worker thread for `where`: a built .cjs directly; a .ts source as a dev bundle (above), else
 * through tsxBoot.cjs (tsx's CommonJS hook, which does work inside worker threads). None inherits
 * the process's execArgv: every variant is plain CommonJS that loads what it needs itself, and under
 * `tsx` (npm run bench, scripts) the inherited loader flags cost ~300 ms per worker start (measured).
 */
async function startWorker(where: WorkerLocation, workerData: unknown, resourceLimits: ResourceLimits): Promise<Worker> {
  // LATHE_WORKER_CPU_PROF=<dir>: every worker writes a V8 CPU profile there when it ends (for profiling; off by default).
  const prof = process.env.LATHE_WORKER_CPU_PROF;
  const base = { workerData, resourceLimits, execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [] };
  if (!where.viaTsx) return new Worker(where.file, base);
  const bundled = await devBundle(where.file).catch(() => null);
  if (bundled) return new Worker(bundled, base);
  const tsxApi = createRequire(thisFile()).resolve('tsx/cjs/api');
  return new Worker(path.join(path.dirname(thisFile()), 'tsxBoot.cjs'), { ...base, argv: [tsxApi, where.file] });
}

/**
 * Runs one job in a new worker thread: `input` goes in as workerData, progress messages come out to
 * `onProgress`, and the promise settles with the job's result. An error thrown in the worker arrives
 * as the same LatheError (code, message, where, hint); a worker that dies (non-zero exit, killed,
 * out of memory) rejects with INTERNAL; one that cannot start rejects with `WorkerStartError`.
 * Input, output and progress types are the entry's row in `WorkerJobs` (protocol.ts).
 */
export function runWorker<E extends WorkerEntryName, I extends WorkerInput<E>>(
  entry: E,
  input: I,
  opts: RunWorkerOptions<WorkerProgress<E, I>> = {},
): Promise<WorkerOutput<E, I>> {
  return runWorkerAt<I, WorkerOutput<E, I>, WorkerProgress<E, I>>(resolveWorkerEntry(entry), input, opts, entry);
}

/** A running worker that takes commands: see `openWorker`. */
export interface WorkerSession<E extends CommandEntry> {
  /** Posts a command to the worker (queued until the thread exists). */
  send(command: WorkerCommand<E>): void;
  /** `runWorker`'s promise: the job's result, or why it failed (a `stop()` rejects it as cancelled). */
  done: Promise<WorkerOutput<E>>;
  /** Terminates the worker. */
  stop(): void;
}

/**
 * `runWorker` for an entry that lives as long as its caller needs it and takes commands meanwhile
 * (the hashing thread): the same start, errors and limits, plus `send`. Replies come as progress.
 */
export function openWorker<E extends CommandEntry>(entry: E, input: WorkerInput<E>, opts: Omit<RunWorkerOptions<WorkerProgress<E>>, 'signal'> = {}): WorkerSession<E> {
  const stopper = new AbortController();
  let thread: Worker | null = null;
  const queued: WorkerCommand<E>[] = [];
  const done = runWorker<E, WorkerInput<E>>(entry, input, {
    ...opts,
    signal: stopper.signal,
    onWorker: (w) => {
      thread = w;
      for (const c of queued.splice(0)) w.postMessage(c);
      opts.onWorker?.(w);
    },
  });
  return {
    send: (command) => (thread ? thread.postMessage(command) : queued.push(command)),
    done,
    stop: () => stopper.abort(),
  };
}

/** `runWorker` for an explicit file (tests, and entries not in WORKER_ENTRIES). */
export function runWorkerAt<TIn, TOut, TProgress = unknown>(
  where: WorkerLocation,
  input: TIn,
  opts: RunWorkerOptions<TProgress> = {},
  label = path.basename(where.file),
): Promise<TOut> {
  const { onProgress, signal, onWorker } = opts;
  const limits = opts.resourceLimits ?? workerResourceLimits();
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return launchWorker(where, input, limits, label).then((worker) => {
    onWorker?.(worker);
    return watchWorker<TOut, TProgress>(worker, label, limits, onProgress, signal);
  });
}

/** Starts the thread at `where`; a missing file or a start that throws is a `WorkerStartError` (callers may fall back to inline). */
export async function launchWorker(where: WorkerLocation, workerData: unknown, limits: ResourceLimits, label: string): Promise<Worker> {
  if (!fs.existsSync(where.file)) throw new WorkerStartError(`The ${label} worker is missing (${where.file})`);
  try {
    return await startWorker(where, workerData, limits);
  } catch (e) {
    throw new WorkerStartError(`The ${label} worker could not start: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

function watchWorker<TOut, TProgress>(worker: Worker, label: string, limits: ResourceLimits, onProgress?: (data: TProgress) => void, signal?: AbortSignal): Promise<TOut> {
  return new Promise<TOut>((resolve, reject) => {
    if (signal?.aborted) {
      void worker.terminate();
      return reject(abortReason(signal));
    }
    let started = false;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      settle(() => reject(abortReason(signal as AbortSignal)));
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage<TOut, TProgress>) => {
      if (settled) return;
      if (m.type === 'ready') started = true;
      else if (m.type === 'progress') onProgress?.(m.data);
      else if (m.type === 'result') settle(() => resolve(m.value));
      else if (m.type === 'error') settle(() => reject(LatheError.fromData(m.error)));
    });
    worker.on('error', (e) => settle(() => reject(workerErrorFailure(e, label, limits, started))));
    worker.on('exit', (code) => settle(() => reject(workerExitFailure(code, label, started))));
  });
}

/** What a worker's 'error' event means for its job: out of memory, a failure mid-job, or a start that failed (`started`: it had posted ready). */
export function workerErrorFailure(e: unknown, label: string, limits: ResourceLimits, started: boolean): Error {
  if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') return outOfMemory(label, limits, e);
  const message = e instanceof Error ? e.message : String(e);
  return started ? new LatheError('INTERNAL', `The ${label} worker failed: ${message}`, { cause: e }) : new WorkerStartError(`The ${label} worker could not start: ${message}`, e);
}

/** What a worker's exit before it answered means for its job. */
export function workerExitFailure(code: number, label: string, started: boolean): Error {
  return started
    ? new LatheError('INTERNAL', `The ${label} worker stopped unexpectedly (exit code ${code}) before finishing its job`, {
        hint: 'It may have run out of memory or been killed; try again, and report it if it persists.',
      })
    : new WorkerStartError(`The ${label} worker exited (code ${code}) before it started`);
}

function outOfMemory(label: string, limits: ResourceLimits, cause: unknown): LatheError {
  return new LatheError('INTERNAL', `The ${label} worker ran out of memory (its heap limit is ${limits.maxOldGenerationSizeMb} MB) and was stopped; nothing else was affected`, {
    cause,
    hint: 'The job may be too large for one worker: try a smaller input, or raise the limit with LATHE_WORKER_HEAP_MB.',
  });
}

export function abortReason(signal: AbortSignal): LatheError {
  const r: unknown = signal.reason;
  return r instanceof LatheError ? r : new LatheError('INTERNAL', 'The worker was cancelled', { cause: r });
}

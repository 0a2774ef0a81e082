import type { ResourceLimits, Worker } from 'node:worker_threads';
import { LatheError } from '../../../shared/errors';
import type { WarmJobMessage, WarmWorkerData, WorkerEntryName, WorkerInput, WorkerMessage, WorkerOutput, WorkerProgress } from './protocol';
import { abortReason, launchWorker, resolveWorkerEntry, workerErrorFailure, workerExitFailure, workerResourceLimits, type RunWorkerOptions } from './runWorker';

/**
 * Worker threads kept warm between jobs. A fresh isolate per job pays for loading and JIT-compiling
 * TF.js again (about 1.2 s of CPU a sweep trial, on V8's compiler threads: free beside one trial,
 * contended beside two); a warm worker has it compiled already. A worker is handed only jobs of the
 * same entry and `key` (settings fixed at its start, such as wasm threads), resets itself after each
 * job (serveWorker's `reset`) and comes back only if that reset says it is clean. Any failure, a
 * cancel or a crash ends the thread, so the next job gets a fresh one; so does a worker that has run
 * `maxJobs` jobs. Idle workers do not keep the process alive (unref) and end after `idleMs`.
 */

export interface WarmWorkerOptions {
  /** Idle workers end after this long; default `LATHE_WORKER_IDLE_MS` or 60 s. */
  idleMs?: number;
  /** At most this many idle workers (the oldest ends first); default 2. A getter follows a pool that is resized. */
  maxIdle?: () => number;
  /** A worker is ended after this many jobs (a bound on any slow growth); default 25. */
  maxJobs?: number;
}

interface Idle {
  key: string;
  worker: Worker;
  timer: NodeJS.Timeout;
  onExit: () => void;
}

export interface WarmRunOptions<TProgress> extends RunWorkerOptions<TProgress> {
  /** Only a worker started with the same key runs this job (e.g. its wasm thread count). */
  key?: string;
}

function idleFromEnv(): number {
  const v = Number(process.env.LATHE_WORKER_IDLE_MS);
  return Number.isFinite(v) && v >= 0 ? v : 60_000;
}

export class WarmWorkers {
  private idle: Idle[] = [];
  private readonly jobsOf = new WeakMap<Worker, number>();
  private closed = false;
  private readonly idleMs: number;
  private readonly maxJobs: number;
  private readonly maxIdle: () => number;
  /** Threads started so far (tests and benches read it to see reuse). */
  started = 0;

  constructor(opts: WarmWorkerOptions = {}) {
    this.idleMs = opts.idleMs ?? idleFromEnv();
    this.maxJobs = opts.maxJobs ?? 25;
    this.maxIdle = opts.maxIdle ?? (() => 2);
  }

  /** Idle workers now. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** The idle threads (tests watch them exit). */
  idleThreads(): Worker[] {
    return this.idle.map((w) => w.worker);
  }

  /** `runWorker` on a warm worker of the same entry and key when one is idle, else on a new one that stays warm after. */
  async run<E extends WorkerEntryName, I extends WorkerInput<E>>(entry: E, input: I, opts: WarmRunOptions<WorkerProgress<E, I>> = {}): Promise<WorkerOutput<E, I>> {
    const { signal } = opts;
    if (signal?.aborted) throw abortReason(signal);
    const limits = opts.resourceLimits ?? workerResourceLimits();
    const key = `${entry}|${opts.key ?? ''}|${limits.maxOldGenerationSizeMb ?? ''}`;
    const worker = this.take(key) ?? (await this.start(entry, limits));
    if (signal?.aborted) {
      // Cancelled while its thread was starting: that thread may be half-loaded, so it goes too.
      void worker.terminate();
      throw abortReason(signal);
    }
    opts.onWorker?.(worker);
    return this.runOn<WorkerOutput<E, I>, WorkerProgress<E, I>>(worker, key, input, entry, limits, opts);
  }

  /** Ends every idle worker; workers still running a job end when it does. */
  close(): void {
    this.closed = true;
    for (const w of this.idle.splice(0)) this.drop(w);
  }

  private take(key: string): Worker | null {
    const i = this.idle.findIndex((w) => w.key === key);
    if (i < 0) return null;
    const [w] = this.idle.splice(i, 1);
    clearTimeout(w.timer);
    w.worker.off('exit', w.onExit);
    w.worker.off('error', w.onExit);
    w.worker.ref();
    return w.worker;
  }

  private drop(w: Idle): void {
    clearTimeout(w.timer);
    w.worker.off('exit', w.onExit);
    w.worker.off('error', w.onExit);
    void w.worker.terminate();
  }

  private async start(entry: WorkerEntryName, limits: ResourceLimits): Promise<Worker> {
    const data: WarmWorkerData = { warm: true };
    const w = await launchWorker(resolveWorkerEntry(entry), data, limits, entry);
    this.started++;
    this.jobsOf.set(w, 0);
    return w;
  }

  /** Parks a clean worker (or ends it when the pool is closed or it has done its share of jobs). */
  private park(worker: Worker, key: string): void {
    const jobs = (this.jobsOf.get(worker) ?? 0) + 1;
    this.jobsOf.set(worker, jobs);
    if (this.closed || jobs >= this.maxJobs) return void worker.terminate();
    const leave = () => {
      this.idle = this.idle.filter((w) => w !== entry);
      this.drop(entry);
    };
    // Idle too long, or died or threw while idle (nobody else listens then: an unheard 'error' would
    // crash the process): it leaves the pool.
    const entry: Idle = { key, worker, timer: setTimeout(leave, this.idleMs), onExit: leave };
    entry.timer.unref();
    worker.once('exit', entry.onExit);
    worker.once('error', entry.onExit);
    worker.unref();
    this.idle.push(entry);
    while (this.idle.length > Math.max(0, this.maxIdle())) this.drop(this.idle.shift() as Idle);
  }

  private runOn<TOut, TProgress>(worker: Worker, key: string, input: unknown, label: string, limits: ResourceLimits, opts: WarmRunOptions<TProgress>): Promise<TOut> {
    const { signal, onProgress } = opts;
    return new Promise<TOut>((resolve, reject) => {
      // A worker that is already running has posted `ready`: failures from here on are job failures.
      let started = (this.jobsOf.get(worker) ?? 0) > 0;
      let settled = false;
      const detach = () => {
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const settle = (fn: () => void, keep = false) => {
        if (settled) return;
        settled = true;
        detach();
        if (keep) this.park(worker, key);
        else {
          worker.on('error', () => {}); // whatever a thread being ended still throws has no job to fail
          void worker.terminate();
        }
        fn();
      };
      const onAbort = () => settle(() => reject(abortReason(signal as AbortSignal)));
      const onMessage = (m: WorkerMessage<TOut, TProgress>) => {
        if (m.type === 'ready') {
          started = true;
          const job: WarmJobMessage = { type: 'job', input };
          worker.postMessage(job);
        } else if (m.type === 'progress') onProgress?.(m.data);
        else if (m.type === 'result') settle(() => resolve(m.value), m.reusable === true);
        else if (m.type === 'error') settle(() => reject(LatheError.fromData(m.error)));
      };
      const onError = (e: Error) => settle(() => reject(workerErrorFailure(e, label, limits, started)));
      const onExit = (code: number) => settle(() => reject(workerExitFailure(code, label, started)));
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      if (started) worker.postMessage({ type: 'job', input } satisfies WarmJobMessage);
    });
  }
}

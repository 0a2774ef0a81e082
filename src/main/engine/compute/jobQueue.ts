import os from 'node:os';
import { LatheError, toLatheError } from '../../../shared/errors';
import type { JobInfo, JobKind, JobProgress } from '../../../shared/training';
import { newUuid } from '../ids';
import { WarmWorkers } from '../workers/warmWorkers';

/**
 * The compute queue: jobs wait by priority (then submission order) for one of a bounded number of
 * slots; each running job gets its slot index (the "worker" the UI shows) and an AbortSignal. A job's
 * body runs its worker thread through `warm` (workers/warmWorkers.ts): a thread whose job finished
 * and reset itself clean takes the next compatible job; one that failed, crashed, ran out of memory
 * or was cancelled is gone, and the next job gets a fresh one.
 */

export interface JobContext {
  id: string;
  slot: number;
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export interface JobRequest<T> {
  kind: JobKind;
  label: string;
  runId?: string | null;
  /** Higher first; default 0. Sweeps submit trials at a lower priority than interactive training. */
  priority?: number;
  run(ctx: JobContext): Promise<T>;
}

export interface SubmittedJob<T> {
  id: string;
  /** Settles with the body's result; rejects with its error, or with CONFLICT "cancelled" after cancel(). */
  done: Promise<T>;
}

interface Entry {
  info: JobInfo;
  seq: number;
  start: () => void;
  abort: AbortController;
}

export const defaultWorkerCount = (): number => {
  const env = Number(process.env.LATHE_WORKERS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
};

/** Finished jobs kept for the queue view. */
const KEEP_FINISHED = 50;

export class JobQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly busy = new Set<number>();
  private seq = 0;
  /** Worker threads kept warm between this queue's jobs: at most one idle per slot. */
  readonly warm = new WarmWorkers({ maxIdle: () => this.size });

  constructor(
    private size: number,
    private readonly onChange: (job: JobInfo) => void,
  ) {}

  get workers(): number {
    return this.size;
  }

  /** Changes the number of slots; running jobs keep theirs, waiting ones start if slots were added. */
  setWorkers(n: number): void {
    this.size = n;
    this.pump();
  }

  submit<T>(req: JobRequest<T>): SubmittedJob<T> {
    const id = newUuid();
    const abort = new AbortController();
    let start!: () => void;
    const done = new Promise<T>((resolve, reject) => {
      start = () => {
        const info = entry.info;
        const slot = this.freeSlot();
        this.busy.add(slot);
        info.state = 'running';
        info.worker = slot;
        info.startedAt = Date.now();
        this.onChange({ ...info });
        const ctx: JobContext = {
          id,
          slot,
          signal: abort.signal,
          progress: (p) => {
            info.progress = p;
            this.onChange({ ...info });
          },
        };
        Promise.resolve()
          .then(() => req.run(ctx))
          .then(
            (v) => this.finish(entry, slot, 'done', null, () => resolve(v)),
            (e: unknown) => {
              const err = toLatheError(e);
              const state = abort.signal.aborted ? 'cancelled' : 'failed';
              this.finish(entry, slot, state, state === 'failed' ? err : null, () => reject(err));
            },
          );
      };
    });
    const entry: Entry = {
      seq: this.seq++,
      start,
      abort,
      info: {
        id,
        runId: req.runId ?? null,
        kind: req.kind,
        label: req.label,
        priority: req.priority ?? 0,
        state: 'queued',
        worker: null,
        progress: null,
        createdAt: Date.now(),
        startedAt: null,
        endedAt: null,
        error: null,
      },
    };
    // A rejection nobody awaits (a cancelled job whose caller moved on) must not crash the process.
    done.catch(() => {});
    this.entries.set(id, entry);
    this.onChange({ ...entry.info });
    this.pump();
    return { id, done };
  }

  /** Cancels a queued job (it never starts) or aborts a running one (its body sees the signal). */
  cancel(id: string): JobInfo {
    const e = this.entries.get(id);
    if (!e) throw new LatheError('NOT_FOUND', `No job with id "${id}"`, { where: 'jobId' });
    if (e.info.state === 'queued') {
      e.abort.abort(cancelledError());
      e.info.state = 'cancelled';
      e.info.endedAt = Date.now();
      this.onChange({ ...e.info });
      this.trim();
    } else if (e.info.state === 'running') e.abort.abort(cancelledError());
    return { ...e.info };
  }

  get(id: string): JobInfo | undefined {
    const e = this.entries.get(id);
    return e && { ...e.info };
  }

  byRun(runId: string): JobInfo | undefined {
    for (const e of this.entries.values()) if (e.info.runId === runId && (e.info.state === 'queued' || e.info.state === 'running')) return { ...e.info };
    return undefined;
  }

  list(): JobInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info }));
  }

  /** Resolves when nothing is queued or running (engine close, tests). */
  idle(): Promise<void> {
    if (!this.active()) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  private waiters: (() => void)[] = [];

  private active(): boolean {
    for (const e of this.entries.values()) if (e.info.state === 'queued' || e.info.state === 'running') return true;
    return false;
  }

  /** Aborts everything (engine close): queued jobs never start, running ones are stopped. */
  cancelAll(): void {
    for (const e of this.entries.values()) if (e.info.state === 'queued' || e.info.state === 'running') this.cancel(e.info.id);
  }

  /** Engine close: everything aborted, idle warm workers ended (no thread outlives the engine). */
  close(): void {
    this.cancelAll();
    this.warm.close();
  }

  private freeSlot(): number {
    for (let i = 0; ; i++) if (!this.busy.has(i)) return i;
  }

  private finish(entry: Entry, slot: number, state: JobInfo['state'], error: LatheError | null, settle: () => void): void {
    this.busy.delete(slot);
    entry.info.state = state;
    entry.info.endedAt = Date.now();
    entry.info.error = error ? error.toJSON() : null;
    this.onChange({ ...entry.info });
    settle();
    this.trim();
    this.pump();
  }

  private pump(): void {
    while (this.busy.size < this.size) {
      let next: Entry | null = null;
      for (const e of this.entries.values()) {
        if (e.info.state !== 'queued') continue;
        if (!next || e.info.priority > next.info.priority || (e.info.priority === next.info.priority && e.seq < next.seq)) next = e;
      }
      if (!next) break;
      next.start();
    }
    if (!this.active()) {
      const w = this.waiters;
      this.waiters = [];
      w.forEach((r) => r());
    }
  }

  private trim(): void {
    const finished = [...this.entries.values()].filter((e) => e.info.state !== 'queued' && e.info.state !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.entries.delete(e.info.id);
  }
}

function cancelledError(): LatheError {
  return new LatheError('CONFLICT', 'The job was cancelled', { hint: 'Start it again when you want it.' });
}

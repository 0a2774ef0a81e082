import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { toLatheError } from '../../../shared/errors';
import type { CommandEntry, WarmJobMessage, WarmWorkerData, WorkerCommand, WorkerEntryName, WorkerInput, WorkerMessage, WorkerOutput, WorkerProgress } from './protocol';

export interface WorkerContext<TProgress, TCommand = never> {
  /** Sends a progress message to the parent (forwarded to `runWorker`'s `onProgress`). */
  progress(data: TProgress): void;
  /** Buffers to move (not copy) to the parent with the result, e.g. a large index. */
  transfer: ArrayBuffer[];
  /** Receives the parent's commands (`openWorker().send`), for entries that take them. */
  onCommand(handler: (command: TCommand) => void): void;
}

/** The context of a shipped entry: its progress and command types from `WorkerJobs` (protocol.ts). */
export type EntryContext<E extends WorkerEntryName> = WorkerContext<WorkerProgress<E>, E extends CommandEntry ? WorkerCommand<E> : never>;

/**
 * The worker side of `runWorker`: call once at the top level of a `<name>.worker.ts` entry. Input,
 * output and progress types are the entry's row in `WorkerJobs`.
 */
export function serveWorker<E extends WorkerEntryName>(job: (input: WorkerInput<E>, ctx: EntryContext<E>) => Promise<WorkerOutput<E>> | WorkerOutput<E>, opts: ServeOptions = {}): void {
  serveJob(job, opts);
}

export interface ServeOptions {
  /**
   * An entry that can run one job after another in the same thread (a warm worker, warmWorkers.ts)
   * gives this: it undoes everything a job left behind (tensors, variables, caches) and says whether
   * the thread is now as clean as a fresh one. Without it a warm worker is ended after its job.
   */
  reset?: () => boolean | Promise<boolean>;
}

const isWarm = (d: unknown): d is WarmWorkerData => typeof d === 'object' && d !== null && (d as WarmWorkerData).warm === true;

/**
 * `serveWorker` with explicit types (test fixtures started with `runWorkerAt`). Reads the input from
 * `workerData`, runs `job`, posts its result (or its error as LatheError data) and lets the thread end;
 * a warm worker instead takes its jobs as messages, one at a time, resetting between them.
 */
export function serveJob<TIn, TOut, TProgress = unknown, TCommand = never>(
  job: (input: TIn, ctx: WorkerContext<TProgress, TCommand>) => Promise<TOut> | TOut,
  opts: ServeOptions = {},
): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker() must run inside a worker thread started by runWorker()');
  const port = parentPort;
  const post = (m: WorkerMessage<TOut, TProgress>, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const warm = isWarm(workerData);
  post({ type: 'ready' });
  const runOne = (input: TIn) => {
    // A job's command handlers end with it: in a warm worker the next job's commands are its own.
    const handlers: ((command: TCommand) => void)[] = [];
    const ctx: WorkerContext<TProgress, TCommand> = {
      progress: (data) => post({ type: 'progress', data }),
      transfer: [],
      onCommand: (handler) => {
        handlers.push(handler);
        port.on('message', handler);
      },
    };
    const reusable = async () => {
      for (const h of handlers) port.off('message', h);
      return warm && opts.reset ? await opts.reset() : false;
    };
    return Promise.resolve()
      .then(() => job(input, ctx))
      .then(
        async (value) => post({ type: 'result', value, reusable: await reusable().catch(() => false) }, ctx.transfer),
        (e: unknown) => post({ type: 'error', error: toLatheError(e).toJSON(), stack: e instanceof Error ? e.stack : undefined }),
      );
  };
  if (!warm) return void runOne(workerData as TIn);
  port.on('message', (m: WarmJobMessage<TIn>) => {
    if (m?.type === 'job') void runOne(m.input);
  });
}

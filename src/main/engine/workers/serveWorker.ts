import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { toLatheError } from '../../../shared/errors';
import type { CommandEntry, WorkerCommand, WorkerEntryName, WorkerInput, WorkerMessage, WorkerOutput, WorkerProgress } from './protocol';

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
export function serveWorker<E extends WorkerEntryName>(job: (input: WorkerInput<E>, ctx: EntryContext<E>) => Promise<WorkerOutput<E>> | WorkerOutput<E>): void {
  serveJob(job);
}

/**
 * `serveWorker` with explicit types (test fixtures started with `runWorkerAt`). Reads the input from
 * `workerData`, runs `job`, posts its result (or its error as LatheError data) and lets the thread end.
 */
export function serveJob<TIn, TOut, TProgress = unknown, TCommand = never>(job: (input: TIn, ctx: WorkerContext<TProgress, TCommand>) => Promise<TOut> | TOut): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker() must run inside a worker thread started by runWorker()');
  const port = parentPort;
  const post = (m: WorkerMessage<TOut, TProgress>, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  post({ type: 'ready' });
  const ctx: WorkerContext<TProgress, TCommand> = {
    progress: (data) => post({ type: 'progress', data }),
    transfer: [],
    onCommand: (handler) => void port.on('message', handler),
  };
  Promise.resolve()
    .then(() => job(workerData as TIn, ctx))
    .then(
      (value) => post({ type: 'result', value }, ctx.transfer),
      (e: unknown) => post({ type: 'error', error: toLatheError(e).toJSON(), stack: e instanceof Error ? e.stack : undefined }),
    );
}

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { toLatheError } from '../../../shared/errors';
import type { WorkerMessage } from './protocol';

export interface WorkerContext<TProgress> {
  /** Sends a progress message to the parent (forwarded to `runWorker`'s `onProgress`). */
  progress(data: TProgress): void;
  /** Buffers to move (not copy) to the parent with the result, e.g. a large index. */
  transfer: ArrayBuffer[];
}

/**
 * The worker side of `runWorker`: call once at the top level of a `*.worker.ts` entry. Reads the
 * input from `workerData`, runs `job`, posts its result (or its error as LatheError data) and lets
 * the thread end.
 */
export function serveWorker<TIn, TOut, TProgress = unknown>(job: (input: TIn, ctx: WorkerContext<TProgress>) => Promise<TOut> | TOut): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker() must run inside a worker thread started by runWorker()');
  const port = parentPort;
  const post = (m: WorkerMessage<TOut, TProgress>, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  post({ type: 'ready' });
  const ctx: WorkerContext<TProgress> = { progress: (data) => post({ type: 'progress', data }), transfer: [] };
  Promise.resolve()
    .then(() => job(workerData as TIn, ctx))
    .then(
      (value) => post({ type: 'result', value }, ctx.transfer),
      (e: unknown) => post({ type: 'error', error: toLatheError(e).toJSON(), stack: e instanceof Error ? e.stack : undefined }),
    );
}

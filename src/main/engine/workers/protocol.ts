import type { LatheErrorData } from '../../../shared/errors';

/**
 * The messages a worker started by `runWorker` sends to its parent. `ready` comes first, once the
 * worker's modules have loaded (anything failing before it is a start failure, not a job failure);
 * then any number of `progress`, then exactly one `result` or `error`.
 */
export type WorkerMessage<TOut = unknown, TProgress = unknown> =
  | { type: 'ready' }
  | { type: 'progress'; data: TProgress }
  | { type: 'result'; value: TOut }
  | { type: 'error'; error: LatheErrorData; stack?: string };

/** The names of the worker entries Lathe ships: `src/main/engine/workers/<name>.worker.ts` -> `dist/main/workers/<name>.cjs`. */
export const WORKER_ENTRIES = ['analyze', 'train', 'evaluate'] as const;
export type WorkerEntryName = (typeof WORKER_ENTRIES)[number];

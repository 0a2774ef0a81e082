import type { LatheErrorData } from '../../../shared/errors';
import type { PartsJob, PartsProgress, StealJob } from '../datasets/partsJob';
import type { TableJob, TableResult } from '../datasets/tableAnalysis';
import type { EvaluationJob, ScoredEvaluation } from '../evaluation/job';
import type { HashCommand, HashJob, HashReply } from '../store/hashWorker';
import type { ParseCommand, ParseJob, ParseReply } from '../monitoring/parseWorker';
import type { TrainJobOutput, TrainMessage, TrainWorkerInput } from '../training/trainer';

/**
 * The messages a worker started by `runWorker` sends to its parent. `ready` comes first, once the
 * worker's modules have loaded (anything failing before it is a start failure, not a job failure);
 * then any number of `progress`, then exactly one `result` or `error`. A warm worker
 * (warmWorkers.ts) repeats progress..result for every `job` it is given; `reusable` on its result
 * says its reset left it as clean as a fresh one (false: the parent ends it).
 */
export type WorkerMessage<TOut = unknown, TProgress = unknown> =
  | { type: 'ready' }
  | { type: 'progress'; data: TProgress }
  | { type: 'result'; value: TOut; reusable?: boolean }
  | { type: 'error'; error: LatheErrorData; stack?: string };

/** workerData of a warm worker: its jobs come as `WarmJobMessage`s, one after the other, not as workerData. */
export interface WarmWorkerData {
  warm: true;
}
export interface WarmJobMessage<TIn = unknown> {
  type: 'job';
  input: TIn;
}

/** The names of the worker entries Lathe ships: `src/main/engine/workers/<name>.worker.ts` -> `dist/main/workers/<name>.cjs`. */
export const WORKER_ENTRIES = ['analyze', 'train', 'evaluate', 'hash', 'monitorParse'] as const;
export type WorkerEntryName = (typeof WORKER_ENTRIES)[number];

/**
 * What each entry takes, returns and reports, fixed here once for both sides (`runWorker` in the
 * parent, `serveWorker` in the entry). An entry doing more than one kind of job lists one row per
 * kind: the input picks the row. `command` is what the parent may send a running worker (`openWorker`).
 */
export interface WorkerJobs {
  analyze:
    | { input: TableJob; output: TableResult; progress: number }
    | { input: PartsJob; output: { parts: number }; progress: PartsProgress }
    | { input: StealJob; output: { parts: number }; progress: PartsProgress };
  train: { input: TrainWorkerInput; output: TrainJobOutput; progress: TrainMessage };
  evaluate: { input: EvaluationJob; output: ScoredEvaluation; progress: { done: number; total: number } };
  /** The hashing thread of store/hashWorker.ts: runs until stopped, answering commands as progress. */
  hash: { input: HashJob; output: null; progress: HashReply; command: HashCommand };
  /** Prediction log lines parsed for an ingest (monitoring/parseWorker.ts): batches as progress, one per `more`. */
  monitorParse: { input: ParseJob; output: null; progress: ParseReply; command: ParseCommand };
}

/**
 * The row of `WorkerJobs[E]` for input `I`: every row for the entry's whole input type, else the row
 * whose input is exactly `I`, else the rows `I` is assignable to (a PartsJob for a JSONL file is
 * also a TableJob by shape, so exact matches come first).
 */
export type WorkerJob<E extends WorkerEntryName, I = WorkerJobs[E]['input']> = [WorkerJobs[E]['input']] extends [I]
  ? WorkerJobs[E]
  : [RowsFor<WorkerJobs[E], I, true>] extends [never]
    ? RowsFor<WorkerJobs[E], I, false>
    : RowsFor<WorkerJobs[E], I, true>;
type RowsFor<Rows, I, Exact extends boolean> = Rows extends { input: infer In } ? ([I] extends [In] ? (Exact extends false ? Rows : [In] extends [I] ? Rows : never) : never) : never;
export type WorkerInput<E extends WorkerEntryName> = WorkerJobs[E]['input'];
export type WorkerOutput<E extends WorkerEntryName, I = WorkerInput<E>> = WorkerJob<E, I>['output'];
export type WorkerProgress<E extends WorkerEntryName, I = WorkerInput<E>> = WorkerJob<E, I>['progress'];
/** Entries that take commands while they run, and the command type of one. */
export type CommandEntry = { [E in WorkerEntryName]: WorkerJobs[E] extends { command: unknown } ? E : never }[WorkerEntryName];
export type WorkerCommand<E extends CommandEntry> = WorkerJobs[E] extends { command: infer C } ? C : never;

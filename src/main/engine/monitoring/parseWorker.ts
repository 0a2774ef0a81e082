import { FUTURE_TOLERANCE_MS, type LineProblem } from '../../../shared/monitoring';
import type { Worker } from 'node:worker_threads';
import type { WarmWorkers } from '../workers/warmWorkers';
import { fileLineBlocks } from './lines';
import { sketchBatch, type PartialWindow } from './batchSketch';
import { BatchEncoder, type ParsedBatch } from './parsedBatch';
import type { ReferenceProfile } from './profile';
import { acceptPrediction } from './records';

export type { PartialWindow } from './batchSketch';

/**
 * Log files parsed on a second thread while the ingest's thread indexes and sketches (the
 * `monitorParse` worker entry): the worker reads the files, parses and checks every line exactly as
 * the inline path does (`parseLine`), and sends
 * accepted records as columns (parsedBatch.ts) with the problems of their lines and the windows
 * sketched from them (batchSketch.ts), a batch at a time. The worker may send `credits` batches, then
 * one for each `more`, so it is at most IN_FLIGHT ahead and a log of many GB is never read faster than
 * it is applied.
 */
export interface ParseJob {
  files: string[];
  model: string;
  version: number | null;
  /** Sketching on the worker: the window length and the stored profiles by version (rows of other versions are left to the ingest). */
  windowMs?: number;
  profiles?: Record<number, ReferenceProfile>;
  /** Batches the worker sends before it waits for a `more`. */
  credits: number;
}

export type ParseCommand = { t: 'more' };

export interface ParsedLines {
  t: 'batch';
  batch: ParsedBatch;
  /** Lines judged (blank lines are not counted), refused as future, and problems in line order. */
  lines: number;
  future: number;
  problems: LineProblem[];
  /** Problems past the batch's cap (counted only). */
  problemsMore: number;
  done: number;
  total: number;
  /** 1 where the row is in one of `windows` (its version had a profile here). */
  sketched: Uint8Array;
  windows: PartialWindow[];
}

export type ParseReply = ParsedLines | { t: 'end' };

/** Lines a batch holds at most (a few MB of columns). */
export const PARSE_BATCH = 5000;
/** Batches asked for ahead: more than the ingest's transaction holds (20k rows), so the worker keeps parsing while a batch commits. */
const IN_FLIGHT = 6;
const MAX_PROBLEMS = 100;

export interface ParseOut {
  enc: BatchEncoder;
  lines: number;
  future: number;
  problems: LineProblem[];
  problemsMore: number;
}

/** One line judged (`text`, read as bytes [from, to) of `bytes`): an accepted record into the encoder, else its problem. */
export function parseLine(out: ParseOut, job: ParseJob, file: string, line: number, text: string, futureAfter: number, bytes: Uint8Array, from: number, to: number): void {
  if (text.length === 0 || (text.charCodeAt(0) !== 123 && text.trim() === '')) return;
  out.lines++;
  let v: unknown;
  let message: string;
  try {
    v = JSON.parse(text);
  } catch (e) {
    message = `not JSON: ${(e as Error).message}`;
    if (out.problems.length < MAX_PROBLEMS) out.problems.push({ where: `${file}:${line}`, message });
    else out.problemsMore++;
    return;
  }
  const a = acceptPrediction(v, job.model, job.version, futureAfter);
  if (a.ok) {
    out.enc.add(file, line, a.record, a.time, bytes, from, to);
    return;
  }
  if (a.future) out.future++;
  if (out.problems.length < MAX_PROBLEMS) out.problems.push({ where: `${file}:${line}`, message: a.message });
  else out.problemsMore++;
}

/** The worker's loop: batches of parsed lines, each sent when the ingest has asked for one. */
export async function serveParse(job: ParseJob, send: (r: ParseReply) => void, credit: () => Promise<void>): Promise<void> {
  let done = 0;
  let total = 0;
  const fresh = (): ParseOut => ({ enc: new BatchEncoder(PARSE_BATCH), lines: 0, future: 0, problems: [], problemsMore: 0 });
  let out = fresh();
  let futureAfter = Date.now() + FUTURE_TOLERANCE_MS;
  const ship = async () => {
    const batch = out.enc.take();
    const sketches = sketchBatch(batch, job.profiles, job.windowMs);
    await credit();
    send({ t: 'batch', batch, lines: out.lines, future: out.future, problems: out.problems, problemsMore: out.problemsMore, done, total, ...sketches });
    out = fresh();
    futureAfter = Date.now() + FUTURE_TOLERANCE_MS;
  };
  for await (const b of fileLineBlocks(job.files, (d, t) => ((done = d), (total = t)))) {
    for (let k = 0; k < b.lines.length; k++) {
      parseLine(out, job, b.file, b.firstLine + k, b.lines[k], futureAfter, b.bytes, b.from[k], b.to[k]);
      if (out.lines >= PARSE_BATCH) await ship();
    }
  }
  await ship();
  send({ t: 'end' });
}

/**
 * The ingest's side: batches from a worker of `threads` (kept warm between ingests: a fresh isolate
 * compiled the parse and sketch code again each log, ~13% of an ingest's CPU on V8's threads), in
 * file order, asking for the next ones as it goes. Throws WorkerStartError when no thread can start
 * (the caller then parses inline); stopping the generator early (return, or `signal`) ends the
 * thread, a log read to its end gives it back to `threads`.
 */
export async function* parsedInWorker(job: Omit<ParseJob, 'credits'>, signal: AbortSignal, threads: WarmWorkers): AsyncGenerator<ParsedLines> {
  const queue: ParseReply[] = [];
  let wake: (() => void) | null = null;
  let failure: unknown = null;
  let ended = false;
  let finished = false;
  let thread: Worker | null = null;
  const stopper = new AbortController();
  const done = threads.run(
    'monitorParse',
    { ...job, credits: IN_FLIGHT },
    {
      signal: stopper.signal,
      onWorker: (w) => (thread = w),
      onProgress: (m) => {
        queue.push(m);
        wake?.();
      },
    },
  );
  done.then(
    () => {
      ended = true;
      wake?.();
    },
    (e: unknown) => {
      failure = e;
      wake?.();
    },
  );
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      while (queue.length === 0 && failure === null && !ended && !signal.aborted) await new Promise<void>((r) => (wake = r));
      wake = null;
      if (signal.aborted) return;
      const m = queue.shift();
      if (!m) {
        if (failure !== null) throw failure;
        return;
      }
      if (m.t === 'end') {
        finished = true;
        return;
      }
      // Progress comes only from a running job, so the thread is known by now.
      thread!.postMessage({ t: 'more' } satisfies ParseCommand);
      yield m;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Read to its end, the job returns and its thread goes back to the pool; otherwise it is ended.
    if (finished) await done.catch(() => undefined);
    else stopper.abort();
    done.catch(() => undefined);
  }
}

import { runWorker } from '../workers/runWorker';
import { delimitedAnalysis, planDelimited, type DelimitedPlan } from './formats/delimited';
import type { PartResult } from './formats/delimitedPart';
import { jsonlAnalysis } from './formats/jsonl';
import type { JsonlPartResult } from './formats/jsonlPart';
import type { TableAnalysis } from './formats/table';
import { DelimitedMerger, JsonlMerger, NeedsSequential } from './parallelAnalysis';
import { HANDOFF_SLOTS, NOT_NEEDED, NOT_SET, type AnyPartResult, type HandoffJob, type HandoffResult } from './partsJob';
import { delimitedSplitAt, lineSplitAt } from './splitPoints';

/**
 * The import pass on two cores. The main thread stages the file (chunks, hashes, writes) on one core
 * while the analysis runs on the other; staging ends well before the analysis (measured on the
 * bench's 132 MB CSV: ~0.55 s against ~1.3 s), after which one core idles. A pool of two from the
 * start oversubscribes the cores and pays per part (see analyzeOffThread.ts), so instead:
 * - the `head` worker analyses the file from its start, in one part whose end is not set yet;
 * - the `tail` worker is started beside it (its thread and code load while staging runs) and waits;
 * - when staging ends (`coreFree`), what the head has not read yet is cut in two at a row boundary:
 *   the head's end is set there and the tail starts there. Two parts, merged as the pool's are.
 * The cut is only a guess at a row boundary, confirmed like the pool's: the tail counts only if the
 * head stopped exactly at the tail's first row, else the rest is parsed again from where the head
 * really stopped. When staging ends with little left to read, the tail is told it is not needed.
 */

/** Less than this left to read when the core frees up: the tail's start would cost more than it saves. */
export const HANDOFF_MIN_LEFT = 16 * 1024 * 1024;
/**
 * The tail's share of what is left: a little under half, as the tail starts cold (its code not yet
 * optimised) while the head is warm.
 */
const TAIL_SHARE = 0.4;
/** The cut is at least this far past where the head has read, so the head cannot have passed it (two of its reads). */
const CUT_MARGIN = 8 * 1024 * 1024;

export type HandoffFormat = 'csv' | 'tsv' | 'jsonl';

/** The analysis, and where the tail's rows began (null: the head read the whole file). */
export interface HandoffOutcome {
  table: TableAnalysis;
  tailFrom: number | null;
}

export async function analyzeWithHandoff(
  file: string,
  format: HandoffFormat,
  size: number,
  onBytes: (done: number) => void,
  coreFree: Promise<unknown>,
  opts: { signal?: AbortSignal; cutAt?: (plan: DelimitedPlan | null) => number | null } = {},
): Promise<HandoffOutcome> {
  const { signal, cutAt } = opts;
  const plan = format === 'jsonl' ? null : await planDelimited(file, format);
  if (plan && plan.width === 0) throw new NeedsSequential('no complete row in the sample');
  const shared = new SharedArrayBuffer(HANDOFF_SLOTS.length * 8);
  const slots = new BigInt64Array(shared);
  slots.fill(NOT_SET);
  slots[HANDOFF_SLOTS.headAt] = 0n;
  // `cutAt` (tests) puts the cut anywhere; the head then waits for it before its first read.
  const waitForCut = cutAt !== undefined;
  const jobOf = (role: 'head' | 'tail'): HandoffJob =>
    plan ? { kind: 'handoff', role, format: plan.format, plan, shared, waitForCut } : { kind: 'handoff', role, format: 'jsonl', file, shared, waitForCut };

  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let bytes = 0;
  const onProgress = (n: number) => onBytes(Math.min(size, (bytes += n)));
  const run = (role: 'head' | 'tail') => runWorker('analyze', jobOf(role), { onProgress, signal: stop.signal });
  const head = run('head');
  const tail = run('tail');
  const release = (start: bigint) => {
    if (Atomics.compareExchange(slots, HANDOFF_SLOTS.tailStart, NOT_SET, start) !== NOT_SET) return;
    Atomics.notify(slots, HANDOFF_SLOTS.tailStart);
  };
  // Both watched from the start: a worker that fails while the head runs ends the wait at once.
  const both = Promise.all([head, tail]);
  try {
    const first = await Promise.race([head.then(() => 'head'), both.then(() => 'head'), coreFree.then(() => 'free', () => 'free')]);
    const headAt = Number(Atomics.load(slots, HANDOFF_SLOTS.headAt));
    const cut = cutAt ? cutAt(plan) : first === 'free' ? cutFor(file, plan, size, headAt) : null;
    if (cut !== null) {
      // The head's end first: once the tail runs, the head must already stop there.
      Atomics.store(slots, HANDOFF_SLOTS.headEnd, BigInt(cut));
      release(BigInt(cut));
    } else release(NOT_NEEDED);
    const [h, t] = await both;
    return await merged(file, plan, h, t, onProgress, stop.signal);
  } catch (e) {
    release(NOT_NEEDED);
    stop.abort(e);
    await Promise.allSettled([head, tail]);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Where to cut what the head has not read yet (it has read up to `headAt`), or null when too little is left. */
function cutFor(file: string, plan: DelimitedPlan | null, size: number, headAt: number): number | null {
  const left = size - headAt;
  if (left < HANDOFF_MIN_LEFT) return null;
  const nominal = headAt + Math.max(CUT_MARGIN, Math.floor(left * (1 - TAIL_SHARE)));
  return plan ? delimitedSplitAt(plan, size, nominal) : lineSplitAt(file, size, nominal);
}

/** The head and the tail merged in file order, the tail confirmed (or parsed again from where the head really stopped). */
async function merged(
  file: string,
  plan: DelimitedPlan | null,
  head: HandoffResult,
  tail: HandoffResult,
  onProgress: (n: number) => void,
  signal: AbortSignal,
): Promise<HandoffOutcome> {
  const parts: AnyPartResult[] = [];
  const h = head.part as AnyPartResult;
  parts.push(h);
  let t = tail.part;
  if (t !== null && h.stop >= 0 && t.firstRow !== h.stop) {
    const shared = startsAt(h.stop);
    const again: HandoffJob = plan ? { kind: 'handoff', role: 'tail', format: plan.format, plan, shared } : { kind: 'handoff', role: 'tail', format: 'jsonl', file, shared };
    t = (await runWorker('analyze', again, { onProgress, signal })).part;
  }
  // A head that ran to the file's end (stop -1) leaves nothing for the tail.
  if (t !== null && h.stop >= 0) parts.push(t);
  for (const p of parts) if (p.error) throw new NeedsSequential(p.error.message);
  const tailFrom = parts.length > 1 ? h.stop : null;
  if (plan) {
    const merger = new DelimitedMerger(plan);
    parts.forEach((p, k) => merger.add(p as PartResult, k));
    if (merger.rows === 0) throw new NeedsSequential('no data rows');
    return { table: delimitedAnalysis(plan, merger.rows, merger.profilers, merger.columns, merger.offsets, merger.notes), tailFrom };
  }
  const merger = new JsonlMerger();
  parts.forEach((p, k) => merger.add(p as JsonlPartResult, k));
  if (merger.rows === 0) throw new NeedsSequential('no rows');
  return { table: jsonlAnalysis(file, merger.rows, merger.profilers, merger.offsets), tailFrom };
}

/** Shared slots for a tail that starts at `start` at once (a part parsed again). */
function startsAt(start: number): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(HANDOFF_SLOTS.length * 8);
  const slots = new BigInt64Array(shared);
  slots.fill(NOT_SET);
  slots[HANDOFF_SLOTS.tailStart] = BigInt(start);
  return shared;
}

import { runWorker } from '../workers/runWorker';
import type { WarmWorkers } from '../workers/warmWorkers';
import { delimitedAnalysis, planDelimited, type DelimitedPlan } from './formats/delimited';
import { jsonlAnalysis } from './formats/jsonl';
import type { TableAnalysis } from './formats/table';
import { DelimitedMerger, JsonlMerger, mergeConfirmed, NeedsSequential, partAgain, type Merger } from './parallelAnalysis';
import { IDLE, OPEN, QUIT, STEAL, STEAL_SLOTS, type AnyPartResult, type PartsJob, type PartsProgress, type StealJob } from './partsJob';
import { delimitedSplitAt, lineSplitAt } from './splitPoints';

/**
 * The import pass on two cores. The main thread stages the file (chunks, hashes, writes) on one core
 * while the analysis runs on the other; staging ends well before the analysis (measured on the
 * bench's 132 MB CSV: ~0.55 s against ~1.3 s), after which one core idles. A pool of two from the
 * start oversubscribes the cores and pays per part (see analyzeOffThread.ts), so instead:
 * - worker 0 analyses the file from its start, in one part whose end is open;
 * - worker 1 is started beside it (its thread and code load while staging runs) and waits;
 * - when staging ends (`coreFree`), what worker 0 has not read yet is cut at a row boundary: its
 *   part's end moves there and worker 1 takes the rest;
 * - whenever a worker finishes a part while the other still has much to read, the other's part is
 *   cut again and the idle worker takes its second half (work stealing: the two finish together
 *   whatever their speeds; measured, the second worker's first part ran ~25% slower, and the
 *   machine's own work shifts either one).
 * Parts are merged in file order as the pool's are: each cut is only a guess at a row boundary,
 * confirmed when the part before stopped exactly at the next part's first row, else that part is
 * parsed again from where the part before really stopped.
 */

/** Files from this size take the handoff (below it, staging is over too soon for a second worker to pay). */
export const HANDOFF_MIN_BYTES = 16 * 1024 * 1024;
/** A part is cut only with at least this much left to read (each side then has more work than a new part costs). */
const MIN_LEFT = 8 * 1024 * 1024;
/**
 * A cut is at least this far past where its part has been read: a worker reads 4 MiB at a time and
 * looks at its end before each read, so it cannot have passed the cut (if it has, the cut is found
 * wrong and that part parsed again: slower, never wrong).
 */
const CUT_MARGIN = 4.5 * 1024 * 1024;
/** Worker 1's share of what is left when the core frees up: under half, as it starts cold (measured ~20% slower than the warm worker 0 over its first part). */
const FIRST_STEAL_SHARE = 0.45;

export type HandoffFormat = 'csv' | 'tsv' | 'jsonl';

/** The analysis, and where the rows of each part it was merged from begin (in file order; parts left with no rows are not listed). */
export interface HandoffOutcome {
  table: TableAnalysis;
  starts: number[];
}

export interface HandoffOptions {
  signal?: AbortSignal;
  /** Threads kept warm between imports (the engine's); without them each import starts two. */
  threads?: WarmWorkers;
  /** Tests: worker 1's part starts here from the beginning (before either worker reads), instead of when the core frees up. */
  firstCut?: (plan: DelimitedPlan | null) => number | null;
  /** Tests: cut parts with less left to read, closer to where they were read (see MIN_LEFT, CUT_MARGIN). */
  minLeft?: number;
  margin?: number;
}

interface Part {
  start: number;
  /** null: to the end of the file. */
  end: number | null;
  worker: number;
  result?: AnyPartResult;
}

export async function analyzeWithHandoff(
  file: string,
  format: HandoffFormat,
  size: number,
  onBytes: (done: number) => void,
  coreFree: Promise<unknown>,
  opts: HandoffOptions = {},
): Promise<HandoffOutcome> {
  const { signal } = opts;
  const plan = format === 'jsonl' ? null : await planDelimited(file, format);
  if (plan && plan.width === 0) throw new NeedsSequential('no complete row in the sample');
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const scheduler = new StealScheduler(file, plan, size, opts);
  let bytes = 0;
  const onProgress = (m: PartsProgress) => {
    if (m.t === 'bytes') onBytes(Math.min(size, (bytes += m.n)));
    else scheduler.done(m.index, m.result);
  };
  const run = (job: StealJob) => (opts.threads ? opts.threads.run('analyze', job, { onProgress, signal: stop.signal }) : runWorker('analyze', job, { onProgress, signal: stop.signal }));
  const workers = [0, 1].map((slot) => run(scheduler.job(slot)));
  // Both watched from the start: a worker that fails ends the import at once.
  const all = Promise.all(workers);
  try {
    scheduler.begin(opts.firstCut?.(plan));
    await Promise.race([all, coreFree.then(() => scheduler.coreFree(), () => scheduler.coreFree())]);
    await all;
    return await scheduler.merged(stop.signal, onProgress);
  } catch (e) {
    scheduler.quitAll();
    stop.abort(e);
    await Promise.allSettled(workers);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The parts of one file and which worker reads which; it cuts and assigns them through the workers' shared slots. */
class StealScheduler {
  private readonly shared = new SharedArrayBuffer(2 * STEAL_SLOTS * 8);
  private readonly slots = new BigInt64Array(this.shared);
  private readonly parts: Part[] = [];
  private readonly quit = [false, false];
  /** Columns some part has taken past the exact cap: a later part may start them past it. */
  private pastCap = 0n;
  private readonly minLeft: number;
  private readonly margin: number;

  constructor(
    private readonly file: string,
    private readonly plan: DelimitedPlan | null,
    private readonly size: number,
    opts: HandoffOptions,
  ) {
    this.minLeft = opts.minLeft ?? MIN_LEFT;
    this.margin = opts.margin ?? CUT_MARGIN;
    for (const w of [0, 1]) {
      this.set(w, STEAL.cmd, IDLE);
      this.set(w, STEAL.end, OPEN);
    }
  }

  job(slot: number): StealJob {
    const { plan, file, shared } = this;
    const crash = process.env.LATHE_ANALYZE_CRASH_AT_PART;
    const crashAtPart = crash === undefined ? undefined : Number(crash);
    return plan ? { kind: 'steal', slot, format: plan.format, plan, shared, crashAtPart } : { kind: 'steal', slot, format: 'jsonl', file, shared, crashAtPart };
  }

  /** Worker 0 takes the whole file; with `firstCut` (tests), worker 1 takes the rest from there at once. */
  begin(firstCut: number | null | undefined): void {
    const start = this.plan ? this.plan.bom : 0;
    if (firstCut === undefined) return this.assign(0, start, null);
    if (firstCut === null || firstCut <= start || firstCut >= this.size) {
      this.assign(0, start, null);
      return this.stopWorker(1);
    }
    this.assign(0, start, firstCut);
    this.assign(1, firstCut, null);
  }

  /** Staging is done: worker 1 takes part of what worker 0 has left, or is not needed. */
  coreFree(): void {
    if (this.quit[1] || this.running(1)) return;
    if (!this.steal(0, 1, FIRST_STEAL_SHARE)) this.stopWorker(1);
  }

  /** Part `index` is done: its worker takes half of what the other has left, or stops (both do, once nothing is left to share). */
  done(index: number, result: AnyPartResult): void {
    const part = this.parts[index];
    part.result = result;
    const w = part.worker;
    const other = 1 - w;
    if (this.steal(other, w, 0.5)) return;
    this.stopWorker(w);
    // The other is idle too (done, or worker 1 never started because the core was not free yet): nothing is left for it.
    if (!this.running(other)) this.stopWorker(other);
  }

  quitAll(): void {
    for (const w of [0, 1]) this.stopWorker(w);
  }

  /** Every part, merged in file order (each confirmed, or parsed again from where the part before stopped). */
  async merged(signal: AbortSignal, onProgress: (m: PartsProgress) => void): Promise<HandoffOutcome> {
    const parts = this.parts.filter((p) => p.result !== undefined).sort((a, b) => a.start - b.start);
    if (parts.length !== this.parts.length) throw new Error('a handoff part has no result');
    const { plan, file } = this;
    const starts: number[] = [];
    const mergeInto = <R extends AnyPartResult>(merger: Merger<R>) =>
      mergeConfirmed<R>(
        parts.length,
        parts[0].start,
        async (k) => parts[k].result as R,
        (from, k) => {
          const ranges = [{ start: from, end: parts[k].end }];
          const control = new SharedArrayBuffer(8);
          const job: PartsJob = plan ? { kind: 'parts', format: plan.format, plan, ranges, first: k, control } : { kind: 'parts', format: 'jsonl', file, ranges, first: k, control };
          return partAgain<R>(job, signal, onProgress);
        },
        {
          add: (r, k) => {
            // A part left with no rows (the part before read past all of it) adds nothing.
            if (r.rows > 0) starts.push(r.firstRow);
            merger.add(r, k);
          },
        },
      );
    if (plan) {
      const merger = new DelimitedMerger(plan);
      await mergeInto(merger);
      if (merger.rows === 0) throw new NeedsSequential('no data rows');
      return { table: delimitedAnalysis(plan, merger.rows, merger.profilers, merger.columns, merger.offsets, merger.notes), starts };
    }
    const merger = new JsonlMerger();
    await mergeInto(merger);
    if (merger.rows === 0) throw new NeedsSequential('no rows');
    return { table: jsonlAnalysis(file, merger.rows, merger.profilers, merger.offsets), starts };
  }

  /**
   * Cuts the part `from` is reading at a row boundary about `share` of what it has left from its
   * end, and gives the rest to `to`. False when too little is left (or no boundary is found).
   */
  private steal(from: number, to: number, share: number): boolean {
    const part = this.running(from);
    if (!part || this.quit[to]) return false;
    const readAt = Number(this.get(from, STEAL.readAt));
    const end = part.end ?? this.size;
    const left = end - readAt;
    if (left < this.minLeft) return false;
    const nominal = readAt + Math.max(this.margin, Math.floor(left * (1 - share)));
    const cut = nominal >= end ? null : this.plan ? delimitedSplitAt(this.plan, end, nominal) : lineSplitAt(this.file, end, nominal);
    if (cut === null || cut >= end) return false;
    // The running part stops at the cut before the new part can start there.
    this.set(from, STEAL.end, BigInt(cut));
    const rest = part.end;
    part.end = cut;
    this.pastCap |= this.get(0, STEAL.pastCap) | this.get(1, STEAL.pastCap);
    this.assign(to, cut, rest);
    return true;
  }

  private assign(w: number, start: number, end: number | null): void {
    const index = this.parts.length;
    this.parts.push({ start, end, worker: w });
    this.set(w, STEAL.start, BigInt(start));
    this.set(w, STEAL.end, end === null ? OPEN : BigInt(end));
    this.set(w, STEAL.readAt, BigInt(start));
    this.set(w, STEAL.startPastCap, this.pastCap);
    this.set(w, STEAL.cmd, BigInt(index));
    Atomics.notify(this.slots, w * STEAL_SLOTS + STEAL.cmd);
  }

  private stopWorker(w: number): void {
    if (this.quit[w]) return;
    this.quit[w] = true;
    this.set(w, STEAL.cmd, QUIT);
    Atomics.notify(this.slots, w * STEAL_SLOTS + STEAL.cmd);
  }

  private running(w: number): Part | undefined {
    return this.parts.find((p) => p.worker === w && p.result === undefined);
  }

  private get(w: number, k: number): bigint {
    return Atomics.load(this.slots, w * STEAL_SLOTS + k);
  }

  private set(w: number, k: number, v: bigint): void {
    Atomics.store(this.slots, w * STEAL_SLOTS + k, v);
  }
}

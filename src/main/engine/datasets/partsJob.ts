import type { DelimitedPlan } from './formats/delimited';
import { analyzeDelimitedPart, type PartResult } from './formats/delimitedPart';
import type { PartEndControl, PartRange } from './formats/textPart';
import { analyzeJsonlPart, type JsonlPartResult } from './formats/jsonlPart';
import { analyzeParquetPart, type ParquetPartResult } from './formats/parquetPart';

/**
 * A pool worker's job in the parallel import: claim parts of one file one at a time (a shared
 * counter, so a busy core takes fewer), analyse each and send it back as progress. `control` is
 * an Int32Array over a SharedArrayBuffer: [0] next part to claim, [1] parts the parent has merged.
 * A worker does not run more than WINDOW parts ahead of the merge, so parts waiting to be merged
 * (with their row offsets) stay bounded whatever the file's size. `first` is the number of the part
 * `ranges[0]` is in the file (a part re-parsed after a wrong split is not the file's first).
 */
export type PartsJob =
  | { kind: 'parts'; format: 'csv' | 'tsv'; plan: DelimitedPlan; ranges: PartRange[]; first: number; control: SharedArrayBuffer }
  | { kind: 'parts'; format: 'jsonl'; file: string; ranges: PartRange[]; first: number; control: SharedArrayBuffer }
  | { kind: 'parts'; format: 'parquet'; file: string; width: number; ranges: PartRange[]; first: number; control: SharedArrayBuffer };

/**
 * The two-core handoff (handoff.ts): the `head` analyses the file from its start with an end set
 * while it runs; the `tail`, started beside it, waits for its start, then analyses from there to
 * the end (or returns null at once when it is not needed). `shared` is a BigInt64Array over a
 * SharedArrayBuffer laid out as HANDOFF_SLOTS says. `waitForCut` (tests): the head too waits until
 * the tail's slot is set, so a cut anywhere in a small file is taken before the head reads a byte.
 */
export type HandoffJob = { kind: 'handoff'; role: 'head' | 'tail'; shared: SharedArrayBuffer; waitForCut?: boolean } & ({ format: 'csv' | 'tsv'; plan: DelimitedPlan } | { format: 'jsonl'; file: string });

/**
 * Slots of a handoff's shared BigInt64Array: how far the head has read; its end (-1: not set); the
 * tail's start (-1: wait, -2: not needed); which of the head's columns have passed the exact cap
 * (the tail starts those past it too: the merge would drop their exact counts anyway).
 */
export const HANDOFF_SLOTS = { headAt: 0, headEnd: 1, tailStart: 2, pastCap: 3, length: 4 } as const;
/** Columns the `pastCap` slot can name (bit k: the head's column k has passed the exact distinct cap). */
const MASK_COLUMNS = 63;
export const NOT_SET = -1n;
export const NOT_NEEDED = -2n;

export type AnyPartResult = PartResult | JsonlPartResult | ParquetPartResult;

export type PartsProgress = { t: 'bytes'; n: number } | { t: 'part'; index: number; result: AnyPartResult };

export const PARTS_AHEAD = 4;

export function isHandoffJob(job: unknown): job is HandoffJob {
  return typeof job === 'object' && job !== null && (job as { kind?: unknown }).kind === 'handoff';
}

/** A handoff worker's part (null: the tail was not needed). */
export interface HandoffResult {
  part: PartResult | JsonlPartResult | null;
}

export function runHandoffJob(job: HandoffJob, onBytes: (n: number) => void): HandoffResult {
  const shared = new BigInt64Array(job.shared);
  // Tests: this worker dies as an out-of-memory or killed thread would (the head as part 0, the tail as part 1).
  if (process.env.LATHE_ANALYZE_CRASH_AT_PART === (job.role === 'head' ? '0' : '1')) process.exit(70);
  if (job.role === 'head') {
    if (job.waitForCut) waitWhileUnset(shared);
    const end: PartEndControl = {
      current: () => {
        const at = Atomics.load(shared, HANDOFF_SLOTS.headEnd);
        return at === NOT_SET ? null : Number(at);
      },
      readTo: (pos) => void Atomics.store(shared, HANDOFF_SLOTS.headAt, BigInt(pos)),
      profiled: (profilers) => {
        let mask = 0n;
        for (let k = 0; k < Math.min(profilers.length, MASK_COLUMNS); k++) if (profilers[k].pastExactCap) mask |= 1n << BigInt(k);
        Atomics.store(shared, HANDOFF_SLOTS.pastCap, mask);
      },
    };
    if (job.format === 'jsonl') return { part: analyzeJsonlPart(job.file, { start: 0, end: null }, onBytes, end) };
    return { part: analyzeDelimitedPart(job.plan, { start: job.plan.bom, end: null }, null, onBytes, { movable: end }) };
  }
  const start = waitWhileUnset(shared);
  if (start === NOT_NEEDED) return { part: null };
  const range = { start: Number(start), end: null };
  if (job.format === 'jsonl') return { part: analyzeJsonlPart(job.file, range, onBytes) };
  return { part: analyzeDelimitedPart(job.plan, range, placeholderColumns(job.plan.width), onBytes, { pastCap: columnsIn(Atomics.load(shared, HANDOFF_SLOTS.pastCap)) }) };
}

/** The columns a `pastCap` mask names (an unset slot, -1, names none). */
function columnsIn(mask: bigint): Set<number> {
  const out = new Set<number>();
  if (mask < 0n) return out;
  for (let k = 0; k < MASK_COLUMNS; k++) if ((mask >> BigInt(k)) & 1n) out.add(k);
  return out;
}

/** Waits until the tail's start is set (or it is told it is not needed) and returns it; in short slices, so a terminate from the parent is seen soon. */
function waitWhileUnset(shared: BigInt64Array): bigint {
  let start = Atomics.load(shared, HANDOFF_SLOTS.tailStart);
  for (; start === NOT_SET; start = Atomics.load(shared, HANDOFF_SLOTS.tailStart)) Atomics.wait(shared, HANDOFF_SLOTS.tailStart, NOT_SET, 200);
  return start;
}

export function isPartsJob(job: unknown): job is PartsJob {
  return typeof job === 'object' && job !== null && (job as { kind?: unknown }).kind === 'parts';
}

export async function runPartsJob(job: PartsJob, progress: (m: PartsProgress) => void): Promise<{ parts: number }> {
  const control = new Int32Array(job.control);
  let done = 0;
  for (;;) {
    const index = Atomics.add(control, 0, 1);
    if (index >= job.ranges.length) break;
    for (let merged = Atomics.load(control, 1); index - merged >= PARTS_AHEAD; merged = Atomics.load(control, 1)) Atomics.wait(control, 1, merged, 200);
    // Tests: this worker dies as an out-of-memory or killed thread would, on claiming that part.
    if (process.env.LATHE_ANALYZE_CRASH_AT_PART === String(job.first + index)) process.exit(70);
    const onBytes = (n: number) => progress({ t: 'bytes', n });
    const range = job.ranges[index];
    let result: AnyPartResult;
    if (job.format === 'parquet') result = await analyzeParquetPart(job.file, range, job.width, onBytes);
    else if (job.format === 'jsonl') result = analyzeJsonlPart(job.file, range, onBytes);
    else result = analyzeDelimitedPart(job.plan, range, job.first + index === 0 ? null : placeholderColumns(job.plan.width), onBytes);
    progress({ t: 'part', index, result });
    done++;
  }
  return { parts: done };
}

/** Parts after the first are given the width; their columns are named by the first part. */
function placeholderColumns(width: number): string[] {
  return Array.from({ length: width }, (_, k) => `column_${k + 1}`);
}

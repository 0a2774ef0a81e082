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
 * A worker of the two-core handoff (handoff.ts). It analyses the parts the parent assigns it, one
 * at a time, through its slots in `shared` (a BigInt64Array over a SharedArrayBuffer, STEAL_SLOTS
 * of them per worker, from `slot * STEAL_SLOTS`): the parent writes a part's start, end and the
 * columns already past the exact cap, then its index into `cmd`; the worker reports how far it has
 * read and which of its columns passed the cap, and follows `end` down while it reads (the parent
 * moves it earlier to give the rest of the part to the other worker). Each part's result goes back
 * as progress; `cmd` QUIT ends the job. `crashAtPart` (tests, from LATHE_ANALYZE_CRASH_AT_PART in the
 * parent: a thread kept warm keeps the environment it started with) makes the worker die on taking that part.
 */
export type StealJob = { kind: 'steal'; slot: number; shared: SharedArrayBuffer; crashAtPart?: number } & ({ format: 'csv' | 'tsv'; plan: DelimitedPlan } | { format: 'jsonl'; file: string });

/** One worker's slots (see StealJob): cmd (IDLE, QUIT or a part's index), start, end (OPEN: to the file's end), readAt, its columns past the cap, the columns to start past it. */
export const STEAL = { cmd: 0, start: 1, end: 2, readAt: 3, pastCap: 4, startPastCap: 5 } as const;
export const STEAL_SLOTS = 6;
export const IDLE = -1n;
export const QUIT = -2n;
export const OPEN = -1n;
/** Columns a cap mask can name (bit k: column k). */
const MASK_COLUMNS = 63;

export type AnyPartResult = PartResult | JsonlPartResult | ParquetPartResult;

export type PartsProgress = { t: 'bytes'; n: number } | { t: 'part'; index: number; result: AnyPartResult };

export const PARTS_AHEAD = 4;

export function isStealJob(job: unknown): job is StealJob {
  return typeof job === 'object' && job !== null && (job as { kind?: unknown }).kind === 'steal';
}

export function runStealJob(job: StealJob, progress: (m: PartsProgress) => void): { parts: number } {
  const all = new BigInt64Array(job.shared);
  const base = job.slot * STEAL_SLOTS;
  const at = (k: number) => base + k;
  const onBytes = (n: number) => progress({ t: 'bytes', n });
  let parts = 0;
  for (;;) {
    // Short slices, so a terminate from the parent is seen soon.
    let cmd = Atomics.load(all, at(STEAL.cmd));
    for (; cmd === IDLE; cmd = Atomics.load(all, at(STEAL.cmd))) Atomics.wait(all, at(STEAL.cmd), IDLE, 200);
    if (cmd === QUIT) return { parts };
    const index = Number(cmd);
    // Tests: this worker dies as an out-of-memory or killed thread would, on taking that part.
    if (job.crashAtPart === index) process.exit(70);
    const start = Number(Atomics.load(all, at(STEAL.start)));
    const end: PartEndControl = {
      current: () => {
        const e = Atomics.load(all, at(STEAL.end));
        return e === OPEN ? null : Number(e);
      },
      readTo: (pos) => void Atomics.store(all, at(STEAL.readAt), BigInt(pos)),
      profiled: (profilers) => void Atomics.store(all, at(STEAL.pastCap), capMask(profilers)),
    };
    const range = { start, end: end.current() };
    let result: AnyPartResult;
    if (job.format === 'jsonl') result = analyzeJsonlPart(job.file, range, onBytes, end);
    else {
      const first = index === 0;
      result = analyzeDelimitedPart(job.plan, range, first ? null : placeholderColumns(job.plan.width), onBytes, { movable: end, pastCap: columnsIn(Atomics.load(all, at(STEAL.startPastCap))) });
    }
    parts++;
    // Idle before the result is sent: the parent may assign the next part as soon as it has it.
    Atomics.store(all, at(STEAL.cmd), IDLE);
    progress({ t: 'part', index, result });
  }
}

/** Bit k set: column k has passed the exact distinct cap. */
export function capMask(profilers: readonly { pastExactCap: boolean }[]): bigint {
  let mask = 0n;
  for (let k = 0; k < Math.min(profilers.length, MASK_COLUMNS); k++) if (profilers[k].pastExactCap) mask |= 1n << BigInt(k);
  return mask;
}

function columnsIn(mask: bigint): Set<number> {
  const out = new Set<number>();
  for (let k = 0; k < MASK_COLUMNS; k++) if ((mask >> BigInt(k)) & 1n) out.add(k);
  return out;
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

import type { DelimitedPlan } from './formats/delimited';
import { analyzeDelimitedPart, type PartResult } from './formats/delimitedPart';
import type { PartRange } from './formats/textPart';
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

export type AnyPartResult = PartResult | JsonlPartResult | ParquetPartResult;

export type PartsProgress = { t: 'bytes'; n: number } | { t: 'part'; index: number; result: AnyPartResult };

export const PARTS_AHEAD = 4;

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

import type { RawColumn } from './rawColumns';
import { sealFile, type RawPartsDeps } from './rawParts';

/** Rows may still arrive this long after a window ends (a serving process's last flush) before it is sealed. */
const LATE_MS = 5 * 60_000;
/** Sealing waits until ingests have been quiet this long (it would compete with them for the two cores). */
const QUIET_MS = 10_000;

export interface CompactionDeps extends RawPartsDeps {
  /** The input columns the model's versions declare (a part keeps each as its own column). */
  columnsOf(model: string): RawColumn[];
  windowMs(model: string): number;
}

export interface CompactionResult {
  sealed: number;
  rows: number;
  bytes: number;
  /** Files that could not be sealed, with why (they stay NDJSON and are tried again next time). */
  failed: { file: string; message: string }[];
}

/**
 * Seals closed windows' NDJSON files into Parquet parts, one at a time. In a long-running process
 * (the app, `lathe serve`) it runs once at start and again whenever ingests have gone quiet; a CLI
 * command never waits for it (its rows are read from NDJSON until the app seals them).
 */
export class RawCompaction {
  private timer: NodeJS.Timeout | null = null;
  private live = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: CompactionDeps, private readonly now: () => number = Date.now) {}

  start(): void {
    this.live = true;
    this.schedule();
  }

  /** After an ingest: seal once ingests go quiet (live processes only). */
  touched(): void {
    if (this.live) this.schedule();
  }

  close(): void {
    this.live = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run().then((r) => {
        for (const f of r.failed) console.warn(`lathe: raw rows of ${f.file} stay NDJSON for now: ${f.message}`);
      });
    }, QUIET_MS);
    this.timer.unref();
  }

  /** Seals every closed window's NDJSON file now (runs after any sealing already under way). */
  run(): Promise<CompactionResult> {
    const next = this.chain.then(() => this.sealClosed());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async sealClosed(): Promise<CompactionResult> {
    const out: CompactionResult = { sealed: 0, rows: 0, bytes: 0, failed: [] };
    const columns = new Map<string, RawColumn[]>();
    const windowMs = new Map<string, number>();
    for (const f of this.d.repo.landedFiles()) {
      if (this.d.duck.isClosed) break;
      try {
        if (!windowMs.has(f.model)) windowMs.set(f.model, this.d.windowMs(f.model));
        if (f.window_start + windowMs.get(f.model)! > this.now() - LATE_MS) continue;
        if (!columns.has(f.model)) columns.set(f.model, this.d.columnsOf(f.model));
        const r = await sealFile(this.d, f.model, f.window_start, f.file, columns.get(f.model)!);
        if (r) {
          out.sealed++;
          out.rows += r.rows;
          out.bytes += r.bytes;
        }
      } catch (e) {
        if (this.d.duck.isClosed) break;
        out.failed.push({ file: f.file, message: (e as Error).message });
        // Without its engine nothing seals: one message, not one per file.
        if (!this.d.duck.loaded) break;
      }
    }
    return out;
  }
}

import type { DuckDBConnection } from '@duckdb/node-api';
import type { RawColumn } from '../db/rawRowsSql';
import { sealFiles, type Landed, type RawPartsDeps } from './rawParts';

/** Rows may still arrive this long after a window ends (a serving process's last flush) before it is sealed. */
const LATE_MS = 5 * 60_000;
/** Sealing waits until ingests have been quiet this long (it would compete with them for the two cores). */
const QUIET_MS = 10_000;
/** After start, sealing waits this long: starting is the busiest minute (the window loads, TF.js warms up). */
const START_MS = 60_000;
/** NDJSON files sealed per DuckDB COPY. */
const BATCH_FILES = 64;

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
 * Seals closed windows' NDJSON files into Parquet parts. In a long-running process (the app,
 * `lathe serve`) it runs a minute after start and again whenever ingests have gone quiet; a CLI
 * command never waits for it (its rows are read from NDJSON until the app seals them).
 */
export class RawCompaction {
  private timer: NodeJS.Timeout | null = null;
  private live = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** Window lengths per model (fixed once a model has logs). */
  private readonly windowLengths = new Map<string, number>();

  constructor(private readonly d: CompactionDeps, private readonly now: () => number = Date.now) {}

  start(): void {
    this.live = true;
    this.schedule(START_MS);
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

  private schedule(delayMs = QUIET_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run().then((r) => {
        for (const f of r.failed) console.warn(`lathe: raw rows of ${f.file} stay NDJSON for now: ${f.message}`);
      });
    }, delayMs);
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
    if (this.d.duck.isClosed) return out;
    const closed = this.d.repo.landedFiles().filter((f) => {
      try {
        return f.window_start + this.windowMs(f.model) <= this.now() - LATE_MS;
      } catch (e) {
        out.failed.push({ file: f.file, message: (e as Error).message });
        return false;
      }
    });
    if (closed.length === 0) return out;
    try {
      // One connection for the whole run (a connection per file costs more than a small file's copy).
      await this.d.duck.use((con) => this.sealAll(closed, con, out));
    } catch (e) {
      // The engine did not load, or the workspace closed: what was sealed stays sealed.
      if (!this.d.duck.isClosed) out.failed.push({ file: '(all)', message: (e as Error).message });
    }
    return out;
  }

  private windowMs(model: string): number {
    let ms = this.windowLengths.get(model);
    if (ms === undefined) this.windowLengths.set(model, (ms = this.d.windowMs(model)));
    return ms;
  }

  private async sealAll(files: { model: string; window_start: number; file: string }[], con: DuckDBConnection, out: CompactionResult): Promise<void> {
    const byModel = new Map<string, Landed[]>();
    for (const f of files) byModel.set(f.model, [...(byModel.get(f.model) ?? []), { window: f.window_start, file: f.file }]);
    for (const [model, landed] of byModel) {
      // Batches bound the staging folder and let a closing workspace stop between them.
      for (let k = 0; k < landed.length && !this.d.duck.isClosed; k += BATCH_FILES) {
        const batch = landed.slice(k, k + BATCH_FILES);
        try {
          for (const r of await sealFiles(this.d, model, batch, this.d.columnsOf(model), con)) {
            out.sealed++;
            out.rows += r.rows;
            out.bytes += r.bytes;
          }
        } catch (e) {
          if (this.d.duck.isClosed) return;
          for (const l of batch) out.failed.push({ file: l.file, message: (e as Error).message });
        }
      }
    }
  }
}

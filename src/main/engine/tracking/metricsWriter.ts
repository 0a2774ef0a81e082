import type { SeriesBatchSummary, TrackingRepo } from '../db/trackingRepo';

/** Points of one run waiting to be written, column by column (no object per point). */
class RunBuffer {
  keys: string[] = [];
  values: number[] = [];
  steps: number[] = [];
  timestamps: number[] = [];
  get length(): number {
    return this.keys.length;
  }
}

export interface FlushedRun {
  runId: string;
  /** Per key: the newest value written in this flush and its step. */
  last: Map<string, { value: number; step: number }>;
  points: number;
}

export interface MetricsWriterOptions {
  /** Flush when this many points are waiting (default 50 000). */
  maxPending?: number;
  /** Flush this long after the first waiting point (default 200 ms). */
  intervalMs?: number;
}

const NO_STEP = -9007199254740991;

/**
 * Buffers metric points and writes them in transactions: one prepared insert per point, one merge of
 * the latest_metrics summary per (run, key) per batch. Flushes on size, on a timer, on demand (before
 * any read, so readers always see what was logged) and at the end of a run.
 */
export class MetricsWriter {
  private readonly buffers = new Map<string, RunBuffer>();
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly series = new Map<string, number>();
  private readonly lastStep = new Map<string, number>();
  private readonly maxPending: number;
  private readonly intervalMs: number;

  constructor(
    private readonly repo: TrackingRepo,
    private readonly onFlushed: (runs: FlushedRun[]) => void,
    opts: MetricsWriterOptions = {},
  ) {
    this.maxPending = opts.maxPending ?? 50_000;
    this.intervalMs = opts.intervalMs ?? 200;
  }

  /** The step a point without one gets: one after the last step logged for that key (0 for the first). */
  nextStep(runId: string, key: string): number {
    const sk = `${runId}\u0000${key}`;
    let last = this.lastStep.get(sk);
    if (last === undefined) {
      const row = this.repo.latestForRun(runId).find((r) => r.key === key);
      last = row ? row.step : -1;
    }
    return last + 1;
  }

  /** Queues one point. Keys and run state are checked by the caller. */
  add(runId: string, key: string, value: number, step: number, timestamp: number): void {
    let b = this.buffers.get(runId);
    if (!b) {
      b = new RunBuffer();
      this.buffers.set(runId, b);
    }
    b.keys.push(key);
    b.values.push(value);
    b.steps.push(step);
    b.timestamps.push(timestamp);
    const sk = `${runId}\u0000${key}`;
    const prev = this.lastStep.get(sk);
    if (prev === undefined || step > prev) this.lastStep.set(sk, step);
    this.pending++;
    if (this.pending >= this.maxPending) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** Writes one run's points now, in one transaction (the contract's logMetrics: a call is a batch). */
  writeNow(runId: string, keys: string[], values: number[], steps: number[], timestamps: number[]): FlushedRun {
    const flushed = this.repo.transaction(() => this.writeRun(runId, keys, values, steps, timestamps));
    for (let i = 0; i < keys.length; i++) {
      const sk = `${runId}\u0000${keys[i]}`;
      const prev = this.lastStep.get(sk);
      if (prev === undefined || steps[i] > prev) this.lastStep.set(sk, steps[i]);
    }
    this.onFlushed([flushed]);
    return flushed;
  }

  get pendingPoints(): number {
    return this.pending;
  }

  /** Writes everything waiting, in one transaction. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending === 0) return;
    const buffers = [...this.buffers];
    this.buffers.clear();
    this.pending = 0;
    let flushed: FlushedRun[] = [];
    try {
      flushed = this.repo.transaction(() => buffers.map(([runId, b]) => this.writeRun(runId, b.keys, b.values, b.steps, b.timestamps)));
    } catch {
      // One bad run (purged meanwhile) must not lose the others: retry run by run, dropping failures.
      this.series.clear();
      for (const [runId, b] of buffers) {
        try {
          flushed.push(this.repo.transaction(() => this.writeRun(runId, b.keys, b.values, b.steps, b.timestamps)));
        } catch {
          this.forgetRun(runId);
        }
      }
    }
    this.onFlushed(flushed);
  }

  /** Drops cached series ids of a run (after a purge) and anything still buffered for it. */
  forgetRun(runId: string): void {
    const b = this.buffers.get(runId);
    if (b) {
      this.pending -= b.length;
      this.buffers.delete(runId);
    }
    const prefix = `${runId}\u0000`;
    for (const k of this.series.keys()) if (k.startsWith(prefix)) this.series.delete(k);
    for (const k of this.lastStep.keys()) if (k.startsWith(prefix)) this.lastStep.delete(k);
  }

  close(): void {
    this.flush();
  }

  private seriesId(runId: string, key: string): number {
    const sk = `${runId}\u0000${key}`;
    let id = this.series.get(sk);
    if (id === undefined) {
      id = this.repo.ensureSeries(runId, key);
      this.series.set(sk, id);
    }
    return id;
  }

  /** Inside a transaction: the points, then one summary merge per key. */
  private writeRun(runId: string, keys: string[], values: number[], steps: number[], timestamps: number[]): FlushedRun {
    const ins = this.repo.pointInsert;
    const sums = new Map<string, SeriesBatchSummary & { seq: number }>();
    let lastKey = '';
    let cur: (SeriesBatchSummary & { seq: number }) | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key !== lastKey || cur === undefined) {
        cur = sums.get(key);
        if (!cur) {
          const id = this.seriesId(runId, key);
          // Read inside the transaction: another process writing the same series cannot collide.
          cur = { id, last: null, step: NO_STEP, timestamp: 0, min: null, max: null, count: 0, seq: this.repo.seriesPoints(id) };
          sums.set(key, cur);
        }
        lastKey = key;
      }
      const v = values[i];
      const step = steps[i];
      const ts = timestamps[i];
      const stored = Number.isNaN(v) ? null : v;
      ins.run(cur.id, step, cur.seq++, ts, stored);
      if (step > cur.step || (step === cur.step && ts >= cur.timestamp)) {
        cur.step = step;
        cur.timestamp = ts;
        cur.last = stored;
      }
      if (stored !== null) {
        if (cur.min === null || stored < cur.min) cur.min = stored;
        if (cur.max === null || stored > cur.max) cur.max = stored;
      }
      cur.count++;
    }
    const last = new Map<string, { value: number; step: number }>();
    for (const [key, s] of sums) {
      this.repo.mergeSeries({ id: s.id, last: s.last, step: s.step, timestamp: s.timestamp, min: s.min, max: s.max, count: s.count });
      last.set(key, { value: s.last === null ? NaN : s.last, step: s.step });
    }
    return { runId, last, points: keys.length };
  }
}

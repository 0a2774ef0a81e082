import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Raw logged rows, kept as data for the next training: append-only columnar segments, one file per
 * window and ingest batch (`monitoring/<model>/raw/<window start>/<ingest>-<n>.json.gz`), each a
 * gzip'd JSON object of columns. A segment is written to a temp name, fsync'd and renamed before the
 * database records it in the batch's transaction; a file the database never recorded (a killed
 * ingest) is removed at the next start. docs/MONITORING.md says why not DuckDB (measured).
 */
export const SEGMENT_FORMAT = 'lathe-monitor-segment/1';

export interface Segment {
  format: typeof SEGMENT_FORMAT;
  model: string;
  window: number;
  rows: number;
  columns: {
    requestId: string[];
    time: number[];
    version: number[];
    alias: (string | null)[];
    prediction: (string | number)[];
    probabilities: (number[] | null)[];
    latencyMs: (number | null)[];
    features: Record<string, unknown[]>;
  };
}

export class SegmentBuilder {
  readonly columns: Segment['columns'] = { requestId: [], time: [], version: [], alias: [], prediction: [], probabilities: [], latencyMs: [], features: {} };
  rows = 0;

  constructor(
    readonly model: string,
    readonly window: number,
    private readonly featureNames: string[],
  ) {
    for (const f of featureNames) this.columns.features[f] = [];
  }

  add(r: { requestId: string; time: number; version: number; alias: string | null; prediction: string | number; probabilities: number[] | null; latencyMs: number | null; features: Record<string, unknown> }): void {
    const c = this.columns;
    c.requestId.push(r.requestId);
    c.time.push(r.time);
    c.version.push(r.version);
    c.alias.push(r.alias);
    c.prediction.push(r.prediction);
    c.probabilities.push(r.probabilities);
    c.latencyMs.push(r.latencyMs);
    for (const f of this.featureNames) c.features[f].push(r.features[f] ?? null);
    this.rows++;
  }
}

export class RawStore {
  constructor(private readonly home: string) {}

  private root(): string {
    return path.join(this.home, 'monitoring');
  }

  /** Writes a segment durably; returns its path relative to the workspace and its size. */
  write(b: SegmentBuilder, name: string): { file: string; bytes: number } {
    const seg: Segment = { format: SEGMENT_FORMAT, model: b.model, window: b.window, rows: b.rows, columns: b.columns };
    const rel = path.join('monitoring', safe(b.model), 'raw', String(b.window), `${name}.json.gz`);
    const abs = path.join(this.home, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const data = zlib.gzipSync(JSON.stringify(seg), { level: 1 });
    const tmp = `${abs}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, abs);
    return { file: rel, bytes: data.length };
  }

  read(rel: string): Segment {
    return JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(this.home, rel))).toString('utf8')) as Segment;
  }

  /** Removes segment files (and temp files) that no database row records. */
  removeUnrecorded(recorded: Set<string>): number {
    const root = this.root();
    if (!fs.existsSync(root)) return 0;
    let removed = 0;
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) walk(abs);
        else if (e.name.endsWith('.tmp') || (e.name.endsWith('.json.gz') && !recorded.has(path.relative(this.home, abs)))) {
          fs.rmSync(abs, { force: true });
          removed++;
        }
      }
    };
    walk(root);
    return removed;
  }
}

/** A model name as a folder name (model names are already restricted; this keeps it so). */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

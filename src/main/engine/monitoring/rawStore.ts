import fs from 'node:fs';
import path from 'node:path';

/**
 * Raw logged rows, kept as data for the next training. They land as append-only NDJSON, one file per
 * model and window (`monitoring/<model>/raw/<window start>.ndjson`), holding each accepted record
 * exactly as it arrived. An ingest batch appends its records for a window, fsyncs, and records the
 * byte range (`<file>#<from>-<to>`) in the same transaction as the window sketches; at the next start
 * every file is cut back to its last recorded range and files no row records are removed, so a
 * killed ingest leaves no half-batch behind. Once a window has closed its file is sealed into a
 * Parquet part (`rawParts.ts`, `monitoring/<model>/parts/`); parts no row of `monitor_parts` records
 * are removed at the start too. Why this split: docs/MONITORING.md ("Raw rows").
 */
export class RawStore {
  /** NDJSON files being read or sealed (relative path -> holders): appends go to a sibling file meanwhile. */
  private readonly held = new Map<string, number>();

  constructor(private readonly home: string) {}

  /** Holds files (relative paths) unchanged until the returned release is called. */
  hold(files: readonly string[]): () => void {
    for (const f of files) this.held.set(f, (this.held.get(f) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const f of files) {
        const n = (this.held.get(f) ?? 1) - 1;
        if (n > 0) this.held.set(f, n);
        else this.held.delete(f);
      }
    };
  }

  isHeld(file: string): boolean {
    return this.held.has(file);
  }

  private root(): string {
    return path.join(this.home, 'monitoring');
  }

  /**
   * Appends byte chunks (lines as received, each ended by "\n") to a window's file durably, in one
   * gathered write; the range key the database records, and the new end.
   */
  appendBytes(model: string, window: number, chunks: Uint8Array[]): { key: string; end: number } {
    return this.appendTo(model, window, (fd) => {
      let total = 0;
      for (const c of chunks) total += c.byteLength;
      let written = fs.writevSync(fd, chunks);
      // A short write (rare): the rest in one piece.
      if (written < total) {
        const rest = Buffer.concat(chunks).subarray(written);
        for (let off = 0; off < rest.byteLength; ) off += fs.writeSync(fd, rest, off);
        written = total;
      }
      return written;
    });
  }

  private appendTo(model: string, window: number, write: (fd: number) => number): { key: string; end: number } {
    const rel = this.landingFile(model, window);
    const abs = path.join(this.home, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const fd = fs.openSync(abs, 'a');
    try {
      const start = fs.fstatSync(fd).size;
      const bytes = write(fd);
      fs.fsyncSync(fd);
      return { key: `${rel}#${start}-${start + bytes}`, end: start + bytes };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The window's NDJSON file, or a sibling (`<start>-<n>.ndjson`) while that one is held. */
  private landingFile(model: string, window: number): string {
    const dir = path.join('monitoring', safe(model), 'raw');
    let rel = path.join(dir, `${window}.ndjson`);
    for (let n = 1; this.held.has(rel); n++) rel = path.join(dir, `${window}-${n}.ndjson`);
    return rel;
  }

  /** A new part's path (relative) for a model's window. */
  partFile(model: string, window: number, id: string): string {
    return path.join('monitoring', safe(model), 'parts', `${window}-${id}.parquet`);
  }

  /** A folder (relative) a sealing writes its parts into before they are renamed into place. */
  stagingDir(model: string, id: string): string {
    return path.join('monitoring', safe(model), 'parts', `.seal-${id}`);
  }

  /**
   * Cuts every raw file back to its last recorded byte and removes files no row records: NDJSON no
   * segment records, Parquet no part records, and temporary files.
   */
  reconcile(recorded: Set<string>, parts: Set<string>): { truncated: number; removed: number } {
    const committed = new Map<string, number>();
    for (const k of recorded) {
      const seg = parseSegmentKey(k);
      if (seg) committed.set(seg.file, Math.max(committed.get(seg.file) ?? 0, seg.end));
    }
    const root = this.root();
    const out = { truncated: 0, removed: 0 };
    if (!fs.existsSync(root)) return out;
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const abs = path.join(dir, e.name);
        if (e.isDirectory() && e.name.startsWith('.seal-')) {
          // A sealing that did not finish: its parts were never recorded.
          fs.rmSync(abs, { recursive: true, force: true });
          out.removed++;
        } else if (e.isDirectory()) walk(abs);
        else if (e.name.endsWith('.parquet')) {
          if (!parts.has(path.relative(this.home, abs))) {
            fs.rmSync(abs, { force: true });
            out.removed++;
          }
        } else if (e.name.endsWith('.ndjson') || e.name.endsWith('.tmp') || e.name.endsWith('.json.gz')) {
          const end = committed.get(path.relative(this.home, abs));
          if (end === undefined) {
            fs.rmSync(abs, { force: true });
            out.removed++;
          } else if (fs.statSync(abs).size > end) {
            fs.truncateSync(abs, end);
            out.truncated++;
          }
        }
      }
    };
    walk(root);
    return out;
  }
}

/** A segment key (`<file>#<from>-<to>`): its file (relative path) and its end byte; null when malformed. */
export function parseSegmentKey(key: string): { file: string; end: number } | null {
  const m = /^(.*)#(\d+)-(\d+)$/.exec(key);
  return m ? { file: m[1], end: Number(m[3]) } : null;
}

/** A model name as a folder name (model names are already restricted; this keeps it so). */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * One window's raw lines for an append, in order: lines given as text, or as byte ranges of a parse
 * worker's batch (consecutive ranges of one batch become one chunk, so a window's rows of a batch
 * are written as a view of it).
 */
export class RawLines {
  rows = 0;
  private readonly chunks: Uint8Array[] = [];
  private texts: string[] = [];
  private run: { bytes: Uint8Array; from: number; to: number } | null = null;

  addText(line: string): void {
    if (this.run) this.closeRun();
    this.texts.push(line);
    this.rows++;
  }

  /** Bytes [from, to) of `bytes`, the line's "\n" included. */
  addBytes(bytes: Uint8Array, from: number, to: number): void {
    const r = this.run;
    if (r && r.bytes === bytes && r.to === from) r.to = to;
    else {
      this.closeRun();
      this.run = { bytes, from, to };
    }
    this.rows++;
  }

  take(): Uint8Array[] {
    this.closeRun();
    return this.chunks;
  }

  private closeRun(): void {
    if (this.texts.length) {
      this.chunks.push(Buffer.from(this.texts.join('\n') + '\n', 'utf8'));
      this.texts = [];
    }
    if (this.run) {
      this.chunks.push(this.run.bytes.subarray(this.run.from, this.run.to));
      this.run = null;
    }
  }
}

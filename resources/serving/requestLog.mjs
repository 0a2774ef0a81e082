// Request log of the serving export: one NDJSON record per predicted row, in Lathe's prediction-log
// format (docs/MONITORING.md), so `lathe monitor ingest <model> logs/*.ndjson` reads it as it is.
//
// Never fails or slows a prediction beyond a bound: a record is serialised on the request path (a few
// microseconds a row) and queued; one background writer appends the queue to the current file. When
// the queue holds more than LATHE_LOG_QUEUE_BYTES (default 8 MB: a disk slower than the traffic) or a
// write fails (a full disk), records are dropped and counted, never retried on the request path.
// Files rotate at LATHE_LOG_MAX_BYTES (default 64 MB); the newest LATHE_LOG_MAX_FILES (default 50)
// are kept. LATHE_LOG=off turns logging off; LATHE_LOG_DIR moves it (default <this folder>/logs).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const num = (v, d) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);

export function createRequestLog(folder, info, env = process.env) {
  const enabled = !/^(off|0|false|no)$/i.test(env.LATHE_LOG ?? 'on');
  const dir = path.resolve(env.LATHE_LOG_DIR ?? path.join(folder, 'logs'));
  const maxBytes = num(env.LATHE_LOG_MAX_BYTES, 64 * 1024 * 1024);
  const maxFiles = num(env.LATHE_LOG_MAX_FILES, 50);
  const maxQueue = num(env.LATHE_LOG_QUEUE_BYTES, 8 * 1024 * 1024);
  const stats = { enabled, dir: enabled ? dir : null, file: null, records: 0, written: 0, dropped: 0, writeErrors: 0, lastError: null, rotations: 0 };
  let queue = [];
  let queued = 0;
  let writing = false;
  let fd = null;
  let size = 0;
  let seq = 0;

  const open = () => {
    fs.mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(dir, `predictions-${stamp}-${process.pid}-${seq++}.ndjson`);
    fd = fs.openSync(file, 'a');
    size = 0;
    stats.file = file;
    prune();
  };

  const prune = () => {
    try {
      const files = fs.readdirSync(dir).filter((f) => /^predictions-.*\.ndjson$/.test(f)).sort();
      for (const f of files.slice(0, Math.max(0, files.length - maxFiles))) fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      // pruning is best effort
    }
  };

  const drop = (n, err) => {
    stats.dropped += n;
    if (err) {
      stats.writeErrors++;
      stats.lastError = err.code ?? err.message;
    }
  };

  const flush = () => {
    if (writing || queue.length === 0) return;
    writing = true;
    const lines = queue;
    const count = lines.length;
    queue = [];
    queued = 0;
    const buf = Buffer.from(lines.join(''));
    try {
      if (fd === null || size + buf.length > maxBytes) {
        if (fd !== null) {
          fs.closeSync(fd);
          stats.rotations++;
        }
        open();
      }
    } catch (e) {
      writing = false;
      fd = null;
      drop(count, e);
      return;
    }
    fs.write(fd, buf, 0, buf.length, null, (err, n) => {
      writing = false;
      if (err || n !== buf.length) {
        // A full disk (ENOSPC) or a short write: these records are lost and counted; a partial line
        // is ended so the next record starts on its own line (ingest names the broken line).
        drop(count, err ?? new Error('short write'));
        if (!err && fd !== null) fs.write(fd, '\n', () => {});
      } else {
        size += n;
        stats.written += count;
      }
      if (queue.length) setImmediate(flush);
    });
  };

  /** Logs the rows of one answered request; returns the request ids (from the request or generated). */
  function log({ requestIds, rows, output, latencyMs, alias }) {
    const ids = rows.map((_, i) => requestIds?.[i] ?? randomUUID());
    if (!enabled) return ids;
    const time = new Date().toISOString();
    const names = info.inputs;
    for (let i = 0; i < rows.length; i++) {
      stats.records++;
      const r = rows[i];
      const features = Array.isArray(r) ? Object.fromEntries(names.map((n, k) => [n, r[k] ?? null])) : r;
      const out = { prediction: output.predictions[i] };
      if (output.probabilities) out.probabilities = Object.fromEntries(output.labels.map((l, k) => [l, output.probabilities[i][k]]));
      let line;
      try {
        line = JSON.stringify({ v: 1, requestId: ids[i], time, model: info.model, version: info.version, alias: alias ?? info.alias ?? null, features, output: out, latencyMs }) + '\n';
      } catch (e) {
        drop(1, e);
        continue;
      }
      if (queued + line.length > maxQueue) {
        drop(1);
        continue;
      }
      queue.push(line);
      queued += line.length;
    }
    setImmediate(flush);
    return ids;
  }

  /** Waits until the queue is on disk (for shutdown). */
  async function drain(timeoutMs = 2000) {
    const end = Date.now() + timeoutMs;
    while ((queue.length || writing) && Date.now() < end) {
      flush();
      await new Promise((r) => setTimeout(r, 5));
    }
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fd = null;
    }
  }

  return { log, drain, stats };
}

/** Request ids asked for by the caller: `requestIds` in the body (one per row) or an X-Request-Id header (one row: as is; several: id-0, id-1, ...). */
export function requestIdsOf(body, header, n) {
  const valid = (s) => typeof s === 'string' && s.length > 0 && s.length <= 200;
  if (Array.isArray(body?.requestIds)) return body.requestIds.map((s) => (valid(s) ? s : undefined));
  if (valid(header)) return n === 1 ? [header] : Array.from({ length: n }, (_, i) => `${header}-${i}`);
  return undefined;
}

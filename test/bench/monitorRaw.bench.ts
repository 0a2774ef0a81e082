import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { sqlList } from '../../src/main/engine/db/duck';
import { report } from './harness';
import { FEATURES } from '../monitoring/synthetic';
import { monitoredModel, writeLog } from './monitorIngest.bench';

/**
 * The raw logged rows at a million rows (the issue: "an embedded analytical engine is worth
 * measuring for slicing and joins at millions of rows"). `rows` logged predictions (12 features) go
 * in through `monitor.ingest` as four logs of two days each (hourly windows); half of them get
 * labels through `monitor.labels`. Then the next training's two questions are asked of them:
 * - join: every labelled row of the range with its label, as the CSV a dataset is made from
 *   (`monitor.toDataset`'s `logRows`);
 * - slice: one feature's mean over the last day.
 * Baselines, in the same run: both in plain JavaScript over the NDJSON files. The product: DuckDB
 * over the landing NDJSON (windows not sealed yet), the sealing of every window into Parquet parts
 * (timed: the background work it costs), and DuckDB over the parts; the two CSVs must be the same
 * bytes. The choice these numbers made: docs/MONITORING.md ("Raw rows").
 */

interface Timed {
  ms: number;
  cpuMs: number;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<Timed & { value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, value };
}

const HOUR = 3_600_000;

export async function benchMonitorRaw(dir: string, opts: { rows: number }): Promise<void> {
  const home = path.join(dir, 'raw-ws');
  const engine = await monitoredModel(dir, home, 'rawbench');
  try {
    const logs = 4;
    const per = Math.round(opts.rows / logs);
    // Every other request gets its label (ids read back from the log as written).
    const labels = new Map<string, string>();
    for (let part = 0; part < logs; part++) {
      const file = writeLog(dir, per, part, 'rawbench', `raw-${part}`);
      await invoke(engine, 'monitor.ingest', { ref: 'rawbench', files: [file] });
      let k = 0;
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/^\{"requestId":"([^"]+)"/gm)) if (k++ % 2 === 0) labels.set(m[1], m[1].charCodeAt(0) % 2 ? 'yes' : 'no');
      fs.rmSync(file);
    }
    const labelFile = path.join(dir, 'raw-labels.csv');
    fs.writeFileSync(labelFile, ['request_id,label', ...[...labels].map(([id, l]) => `${id},${l}`)].join('\n') + '\n');
    await invoke(engine, 'monitor.labels', { ref: 'rawbench', files: [labelFile] });
    await measure(engine, dir, home, opts.rows, labels);
  } finally {
    engine.close();
  }
}

/** RFC 4180 field, as a JavaScript join writes it. */
const field = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const t = typeof v === 'string' ? v : String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/**
 * The baseline: the join in plain JavaScript over the NDJSON files (each line parsed, its label
 * looked up in a Map, the cells formatted and written), as the product did it until session 11.
 */
function jsJoin(files: string[], labels: Map<string, string>, out: string): number {
  const fd = fs.openSync(out, 'w');
  let n = 0;
  try {
    fs.writeSync(fd, [...FEATURES, 'y'].join(',') + '\n');
    for (const f of files) {
      const lines: string[] = [];
      for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
        if (!line) continue;
        const rec = JSON.parse(line) as { requestId: string; features: Record<string, unknown> };
        const label = labels.get(rec.requestId);
        if (label === undefined) continue;
        lines.push([...FEATURES.map((c) => field(rec.features[c])), field(label)].join(','));
        n++;
      }
      if (lines.length) fs.writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

async function measure(engine: Engine, dir: string, home: string, rows: number, labels: Map<string, string>): Promise<void> {
  const labelled = labels.size;
  const mon = engine.monitoring;
  const { first, last } = mon.repo.bounds('rawbench');
  if (first === null || last === null) throw new Error('nothing ingested');
  const to = last + HOUR;
  // Window files (a segment key is `<file>#<from>-<to>`).
  const filesOf = (list: { file: string }[]) => [...new Set(list.map((s) => path.join(home, s.file.replace(/#.*$/, ''))))];
  const files = filesOf(mon.repo.segments('rawbench', first, to));
  const lastDay = filesOf(mon.repo.segments('rawbench', to - 24 * HOUR, to));
  const ndjsonBytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  console.log(`INFO  raw rows: ${rows} logged rows in ${files.length} window files (${(ndjsonBytes / 1e6).toFixed(0)} MB NDJSON), ${labelled} labelled; load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);

  // --- baselines: JavaScript over the NDJSON files ---
  const js = await timed(() => jsJoin(files, labels, path.join(dir, 'raw-js.csv')));
  if (js.value !== labelled) throw new Error(`the JavaScript join wrote ${js.value} rows, ${labelled} are labelled`);
  const jsSlice = await timed(() => {
    let sum = 0;
    let n = 0;
    for (const f of lastDay) {
      for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
        if (!line) continue;
        sum += (JSON.parse(line) as { features: { x0: number } }).features.x0;
        n++;
      }
    }
    return { mean: sum / n, n };
  });
  const line = (what: string, t: Timed, base: Timed, extra = '') =>
    console.log(`INFO  ${what}: ${t.ms.toFixed(0)} ms wall, ${t.cpuMs.toFixed(0)} ms CPU of this process${extra}  ratio ${(t.ms / base.ms).toFixed(2)} of the JavaScript baseline`);
  line('baseline join: labelled rows -> CSV, JavaScript over NDJSON', js, js);
  line(`baseline slice: mean of x0 over the last 24 h (${jsSlice.value.n} rows), JavaScript over NDJSON`, jsSlice, jsSlice);

  // --- the product: DuckDB over the landing NDJSON, sealing, DuckDB over the Parquet parts ---
  const join = (out: string) => timed(() => mon.logRows({ ref: 'rawbench', from: first, to, labelledOnly: true }, out));
  const fromNdjson = await join(path.join(dir, 'raw-ndjson.csv'));
  if (fromNdjson.value.rows !== labelled) throw new Error(`logRows wrote ${fromNdjson.value.rows} rows, ${labelled} are labelled`);
  report({ name: 'raw rows: join (monitor.toDataset) over NDJSON not sealed yet', value: `${fromNdjson.ms.toFixed(0)} ms vs JavaScript ${js.ms.toFixed(0)} ms`, ratio: fromNdjson.ms / js.ms, target: '<= 0.75x the JavaScript join (the landing form: read only for windows not sealed yet)', pass: fromNdjson.ms <= 0.75 * js.ms });

  const seal = await timed(() => mon.compaction.run());
  if (seal.value.rows !== rows || seal.value.failed.length) throw new Error(`sealing: ${JSON.stringify({ ...seal.value, failed: seal.value.failed.slice(0, 3) })}`);
  const parts = mon.repo.parts('rawbench', first, to);
  const partBytes = parts.reduce((n, p) => n + fs.statSync(path.join(home, p.file)).size, 0);
  line(`sealing: ${seal.value.sealed} window files -> Parquet parts (DuckDB, zstd; background work of a live app)`, seal, js, ` (${(partBytes / 1e6).toFixed(0)} MB of parts)`);
  report({ name: 'raw rows: size of the Parquet parts against the NDJSON they replace', value: `${(partBytes / 1e6).toFixed(0)} MB vs ${(ndjsonBytes / 1e6).toFixed(0)} MB`, ratio: partBytes / ndjsonBytes, target: '<= 0.35x', pass: partBytes <= 0.35 * ndjsonBytes });

  const sealedOut = path.join(dir, 'raw-parts.csv');
  const fromParts = await join(sealedOut);
  const same = fs.readFileSync(sealedOut).equals(fs.readFileSync(path.join(dir, 'raw-ndjson.csv')));
  report({ name: 'raw rows: join over Parquet parts', value: `${fromParts.ms.toFixed(0)} ms vs JavaScript ${js.ms.toFixed(0)} ms (CSV ${same ? 'byte-identical to' : 'DIFFERS from'} the NDJSON read)`, ratio: fromParts.ms / js.ms, target: '<= 0.25x the JavaScript join, same bytes', pass: fromParts.ms <= 0.25 * js.ms && same });

  const dayParts = mon.repo.parts('rawbench', to - 24 * HOUR, to).map((p) => path.join(home, p.file));
  const slice = await timed(() => mon.duck.use((con) => con.runAndReadAll(`SELECT avg("f:x0") FROM read_parquet(${sqlList(dayParts)})`)));
  report({ name: 'raw rows: slice (mean of one feature over the last 24 h) over Parquet parts', value: `${slice.ms.toFixed(0)} ms vs JavaScript ${jsSlice.ms.toFixed(0)} ms`, ratio: slice.ms / jsSlice.ms, target: '<= 0.2x', pass: slice.ms <= 0.2 * jsSlice.ms });
}

if (process.argv[1] && /monitorRaw\.bench\.ts$/.test(process.argv[1])) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-raw-'));
  benchMonitorRaw(dir, { rows: Number(process.argv[2] ?? '1000000') }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

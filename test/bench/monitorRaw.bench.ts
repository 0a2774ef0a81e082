import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DuckDBConnection } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetRead } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { FEATURES } from '../monitoring/synthetic';
import { monitoredModel, writeLog } from './monitorIngest.bench';

/**
 * The raw logged rows at a million rows: what the issue asks to measure before choosing a form for
 * them ("an embedded analytical engine is worth measuring for slicing and joins at millions of
 * rows"). `rows` logged predictions (12 features) go in through `monitor.ingest` as four logs of two
 * days each (hourly windows), half of them get labels through `monitor.labels`; then two questions
 * of the next training are asked of the same rows, each several ways:
 * - join: every labelled row of the range with its label, as the CSV a dataset is made from
 *   (`monitor.toDataset`'s `logRows`, the product's path today);
 * - slice: one feature's mean over the last day.
 * Ways: the product's JavaScript over the append-only NDJSON files; DuckDB (`@duckdb/node-api`, all
 * cores) over the same files; both again over Parquet, one file per window (made by DuckDB's COPY
 * and by hyparquet-writer, each timed: the cost of keeping a columnar copy), read by DuckDB and by
 * hyparquet (the pure-JavaScript reader the app ships for dataset imports). Printed as INFO lines
 * with ratios against the product's path in the same run: no target, a measurement for the choice
 * (docs/MONITORING.md, "Raw rows").
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

async function openDuck(): Promise<{ con: DuckDBConnection; version: string } | null> {
  try {
    const { DuckDBInstance, version } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    return { con: await instance.connect(), version: version() };
  } catch {
    return null;
  }
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const sqlList = (files: string[]) => `[${files.map(sqlString).join(', ')}]`;
const featureStruct = FEATURES.map((f) => `${f.startsWith('c') ? `"${f}" VARCHAR` : `"${f}" DOUBLE`}`).join(', ');

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
    await measure(engine, dir, home, opts.rows, labels, labelFile);
  } finally {
    engine.close();
  }
}

async function measure(engine: Engine, dir: string, home: string, rows: number, labels: Map<string, string>, labelFile: string): Promise<void> {
  const labelled = labels.size;
  const mon = engine.monitoring;
  const { first, last } = mon.repo.bounds('rawbench');
  if (first === null || last === null) throw new Error('nothing ingested');
  const to = last + HOUR;
  const segments = mon.repo.segments('rawbench', first, to);
  // Window files (a segment key is `<file>#<from>-<to>`).
  const filesOf = (list: { file: string }[]) => [...new Set(list.map((s) => path.join(home, s.file.replace(/#.*$/, ''))))];
  const files = filesOf(segments);
  const ndjsonBytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  const lastDay = filesOf(mon.repo.segments('rawbench', to - 24 * HOUR, to));
  console.log(`INFO  raw rows: ${rows} logged rows in ${files.length} window files (${(ndjsonBytes / 1e6).toFixed(0)} MB NDJSON), ${labelled} labelled; load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);

  // --- the product's path: JavaScript over the NDJSON files ---
  const jsOut = path.join(dir, 'raw-js.csv');
  const js = await timed(() => mon.logRows({ ref: 'rawbench', from: first, to, labelledOnly: true }, jsOut));
  if (js.value.rows !== labelled) throw new Error(`logRows wrote ${js.value.rows} rows, ${labelled} are labelled`);
  const jsSlice = await timed(() => {
    let sum = 0;
    let n = 0;
    for (const f of lastDay) {
      for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
        if (!line) continue;
        const x = (JSON.parse(line) as { features: { x0: number } }).features.x0;
        sum += x;
        n++;
      }
    }
    return { mean: sum / n, n };
  });
  const line = (what: string, t: Timed, base: Timed, extra = '') =>
    console.log(`INFO  ${what}: ${t.ms.toFixed(0)} ms wall, ${t.cpuMs.toFixed(0)} ms CPU of this process${extra}  ratio ${(t.ms / base.ms).toFixed(2)} of the product's path`);
  line(`join: labelled rows -> CSV, JavaScript over NDJSON (monitor.toDataset's logRows)`, js, js);
  line(`slice: mean of x0 over the last 24 h (${jsSlice.value.n} rows), JavaScript over NDJSON`, jsSlice, jsSlice);

  const duck = await openDuck();
  if (!duck) {
    console.log('SKIP  raw rows through DuckDB: @duckdb/node-api is not installed (npm ci installs it as a devDependency)');
  } else {
    const { con } = duck;
    const readJson = (list: string[]) => `read_json(${sqlList(list)}, format = 'newline_delimited', columns = {requestId: 'VARCHAR', "time": 'DOUBLE', version: 'INTEGER', alias: 'VARCHAR', features: 'STRUCT(${featureStruct})', latencyMs: 'DOUBLE'})`;
    const cols = FEATURES.map((f) => `r.features."${f}"`).join(', ');
    const duckOut = path.join(dir, 'raw-duck.csv');
    const labelsSql = `CREATE OR REPLACE TABLE labels AS SELECT * FROM read_csv(${sqlString(labelFile)}, header = true, columns = {request_id: 'VARCHAR', label: 'VARCHAR'})`;
    const dj = await timed(async () => {
      await con.run(labelsSql);
      await con.run(`COPY (SELECT ${cols}, l.label FROM ${readJson(files)} r JOIN labels l ON r.requestId = l.request_id) TO ${sqlString(duckOut)} (HEADER)`);
    });
    line(`join, DuckDB ${duck.version} over the NDJSON files (labels read from CSV; all cores)`, dj, js);
    const ds = await timed(() => con.runAndReadAll(`SELECT avg(features.x0) FROM ${readJson(lastDay)}`));
    line(`slice, DuckDB over NDJSON`, ds, jsSlice);

    // --- a columnar copy: one Parquet file per window ---
    const pqDuckDir = path.join(dir, 'raw-pq-duck');
    fs.mkdirSync(pqDuckDir);
    const pqOf = (d: string, f: string) => path.join(d, path.basename(f).replace(/\.ndjson$/, '.parquet'));
    const dc = await timed(async () => {
      for (const f of files) await con.run(`COPY (SELECT requestId, "time", version, alias, features.*, latencyMs FROM ${readJson([f])}) TO ${sqlString(pqOf(pqDuckDir, f))} (FORMAT parquet)`);
    });
    const pqBytes = files.reduce((s, f) => s + fs.statSync(pqOf(pqDuckDir, f)).size, 0);
    line(`columnar copy: every window's NDJSON -> Parquet by DuckDB COPY`, dc, js, ` (${(pqBytes / 1e6).toFixed(0)} MB Parquet)`);
    const pqFiles = files.map((f) => pqOf(pqDuckDir, f));
    const pqLastDay = lastDay.map((f) => pqOf(pqDuckDir, f));
    const flat = FEATURES.map((f) => `r."${f}"`).join(', ');
    const dpj = await timed(async () => {
      await con.run(labelsSql);
      await con.run(`COPY (SELECT ${flat}, l.label FROM read_parquet(${sqlList(pqFiles)}) r JOIN labels l ON r.requestId = l.request_id) TO ${sqlString(duckOut)} (HEADER)`);
    });
    line(`join, DuckDB over Parquet`, dpj, js);
    const dps = await timed(() => con.runAndReadAll(`SELECT avg(x0) FROM read_parquet(${sqlList(pqLastDay)})`));
    line(`slice, DuckDB over Parquet`, dps, jsSlice);
  }

  // --- the same in JavaScript: hyparquet-writer for the copy, hyparquet (shipped) to read it ---
  const pqJsDir = path.join(dir, 'raw-pq-js');
  fs.mkdirSync(pqJsDir);
  const jc = await timed(() => {
    for (const f of files) {
      const recs = fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l)
        .map((l) => JSON.parse(l) as { requestId: string; time: number; version: number; features: Record<string, number | string> });
      parquetWriteFile({
        filename: path.join(pqJsDir, path.basename(f).replace(/\.ndjson$/, '.parquet')),
        columnData: [
          { name: 'requestId', data: recs.map((r) => r.requestId), type: 'STRING' },
          { name: 'time', data: Float64Array.from(recs, (r) => r.time), type: 'DOUBLE' },
          ...FEATURES.map((c) => (c.startsWith('c') ? { name: c, data: recs.map((r) => r.features[c] as string), type: 'STRING' as const } : { name: c, data: Float64Array.from(recs, (r) => r.features[c] as number), type: 'DOUBLE' as const })),
        ],
      });
    }
  });
  const jsPq = files.map((f) => path.join(pqJsDir, path.basename(f).replace(/\.ndjson$/, '.parquet')));
  line(`columnar copy: every window's NDJSON -> Parquet by hyparquet-writer (JavaScript)`, jc, js, ` (${(jsPq.reduce((s, f) => s + fs.statSync(f).size, 0) / 1e6).toFixed(0)} MB)`);
  const readColumns = async (file: string, columns: string[]): Promise<unknown[][]> => {
    let out: unknown[][] = [];
    await parquetRead({ file: await asyncBufferFromFile(file), columns, rowFormat: 'array', onComplete: (r: unknown[][]) => (out = r) });
    return out;
  };
  const hj = await timed(async () => {
    const fd = fs.openSync(path.join(dir, 'raw-hyparquet.csv'), 'w');
    let n = 0;
    try {
      fs.writeSync(fd, [...FEATURES, 'y'].join(',') + '\n');
      for (const f of jsPq) {
        const out: string[] = [];
        for (const r of await readColumns(f, ['requestId', ...FEATURES])) {
          const label = labels.get(r[0] as string);
          if (label === undefined) continue;
          out.push([...r.slice(1), label].join(','));
          n++;
        }
        if (out.length) fs.writeSync(fd, out.join('\n') + '\n');
      }
    } finally {
      fs.closeSync(fd);
    }
    return n;
  });
  if (hj.value !== labelled) throw new Error(`hyparquet join wrote ${hj.value} rows, ${labelled} are labelled`);
  line(`join, hyparquet over Parquet (JavaScript, labels in a Map as the product has them)`, hj, js);
  const hs = await timed(async () => {
    let sum = 0;
    for (const f of lastDay.map((x) => path.join(pqJsDir, path.basename(x).replace(/\.ndjson$/, '.parquet')))) for (const r of await readColumns(f, ['x0'])) sum += r[0] as number;
    return sum;
  });
  line(`slice, hyparquet over Parquet`, hs, jsSlice);
}

if (process.argv[1] && /monitorRaw\.bench\.ts$/.test(process.argv[1])) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-raw-'));
  benchMonitorRaw(dir, { rows: Number(process.argv[2] ?? '1000000') }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

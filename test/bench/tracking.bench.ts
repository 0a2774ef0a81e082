import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine } from '../../src/main/engine/engine';
import { downsampleIndices } from '../../src/main/engine/tracking/downsample';
import { startServer } from '../../src/main/server/server';
import { median, report, time } from './harness';
import { seedRuns } from './seedRuns';

/**
 * Tracking targets from the experiments issue: metric ingest against raw better-sqlite3 inserts of the
 * same rows, MLflow log-batch over loopback HTTP, downsampling a 1M-point series, and a filtered,
 * sorted page of 10k runs.
 */

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function rawInsertRate(dir: string, n: number): number {
  const raw = new Database(path.join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec('CREATE TABLE m (series_id INTEGER, step INTEGER, timestamp INTEGER, value REAL); CREATE INDEX mi ON m(series_id, step);');
  const ins = raw.prepare('INSERT INTO m VALUES (?, ?, ?, ?)');
  const tx = raw.transaction((from: number, to: number, ts: number) => {
    for (let i = from; i < to; i++) ins.run(i % 10, i, ts, i * 0.5);
  });
  const t = performance.now();
  for (let i = 0; i < n; i += 10_000) tx(i, i + 10_000, Date.now());
  const rate = n / ((performance.now() - t) / 1000);
  raw.close();
  return rate;
}

function postJson(port: number, agent: http.Agent, token: string, p: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: p, agent, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function benchTracking(dir: string, opts: { points: number; runs: number }): Promise<void> {
  const engine = await createEngine({ home: path.join(dir, 'tracking-home'), sample: false, door: 'test' });
  try {
    const N = opts.points;
    const rawRate = rawInsertRate(dir, N);
    const run = await invoke(engine, 'runs.create', { experiment: 'bench' });
    const log = engine.tracking.runs.logger(run.id);
    const keys = Array.from({ length: 10 }, (_, k) => `m${k}`);
    const ingest = await time(() => {
      for (let i = 0; i < N; i++) log.log(keys[i % 10], i * 0.5, i);
      log.flush();
    });
    const rate = N / (ingest.ms / 1000);
    report({ name: 'engine metric ingest (buffered logger)', value: `${fmt(rate)} points/s vs raw better-sqlite3 ${fmt(rawRate)}`, ratio: rate / rawRate, target: '>= 500k/s and >= 0.33x raw', pass: rate >= 500_000 && rate / rawRate >= 1 / 3 });

    // MLflow log-batch, 1000 points per call, one keep-alive client.
    const server = await startServer({ engine, token: 'bench' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const mlRun = await invoke(engine, 'runs.create', { experiment: 'bench' });
    const calls = 200;
    const bodies = Array.from({ length: calls }, (_, c) =>
      JSON.stringify({ run_id: mlRun.id, metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.random(), timestamp: Date.now(), step: c * 100 + Math.floor(i / 10) })) }),
    );
    const http1 = await time(async () => {
      for (const body of bodies) await postJson(server.port, agent, 'bench', '/api/2.0/mlflow/runs/log-batch', body);
    });
    agent.destroy();
    await server.close();
    const httpRate = (calls * 1000) / (http1.ms / 1000);
    report({ name: 'HTTP log-batch, 1000 points/call', value: `${fmt(httpRate)} points/s`, ratio: httpRate / 100_000, target: '>= 100k/s', pass: httpRate >= 100_000 });

    // Downsampling a 1M-point series.
    const M = 1_000_000;
    const xs = new Float64Array(M).map((_, i) => i);
    const ys = new Float64Array(M).map((_, i) => Math.sin(i / 1000) + Math.random() * 0.1);
    const lt: number[] = [];
    for (let k = 0; k < 9; k++) lt.push((await time(() => downsampleIndices(xs, ys, 2000))).ms);
    report({ name: 'downsample 1M points to 2000 (LTTB, min/max kept)', value: `median ${median(lt).toFixed(1)} ms`, ratio: median(lt) / 50, target: '< 50 ms', pass: median(lt) < 50 });
    const big = await invoke(engine, 'runs.create', { experiment: 'bench' });
    const bl = engine.tracking.runs.logger(big.id);
    for (let i = 0; i < M; i++) bl.log('loss', ys[i], i);
    bl.flush();
    const ht: number[] = [];
    for (let k = 0; k < 5; k++) ht.push((await time(() => invoke(engine, 'runs.metricHistory', { runId: big.id, key: 'loss', maxPoints: 2000 }))).ms);
    report({ name: 'runs.metricHistory of 1M points incl. SQLite read', value: `median ${median(ht).toFixed(0)} ms`, target: 'informational', pass: true });

    // 10k runs x 20 params x 10 metrics.
    const expId = await seedRuns(engine, 'big', opts.runs);
    engine.db.pragma('optimize');
    const times: number[] = [];
    const queries = [
      { query: 'metrics.metric_1 > 0.5 and params.optimizer = "adam" order by metrics.metric_2 desc' },
      { query: 'params.lr = "0.01" and (tags.team = "ml" or status = "finished")', orderBy: 'max(metrics.metric_3) desc' },
      { query: '', orderBy: 'params.p7 asc' },
      { query: 'metrics.metric_0 < 0.3', orderBy: 'name desc' },
    ];
    for (const q of queries) for (let k = 0; k < 5; k++) times.push((await time(() => invoke(engine, 'runs.search', { ...q, experimentIds: [expId], limit: 100 }))).ms);
    const med = median(times);
    report({ name: `filtered, sorted page of ${fmt(opts.runs)} runs (4 queries x 5)`, value: `median ${med.toFixed(1)} ms`, ratio: med / 150, target: '< 150 ms', pass: med < 150 });
  } finally {
    engine.close();
  }
}

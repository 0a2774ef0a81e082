/**
 * Rough tracking figures (issue 3 targets), run with: npx tsx test/bench/tracking.ts
 * Prints ratios against a raw better-sqlite3 baseline measured in the same process.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { invoke } from '../../src/main/engine/dispatch';
import { downsampleIndices } from '../../src/main/engine/tracking/downsample';
import { tempEngine } from '../helpers';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main() {
  const { engine, home, cleanup } = await tempEngine();
  try {
    const N = 1_000_000;
    // Raw baseline: the same rows into the same schema shape, one prepared insert, one transaction per 10k.
    const raw = new Database(path.join(home, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.exec('CREATE TABLE m (series_id INTEGER, step INTEGER, timestamp INTEGER, value REAL); CREATE INDEX mi ON m(series_id, step);');
    const ins = raw.prepare('INSERT INTO m VALUES (?, ?, ?, ?)');
    const rawTx = raw.transaction((from: number, to: number, ts: number) => {
      for (let i = from; i < to; i++) ins.run(i % 10, i, ts, i * 0.5);
    });
    let t = performance.now();
    for (let i = 0; i < N; i += 10_000) rawTx(i, i + 10_000, Date.now());
    const rawRate = N / ((performance.now() - t) / 1000);
    raw.close();

    // Engine, buffered logger (what trainers and `lathe run` use).
    const run = await invoke(engine, 'runs.create', { experiment: 'bench' });
    const log = engine.tracking.runs.logger(run.id);
    const keys = Array.from({ length: 10 }, (_, k) => `m${k}`);
    t = performance.now();
    for (let i = 0; i < N; i++) log.log(keys[i % 10], i * 0.5, i);
    log.flush();
    const loggerRate = N / ((performance.now() - t) / 1000);

    // Engine, contract call runs.logMetrics with 10k-point batches (validated by the zod schema).
    const run2 = await invoke(engine, 'runs.create', { experiment: 'bench' });
    const batches = Array.from({ length: 50 }, (_, b) => Array.from({ length: 10_000 }, (_, i) => ({ key: keys[i % 10], value: i * 0.5, step: b * 10_000 + i, timestamp: 1 })));
    t = performance.now();
    for (const metrics of batches) await invoke(engine, 'runs.logMetrics', { runId: run2.id, metrics });
    const callRate = 500_000 / ((performance.now() - t) / 1000);

    // Engine method without the schema (in-process callers that already hold typed data).
    const run3 = await invoke(engine, 'runs.create', { experiment: 'bench' });
    t = performance.now();
    for (const metrics of batches) engine.tracking.runs.logMetrics(run3.id, metrics);
    const methodRate = 500_000 / ((performance.now() - t) / 1000);

    console.log(`ingest raw better-sqlite3:        ${fmt(rawRate)} points/s`);
    console.log(`ingest engine logger (buffered):  ${fmt(loggerRate)} points/s  (${(loggerRate / rawRate).toFixed(2)}x raw)`);
    console.log(`ingest runs.logMetrics via dispatch (10k/call): ${fmt(callRate)} points/s  (${(callRate / rawRate).toFixed(2)}x raw)`);
    console.log(`ingest RunService.logMetrics (10k/call): ${fmt(methodRate)} points/s  (${(methodRate / rawRate).toFixed(2)}x raw)`);

    // A 1M-point series: read + downsample through the contract, and LTTB alone.
    const big = await invoke(engine, 'runs.create', { experiment: 'bench' });
    const bl = engine.tracking.runs.logger(big.id);
    for (let i = 0; i < N; i++) bl.log('loss', Math.sin(i / 1000) + Math.random() * 0.1, i);
    bl.flush();
    const xs = new Float64Array(N).map((_, i) => i);
    const ys = new Float64Array(N).map((_, i) => Math.sin(i / 1000) + Math.random() * 0.1);
    const lt: number[] = [];
    for (let k = 0; k < 7; k++) {
      t = performance.now();
      downsampleIndices(xs, ys, 2000);
      lt.push(performance.now() - t);
    }
    const ht: number[] = [];
    for (let k = 0; k < 5; k++) {
      t = performance.now();
      await invoke(engine, 'runs.metricHistory', { runId: big.id, key: 'loss', maxPoints: 2000 });
      ht.push(performance.now() - t);
    }
    console.log(`LTTB 1M -> 2000 points: median ${median(lt).toFixed(1)} ms; runs.metricHistory incl. SQLite read: median ${median(ht).toFixed(0)} ms`);

    // 10k runs x 20 params x 10 metrics (5 points each): a filtered, sorted page.
    const exp = await invoke(engine, 'experiments.create', { name: 'big' });
    const db = engine.db;
    t = performance.now();
    const opts = ['adam', 'sgd', 'rmsprop', 'adagrad'];
    for (let r = 0; r < 10_000; r++) {
      const params: Record<string, string> = { optimizer: opts[r % 4], lr: String([0.1, 0.01, 0.001][r % 3]) };
      for (let p = 2; p < 20; p++) params[`p${p}`] = String((r * p) % 97);
      const created = engine.tracking.runs.create({ experimentId: exp.id, source: 'api', notes: '', params, tags: { team: r % 2 ? 'ml' : 'data' }, inputs: [], name: `run-${r}` });
      const points = [];
      for (let m = 0; m < 10; m++) for (let s = 0; s < 5; s++) points.push({ key: `metric_${m}`, value: Math.random(), step: s });
      engine.tracking.runs.logMetrics(created.id, points);
      if (r % 3 === 0) engine.tracking.runs.update({ id: created.id, status: 'finished' });
    }
    console.log(`seeded 10k runs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    db.pragma('optimize');
    const queries = [
      { query: 'metrics.metric_1 > 0.5 and params.optimizer = "adam" order by metrics.metric_2 desc' },
      { query: 'params.lr = "0.01" and (tags.team = "ml" or status = "finished")', orderBy: 'max(metrics.metric_3) desc' },
      { query: '', orderBy: 'params.p7 asc' },
      { query: 'metrics.metric_0 < 0.3', orderBy: 'name desc' },
    ];
    for (const q of queries) {
      const times: number[] = [];
      let total = 0;
      for (let k = 0; k < 7; k++) {
        t = performance.now();
        const page = await invoke(engine, 'runs.search', { ...q, experimentIds: [exp.id], limit: 100 });
        times.push(performance.now() - t);
        total = page.total;
      }
      console.log(`runs page (100 of ${total}) for ${JSON.stringify(q)}: median ${median(times).toFixed(1)} ms`);
    }
    console.log(`database: ${(fs.statSync(path.join(home, 'lathe.db')).size / 1e6).toFixed(0)} MB`);
  } finally {
    cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { startServer, type RunningServer } from '../../src/main/server/server';
import { tempEngine } from '../helpers';

/**
 * Where the MLflow door used to differ from MLflow's documented behaviour, one test each, over real
 * HTTP on loopback; then npm's `mlflow` client package driving the door as a Node script would.
 */

const TOKEN = 'mlflow-compat-token';
let server: RunningServer;
let engine: Engine;
let cleanup: () => void;
let base: string;

beforeAll(async () => {
  const t = await tempEngine();
  engine = t.engine;
  cleanup = t.cleanup;
  server = await startServer({ engine, token: TOKEN });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  cleanup();
});

const auth = { Authorization: `Bearer ${TOKEN}` };
// MLflow's JSON, read field by field in the assertions below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;
async function post(name: string, body: unknown): Promise<{ status: number; json: Body }> {
  const r = await fetch(`${base}/api/2.0/mlflow/${name}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Body };
}
async function get(name: string, query: Record<string, string>): Promise<{ status: number; json: Body }> {
  const r = await fetch(`${base}/api/2.0/mlflow/${name}?${new URLSearchParams(query)}`, { headers: auth });
  return { status: r.status, json: (await r.json()) as Body };
}

async function finishedRun(): Promise<string> {
  const exp = await post('experiments/create', { name: `done-${Math.random().toString(36).slice(2)}` });
  const run = await post('runs/create', { experiment_id: exp.json.experiment_id, start_time: Date.now() - 1000 });
  const id = run.json.run.info.run_id as string;
  await post('runs/log-metric', { run_id: id, key: 'loss', value: 0.5, timestamp: Date.now(), step: 0 });
  expect((await post('runs/update', { run_id: id, status: 'FINISHED', end_time: Date.now() })).status).toBe(200);
  return id;
}

describe('MLflow compatibility', () => {
  it('takes metrics, params, tags and artifacts after a run has FINISHED, and leaves it FINISHED', async () => {
    const id = await finishedRun();
    const before = await get('runs/get', { run_id: id });
    expect((await post('runs/log-metric', { run_id: id, key: 'test_acc', value: 0.91, timestamp: Date.now(), step: 0 })).status).toBe(200);
    expect((await post('runs/log-parameter', { run_id: id, key: 'eval_split', value: 'test' })).status).toBe(200);
    expect(
      (await post('runs/log-batch', { run_id: id, metrics: [{ key: 'test_f1', value: 0.8, timestamp: Date.now(), step: 0 }], params: [{ key: 'seed', value: '7' }] })).status,
    ).toBe(200);
    const info = before.json.run.info;
    const put = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${info.experiment_id}/${id}/artifacts/report.txt`, { method: 'PUT', headers: auth, body: 'after the end' });
    expect(put.status).toBe(200);

    const after = (await get('runs/get', { run_id: id })).json.run;
    expect(after.info.status).toBe('FINISHED');
    expect(after.info.end_time).toBe(info.end_time);
    const metrics = Object.fromEntries(after.data.metrics.map((m: Body) => [m.key, m.value]));
    expect(metrics).toMatchObject({ loss: 0.5, test_acc: 0.91, test_f1: 0.8 });
    expect(Object.fromEntries(after.data.params.map((p: Body) => [p.key, p.value]))).toMatchObject({ eval_split: 'test', seed: '7' });
    expect((await invoke(engine, 'runs.artifacts.list', { runId: id, path: '' })).map((f) => f.path)).toContain('report.txt');
  });

  it('still refuses a deleted run, and a param rewritten with another value after the end', async () => {
    const id = await finishedRun();
    await post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' });
    expect((await post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.2' })).status).toBe(400);
    await post('runs/delete', { run_id: id });
    const r = await post('runs/log-metric', { run_id: id, key: 'x', value: 1, timestamp: 1, step: 0 });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/trash/);
  });

  it('experiments/search applies an exact-name filter before paging', async () => {
    for (let i = 0; i < 30; i++) await post('experiments/create', { name: `page-${String(i).padStart(2, '0')}` });
    // The oldest one: on the last page of an unfiltered listing.
    const one = await post('experiments/search', { filter: "name = 'page-00'", max_results: 1 });
    expect(one.status).toBe(200);
    expect(one.json.experiments.map((e: Body) => e.name)).toEqual(['page-00']);
    expect(one.json.next_page_token).toBeUndefined();
    const none = await post('experiments/search', { filter: "name = 'page-99'", max_results: 1 });
    expect(none.json.experiments ?? []).toEqual([]);
    // LIKE pages through every match, and only the matches.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await post('experiments/search', { filter: "name LIKE 'page-1%'", max_results: 4, ...(token ? { page_token: token } : {}) });
      seen.push(...page.json.experiments.map((e: Body) => e.name as string));
      token = page.json.next_page_token;
    } while (token);
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `page-1${i}`));
  });

  it('serves GET experiments/search with the fields in the query string', async () => {
    await post('experiments/create', { name: 'by-get' });
    const r = await get('experiments/search', { filter: "name = 'by-get'", max_results: '5' });
    expect(r.status).toBe(200);
    expect(r.json.experiments.map((e: Body) => e.name)).toEqual(['by-get']);
    const all = await get('experiments/search', { max_results: '1000', view_type: 'ALL' });
    expect(all.json.experiments.length).toBeGreaterThan(30);
  });

  it('metrics/get-history without max_results returns every point', async () => {
    const run = await invoke(engine, 'runs.create', { experiment: 'history' });
    const n = 30_000; // more than the 25,000 the door used to stop at
    for (let s = 0; s < n; s += 1000) {
      await invoke(engine, 'runs.logMetrics', { runId: run.id, metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (s + i + 1), step: s + i })) });
    }
    const all = await get('metrics/get-history', { run_id: run.id, metric_key: 'loss' });
    expect(all.status).toBe(200);
    expect(all.json.metrics).toHaveLength(n);
    expect(all.json.metrics[n - 1]).toMatchObject({ key: 'loss', step: n - 1 });
    expect(all.json.next_page_token).toBeUndefined();
    // With max_results it pages.
    const first = await get('metrics/get-history', { run_id: run.id, metric_key: 'loss', max_results: '100' });
    expect(first.json.metrics).toHaveLength(100);
    const second = await get('metrics/get-history', { run_id: run.id, metric_key: 'loss', max_results: '100', page_token: first.json.next_page_token });
    expect(second.json.metrics[0].step).toBe(100);
  });
});

describe("npm's mlflow client package against the door", () => {
  // mlflow@2 on npm: a thin REST client (Experiments, Runs, Metrics, Artifacts); it sends the token as a header.
  const load = createRequire(import.meta.url);
  type Client = Record<'Experiments' | 'Runs' | 'Metrics' | 'Artifacts', Record<string, (input: object) => Promise<Body>>>;
  let MLflow: (new (opts: { endpoint: string; headers: Record<string, string> }) => Client) | null;
  try {
    MLflow = load('mlflow').default ?? load('mlflow');
  } catch {
    MLflow = null;
  }
  const why = "npm's mlflow package is not installed (it is a devDependency: npm install)";

  it('creates an experiment and a run, logs to it, ends it, logs a test metric after, and reads it all back', async (ctx) => {
    if (!MLflow) {
      console.log(`SKIPPED: ${why}`);
      ctx.skip(true, why);
      return;
    }
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {}); // the client prints every POST body
    try {
      const client = new MLflow({ endpoint: base, headers: auth });
      const { Experiments, Runs, Metrics, Artifacts } = client;
      const { experiment_id } = await Experiments.create({ name: 'npm-client' });
      const listed = await Experiments.list({ view_type: 'ACTIVE_ONLY' });
      expect(listed.experiments.map((e: Body) => e.name)).toContain('npm-client');
      const { run } = await Runs.create({ experiment_id, start_time: Date.now(), tags: [{ key: 'mlflow.runName', value: 'from node' }] });
      const run_id = run.info.run_id as string;
      for (let step = 0; step < 5; step++) await Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step });
      await Runs.logParameter({ run_id, key: 'lr', value: '0.01' });
      await Runs.logBatch({ run_id, metrics: [{ key: 'acc', value: 0.9, timestamp: Date.now(), step: 4 }], params: [], tags: [{ key: 'team', value: 'ml' }] });
      await Runs.update({ run_id, status: 'FINISHED', end_time: Date.now() });
      await Runs.logMetric({ run_id, key: 'test_acc', value: 0.87, timestamp: Date.now(), step: 0 });

      const got = await Runs.get({ run_id });
      expect(got.run.info).toMatchObject({ run_id, status: 'FINISHED', run_name: 'from node' });
      const metrics = Object.fromEntries(got.run.data.metrics.map((m: Body) => [m.key, m.value]));
      expect(metrics).toEqual({ loss: 0.2, acc: 0.9, test_acc: 0.87 });
      const history = await Metrics.getHistory({ run_id, metric_key: 'loss' });
      expect(history.metrics.map((m: Body) => m.step)).toEqual([0, 1, 2, 3, 4]);
      const found = await Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.test_acc > 0.8', run_view_type: 'ACTIVE_ONLY', max_results: 10 });
      expect(found.runs.map((r: Body) => r.info.run_id)).toEqual([run_id]);
      expect((await Artifacts.list({ run_id })).files ?? []).toEqual([]);
    } finally {
      quiet.mockRestore();
    }
  });
});

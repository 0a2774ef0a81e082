import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { startServer, type RunningServer } from '../../src/main/server/server';
import { tempEngine } from '../helpers';

const TOKEN = 'mlflow-test-token';
let server: RunningServer;
let engine: Engine;
let home: string;
let cleanup: () => void;

beforeAll(async () => {
  const t = await tempEngine();
  engine = t.engine;
  home = t.home;
  cleanup = t.cleanup;
  server = await startServer({ engine, token: TOKEN });
});
afterAll(async () => {
  await server.close();
  cleanup();
});

function request(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; noAuth?: boolean; host?: string }) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of the door's answer, read loosely by the assertions
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; json: () => any }>((resolve, reject) => {
    const headers: Record<string, string> = { Host: opts.host ?? `127.0.0.1:${server.port}`, ...(opts.noAuth ? {} : { Authorization: `Bearer ${TOKEN}` }), ...opts.headers };
    const req = http.request({ host: '127.0.0.1', port: server.port, method: opts.method ?? 'GET', path: opts.path, headers, setHost: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const body = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
const post = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  request({ method: 'POST', path: `/api/2.0/mlflow/${name}`, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function newRun(experiment = 'door') {
  return invoke(engine, 'runs.create', { experiment });
}

describe('MLflow door: a stdlib Python client', () => {
  const hasPython = spawnSync('python3', ['--version']).status === 0;
  it('logs a run with metrics, params, tags and an artifact, then finds it', async (ctx) => {
    const why = 'python3 is not installed; the MLflow client script cannot run';
    if (!hasPython) console.log(`SKIPPED: ${why}`);
    ctx.skip(!hasPython, why);
    const base = `http://127.0.0.1:${server.port}`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile('python3', [path.join(__dirname, 'mlflow_client.py'), base, TOKEN], { timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const seen = JSON.parse(out);
    expect(seen.status).toBe('FINISHED');
    expect(seen.run_name).toBe('py <b>run</b>');
    expect(seen.params).toEqual({ optimizer: 'adam', lr: '0.01', epochs: '10' });
    expect(seen.tags).toMatchObject({ team: 'ml', stage: 'dev', 'mlflow.user': 'tester', 'mlflow.source.name': 'train.py', 'mlflow.runName': 'py <b>run</b>' });
    expect(seen.metrics.acc).toBeCloseTo(0.99);
    expect(seen.metrics.val_acc).toBe(0.91);
    expect(seen.loss_values).toEqual(['NaN', 'Infinity', 0.25]);
    expect(seen.proxy_list).toEqual([
      ['model card.txt', false],
      ['reports', true],
    ]);
    expect(seen.proxy_list_reports).toEqual([['summary.json', 35]]);
    expect(seen.tracking_list).toEqual([
      ['model card.txt', false],
      ['reports', true],
    ]);
    expect(seen.late_metric).toEqual([200, 0.88, 'FINISHED']);
    // And it is there for every other door.
    const run = await invoke(engine, 'runs.get', { id: seen.run_id });
    expect(run.status).toBe('finished');
    expect(run.name).toBe('py <b>run</b>');
    expect(run.metrics.loss.last).toBe(0.25);
    expect((await invoke(engine, 'runs.artifacts.read', { runId: run.id, path: 'reports/summary.json' })).kind).toBe('json');
  });
});

describe('MLflow door: bad input', () => {
  it('answers unknown run and experiment ids with 404 RESOURCE_DOES_NOT_EXIST', async () => {
    for (const r of [
      await request({ path: `/api/2.0/mlflow/runs/get?run_id=${'a'.repeat(32)}` }),
      await request({ path: '/api/2.0/mlflow/runs/get?run_id=not-a-run' }),
      await request({ path: '/api/2.0/mlflow/experiments/get?experiment_id=12345' }),
      await request({ path: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope' }),
      await post('runs/log-metric', { run_id: 'b'.repeat(32), key: 'x', value: 1, timestamp: 1, step: 0 }),
      await post('runs/create', { experiment_id: '999' }),
      await request({ path: `/api/2.0/mlflow/metrics/get-history?run_id=${'c'.repeat(32)}&metric_key=x` }),
    ]) {
      expect(r.status, r.body).toBe(404);
      expect(r.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(typeof r.json().message).toBe('string');
    }
  });

  it('refuses a duplicate experiment with RESOURCE_ALREADY_EXISTS', async () => {
    expect((await post('experiments/create', { name: 'dup' })).status).toBe(200);
    const r = await post('experiments/create', { name: 'dup' });
    expect(r.status).toBe(400);
    expect(r.json().error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('refuses logging to a deleted run; a finished run takes more (as in MLflow)', async () => {
    const a = await newRun();
    expect((await post('runs/delete', { run_id: a.id })).status).toBe(200);
    const r = await post('runs/log-batch', { run_id: a.id, metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0 }] });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(r.json().message).toMatch(/trash/);
    expect((await post('runs/restore', { run_id: a.id })).status).toBe(200);
    expect((await post('runs/log-metric', { run_id: a.id, key: 'x', value: 1, timestamp: 1, step: 0 })).status).toBe(200);
    await post('runs/update', { run_id: a.id, status: 'FINISHED' });
    expect((await post('runs/log-parameter', { run_id: a.id, key: 'p', value: '1' })).status).toBe(200);
  });

  it('refuses rewriting a param with another value', async () => {
    const a = await newRun();
    expect((await post('runs/log-parameter', { run_id: a.id, key: 'lr', value: '0.1' })).status).toBe(200);
    const r = await post('runs/log-parameter', { run_id: a.id, key: 'lr', value: '0.2' });
    expect(r.status).toBe(400);
    expect(r.json().error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(r.json().message).toMatch(/already logged as "0.1"/);
  });

  it('refuses long keys, forbidden characters and oversized values', async () => {
    const a = await newRun();
    const cases = [
      { key: 'k'.repeat(251), value: '1' },
      { key: 'bad;key', value: '1' },
      { key: '../escape', value: '1' },
      { key: '/abs', value: '1' },
      { key: 'ok', value: 'v'.repeat(6001) },
    ];
    for (const c of cases) {
      const r = await post('runs/log-parameter', { run_id: a.id, ...c });
      expect(r.status, c.key.slice(0, 20)).toBe(400);
      expect(r.json().error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    const t = await post('runs/set-tag', { run_id: a.id, key: 'note', value: 'v'.repeat(8001) });
    expect(t.status).toBe(400);
    const m = await post('runs/log-metric', { run_id: a.id, key: 'bad key!', value: 1, timestamp: 1, step: 0 });
    expect(m.status).toBe(400);
  });

  it('enforces MLflow batch limits: 1000 metrics, 100 params, 100 tags', async () => {
    const a = await newRun();
    const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    const kv = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    expect((await post('runs/log-batch', { run_id: a.id, metrics: metrics(1000) })).status).toBe(200);
    for (const body of [{ metrics: metrics(1001) }, { params: kv(101) }, { tags: kv(101) }, { metrics: metrics(950), params: kv(60) }]) {
      const r = await post('runs/log-batch', { run_id: a.id, ...body });
      expect(r.status).toBe(400);
      expect(r.json().error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.json().message).toMatch(/at most/);
    }
    expect((await invoke(engine, 'runs.get', { id: a.id })).metrics.m.count).toBe(1000);
  });

  it('says where malformed JSON broke (400) and refuses text/plain (415)', async () => {
    const bad = await request({ method: 'POST', path: '/api/2.0/mlflow/runs/create', headers: { 'Content-Type': 'application/json' }, body: '{\n "experiment_id": }' });
    expect(bad.status).toBe(400);
    expect(bad.json().error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.json().message).toMatch(/line 2/);
    const text = await request({ method: 'POST', path: '/api/2.0/mlflow/runs/create', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
  });

  it('applies the token, host and origin checks first', async () => {
    expect((await request({ path: '/api/2.0/mlflow/experiments/get?experiment_id=0', noAuth: true })).status).toBe(401);
    expect((await request({ path: '/api/2.0/mlflow/experiments/get?experiment_id=0', headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await request({ path: '/api/2.0/mlflow/experiments/get?experiment_id=0', host: `evil.example:${server.port}` })).status).toBe(403);
    const xo = await post('experiments/create', { name: 'xo' }, { Origin: 'http://evil.example' });
    expect(xo.status).toBe(403);
    expect((await invoke(engine, 'experiments.list', {})).map((e) => e.name)).not.toContain('xo');
    const ok = await request({ path: '/api/2.0/mlflow/experiments/get?experiment_id=0' });
    expect(ok.json().experiment.name).toBe('Default');
  });

  it('refuses artifact traversal in every spelling and writes nothing outside the run', async () => {
    const a = await newRun();
    const base = `/api/2.0/mlflow-artifacts/artifacts/${a.experimentId}/${a.id}/artifacts`;
    const before = fs.readdirSync(home).sort();
    const bad = [
      `${base}/../../../../evil.txt`,
      `${base}/%2e%2e/%2e%2e/evil.txt`,
      `${base}/%2E%2E%2Fevil.txt`,
      `${base}/%252e%252e/%252e%252e/evil.txt`,
      `${base}/..%5c..%5cevil.txt`,
      `${base}/a\\..\\evil.txt`,
      `${base}//etc/passwd`,
      `${base}/%2fetc%2fpasswd`,
      `${base}/C:%5cevil.txt`,
      `${base}/a%00b.txt`,
      `${base}/./x.txt`,
      `/api/2.0/mlflow-artifacts/artifacts/../../lathe.db`,
      `/api/2.0/mlflow-artifacts/artifacts/%2e%2e/lathe.db`,
    ];
    for (const p of bad) {
      const put = await request({ method: 'PUT', path: p, headers: { 'Content-Type': 'text/plain' }, body: 'pwned' });
      expect(put.status, `PUT ${p}`).toBe(400);
      expect(put.json().error_code).toBe('INVALID_PARAMETER_VALUE');
      const get = await request({ path: p });
      expect(get.status, `GET ${p}`).toBe(400);
    }
    for (const p of ['../../x', '%2e%2e/x', `${a.experimentId}/${a.id}/artifacts/../../x`, `${a.experimentId}/${a.id}/artifacts/%2e%2e`]) {
      const list = await request({ path: `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(p)}` });
      expect(list.status, `list ${p}`).toBe(400);
    }
    expect(fs.readdirSync(home).sort()).toEqual(before);
    expect(fs.existsSync(path.join(home, '..', 'evil.txt'))).toBe(false);
    expect(await invoke(engine, 'runs.artifacts.list', { runId: a.id })).toEqual([]);
    // The run and experiment in the path must match.
    const wrong = await request({ method: 'PUT', path: `/api/2.0/mlflow-artifacts/artifacts/0/${a.id}/artifacts/x.txt`, body: 'x' });
    expect(wrong.status).toBe(404);
  });

  it('stores HTML run names verbatim and returns them as JSON text', async () => {
    const name = '<script>alert("x")</script>';
    const r = await post('runs/create', { experiment_id: '0', run_name: name });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    const id = r.json().run.info.run_id;
    expect((await invoke(engine, 'runs.get', { id })).name).toBe(name);
  });

  it('pages run search and metric history with tokens', async () => {
    const e = await invoke(engine, 'experiments.create', { name: 'paging' });
    for (let i = 0; i < 5; i++) await invoke(engine, 'runs.create', { experimentId: e.id, name: `r${i}` });
    const p1 = (await post('runs/search', { experiment_ids: [e.id], max_results: 2, order_by: ['attributes.run_name ASC'] })).json();
    expect(p1.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(['r0', 'r1']);
    const p2 = (await post('runs/search', { experiment_ids: [e.id], max_results: 2, order_by: ['attributes.run_name ASC'], page_token: p1.next_page_token })).json();
    expect(p2.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(['r2', 'r3']);
    const bad = await post('runs/search', { experiment_ids: [e.id], filter: 'metrics.acc >' });
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/column/);
  });

  it('answers endpoints it does not serve with ENDPOINT_NOT_FOUND', async () => {
    const r = await post('model-versions/create', {});
    expect(r.status).toBe(404);
    expect(r.json().error_code).toBe('ENDPOINT_NOT_FOUND');
  });
});

describe('MLflow door: log-batch in volume', () => {
  it('ingests 100 batches of 1000 points from one keep-alive client without losing any', async () => {
    const a = await newRun('speed');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const calls = 100;
    const bodies = Array.from({ length: calls }, (_, c) =>
      JSON.stringify({ run_id: a.id, metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.random(), timestamp: Date.now(), step: c * 100 + Math.floor(i / 10) })) }),
    );
    const t0 = performance.now();
    for (const body of bodies) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/2.0/mlflow/runs/log-batch', agent, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` } },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }
    const secs = (performance.now() - t0) / 1000;
    agent.destroy();
    console.log(`MLflow log-batch: ${Math.round((calls * 1000) / secs).toLocaleString()} points/s (${calls} calls x 1000; the target is checked by npm run bench)`);
    expect((await invoke(engine, 'runs.get', { id: a.id })).metrics.m0.count).toBe(calls * 100);
  });
});

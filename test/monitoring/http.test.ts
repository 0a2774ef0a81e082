import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/main/server/server';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { tempDir } from '../helpers';
import { logLines, trainRealModel } from './fixture';

/** The HTTP door: monitoring calls with the token like every call, and the raw NDJSON / CSV route. */
let engine: Engine;
let home: string;
let dir: string;
let server: RunningServer;
let lines: string[];
let base: string;

beforeAll(async () => {
  home = tempDir();
  dir = tempDir('lathe-monitor-http-');
  engine = await createEngine({ home, sample: false });
  await trainRealModel(engine, dir);
  ({ lines } = await logLines(engine, 'churn@1', { hours: 2, perHour: 100, start: Date.UTC(2026, 10, 28), seed: 41 }));
  server = await startServer({ engine, token: 'monitor-token', watchOtherWriters: false });
  base = `http://127.0.0.1:${server.port}`;
}, 240_000);

afterAll(async () => {
  await server.close();
  engine.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

const auth = { Authorization: 'Bearer monitor-token' };

describe('monitoring over HTTP', () => {
  it('refuses a raw ingest without the token, or with a type a cross-site form could send', async () => {
    const body = lines.join('\n');
    expect((await fetch(`${base}/api/monitor/ingest?ref=churn`, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body })).status).toBe(401);
    expect((await fetch(`${base}/api/monitor/ingest?ref=churn`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/plain' }, body })).status).toBe(415);
  });

  it('takes a raw NDJSON body, names bad lines as body:<n>, and is idempotent', async () => {
    const body = [...lines.slice(0, 150), '{oops', ...lines.slice(150)].join('\n');
    const r = await fetch(`${base}/api/monitor/ingest?ref=churn`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-ndjson' }, body });
    expect(r.status).toBe(200);
    const res = await r.json();
    expect(res).toMatchObject({ accepted: 200, malformed: 1 });
    expect(res.problems[0].where).toBe('body:151');
    const again = await (await fetch(`${base}/api/monitor/ingest?ref=churn`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-ndjson' }, body })).json();
    expect(again).toMatchObject({ accepted: 0, duplicates: 200 });
    expect(fs.readdirSync(`${home}/tmp/uploads`).filter((d) => d.startsWith('monitor-'))).toEqual([]);
  });

  it('takes labels as CSV and answers the contract calls (bulk records inline, timeline)', async () => {
    const csv = ['request_id,label', 'q0,yes', 'q1,no', 'nobody,yes'].join('\n');
    const j = await (await fetch(`${base}/api/monitor/ingest?ref=churn&kind=labels`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: csv })).json();
    expect(j).toMatchObject({ matched: 2, unmatched: 1 });
    const call = async (name: string, input: unknown) => (await (await fetch(`${base}/api/call/${name}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(input) })).json()) as { value: { windows: unknown[]; accepted: number } };
    expect((await call('monitor.ingest', { ref: 'churn', records: lines.slice(0, 5).map((l) => JSON.parse(l)) })).value.accepted).toBe(0);
    expect((await call('monitor.timeline', { ref: 'churn' })).value.windows).toHaveLength(2);
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { tempDir } from '../helpers';
import { COLS, trainRealModel } from './fixture';
import { rng, row } from './synthetic';

/**
 * The serving export started for real (node server.mjs on a loopback port), queried over HTTP, its own
 * request log ingested into the workspace, the windows seen; a full disk drops log records and counts
 * them while predictions still answer.
 */
let engine: Engine;
let home: string;
let dir: string;
let folder: string;
const children: ChildProcess[] = [];

async function start(env: Record<string, string> = {}): Promise<{ base: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(folder, 'server.mjs')], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { base, child };
}

async function stop(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const post = (base: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${base}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  home = tempDir();
  dir = tempDir('lathe-serving-');
  engine = await createEngine({ home, sample: false });
  await trainRealModel(engine, dir);
  await invoke(engine, 'models.alias', { ref: 'churn@1', alias: 'champion' });
  folder = (await invoke(engine, 'export.run', { ref: 'churn@champion', format: 'serving', out: path.join(dir, 'serving') })).outDir;
}, 240_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  engine.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the serving export logs its requests', () => {
  it('carries the reference profile and the logger', () => {
    const ref = JSON.parse(fs.readFileSync(path.join(folder, 'monitoring', 'reference.json'), 'utf8'));
    expect(ref.features.map((f: { name: string }) => f.name)).toEqual(COLS);
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'lathe-model.json'), 'utf8')).alias).toBe('champion');
    expect(fs.existsSync(path.join(folder, 'requestLog.mjs'))).toBe(true);
  });

  it('answers with request ids (given or generated), logs every row, and its log ingests into windows', async () => {
    const { base, child } = await start();
    const r = rng(3);
    const rows = Array.from({ length: 400 }, () => Object.fromEntries(COLS.map((c) => [c, row(r)[c]])));
    const one = await post(base, { rows: rows.slice(0, 1) }, { 'X-Request-Id': 'client-7' });
    expect(one.headers.get('x-request-id')).toBe('client-7');
    expect((await one.json()).requestIds).toEqual(['client-7']);
    const many = await (await post(base, { rows: rows.slice(1, 101), requestIds: rows.slice(1, 101).map((_, i) => `b-${i}`) })).json();
    expect(many.requestIds[99]).toBe('b-99');
    const gen = await (await post(base, { rows: rows.slice(101) })).json();
    expect(gen.requestIds).toHaveLength(299);
    expect(new Set(gen.requestIds).size).toBe(299);
    const health = await (await fetch(`${base}/health`)).json();
    expect(health.log).toMatchObject({ enabled: true, records: 400, dropped: 0 });
    await stop(child);
    const logs = fs.readdirSync(path.join(folder, 'logs')).map((f) => path.join(folder, 'logs', f));
    const lines = logs.flatMap((f) => fs.readFileSync(f, 'utf8').trim().split('\n'));
    expect(lines).toHaveLength(400);
    const first = JSON.parse(lines[0]);
    expect(first).toMatchObject({ requestId: 'client-7', model: 'churn', version: 1, alias: 'champion' });
    expect(first.output.probabilities).toHaveProperty('yes');
    const res = await invoke(engine, 'monitor.ingest', { ref: 'churn', files: logs });
    expect(res).toMatchObject({ accepted: 400, malformed: 0, duplicates: 0 });
    const t = await invoke(engine, 'monitor.timeline', { ref: 'churn@champion' });
    expect(t.windows.reduce((a, w) => a + w.rows, 0)).toBe(400);
    expect(t.windows[t.windows.length - 1].latencyP95).not.toBeNull();
    const labels = await invoke(engine, 'monitor.labels', { ref: 'churn', labels: [{ requestId: 'client-7', label: 'yes' }, { requestId: 'b-3', label: 'no' }] });
    expect(labels.matched).toBe(2);
  }, 60_000);

  it('LATHE_LOG=off answers the same and writes nothing', async () => {
    const logDir = path.join(dir, 'nolog');
    const { base, child } = await start({ LATHE_LOG: 'off', LATHE_LOG_DIR: logDir });
    const res = await (await post(base, { rows: [Object.fromEntries(COLS.map((c) => [c, c.startsWith('x') ? 0 : 'a']))] })).json();
    expect(res.requestIds).toHaveLength(1);
    await stop(child);
    expect(fs.existsSync(logDir)).toBe(false);
  });

  it('a full disk drops log records and counts them; predictions keep answering', async (ctx) => {
    const mnt = tempDir('lathe-fulllog-');
    const why = process.platform !== 'linux' ? 'tmpfs is Linux only' : process.getuid?.() !== 0 ? 'mounting a tmpfs needs root' : null;
    const m = why ? null : spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
    const reason = why ?? (m && m.status !== 0 ? `mount failed: ${m.stderr.trim()}` : null);
    if (reason) {
      fs.rmSync(mnt, { recursive: true, force: true });
      return ctx.skip(`full-disk serving log test needs a small tmpfs: ${reason}`);
    }
    try {
      const { base, child } = await start({ LATHE_LOG_DIR: mnt });
      const r = rng(4);
      const rows = Array.from({ length: 200 }, () => Object.fromEntries(COLS.map((c) => [c, row(r)[c]])));
      for (let k = 0; k < 10; k++) expect((await post(base, { rows })).status).toBe(200);
      await new Promise((res) => setTimeout(res, 300));
      const h = (await (await fetch(`${base}/health`)).json()).log;
      expect(h.records).toBe(2000);
      expect(h.dropped).toBeGreaterThan(0);
      expect(h.written + h.dropped).toBe(2000);
      expect(h.lastError).toBe('ENOSPC');
      // The predictions still answer after the disk filled.
      expect((await post(base, { rows: rows.slice(0, 5) })).status).toBe(200);
      await stop(child);
    } finally {
      spawnSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  }, 60_000);
});

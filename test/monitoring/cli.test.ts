import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { latheSync, requireCliBundle } from '../cliBundle';
import { tempDir } from '../helpers';
import { COLS, logLines, trainRealModel, writeLines } from './fixture';
import { modelP, rng, row } from './synthetic';

/** `lathe monitor ...` as a user runs it (the built CLI, a real workspace), and a killed ingest. */
let home: string;
let dir: string;
let logFile: string;
let truth: Map<string, string>;
const START = Date.UTC(2026, 10, 25);

function lathe(...args: string[]): { code: number | null; out: string; err: string } {
  const r = latheSync(args, { home });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  home = tempDir();
  dir = tempDir('lathe-monitor-cli-');
  const engine = await createEngine({ home, sample: false });
  await trainRealModel(engine, dir);
  await invoke(engine, 'monitor.reference', { ref: 'churn@1' });
  const log = await logLines(engine, 'churn@1', { hours: 3, perHour: 200, start: START, seed: 31 });
  truth = log.truth;
  logFile = writeLines(dir, 'log.ndjson', [...log.lines, 'not json at all']);
  engine.close();
}, 240_000);

afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lathe monitor', () => {
  it('ingest, labels, outcomes, list, alerts and report, human and --json', () => {
    const ing = lathe('monitor', 'ingest', 'churn', logFile);
    expect(ing.code, ing.err).toBe(0);
    expect(ing.out).toContain('600 rows ingested into 3 windows');
    expect(ing.out).toContain(`${logFile}:601: not JSON`);
    const again = JSON.parse(lathe('monitor', 'ingest', 'churn', logFile, '--json').out);
    expect(again).toMatchObject({ accepted: 0, duplicates: 600, malformed: 1 });

    const labels = path.join(dir, 'labels.csv');
    fs.writeFileSync(labels, ['request_id,label', ...[...truth].slice(0, 300).map(([id, l]) => `${id},${l}`), 'ghost,yes'].join('\n'));
    const lab = JSON.parse(lathe('monitor', 'labels', 'churn', labels, '--json').out);
    expect(lab).toMatchObject({ matched: 300, unmatched: 1, unmatchedIds: ['ghost'] });
    const outcomes = path.join(dir, 'outcomes.csv');
    fs.writeFileSync(outcomes, ['request_id,revenue', ...[...truth.keys()].slice(0, 50).map((id) => `${id},12.5`)].join('\n'));
    expect(JSON.parse(lathe('monitor', 'outcomes', 'churn', outcomes, '--json').out).matched).toBe(50);

    const list = JSON.parse(lathe('monitor', 'list', '--json').out);
    expect(list[0]).toMatchObject({ model: 'churn', rows: 600, windows: 3 });
    expect(lathe('monitor', 'list').out).toContain('churn');
    const alerts = JSON.parse(lathe('monitor', 'alerts', 'churn', '--json').out);
    expect(alerts.rules.length).toBeGreaterThanOrEqual(4);

    // The next training's data, through the bundled CLI (DuckDB loads from node_modules, outside the bundle).
    const made = lathe('monitor', 'dataset', 'churn', 'churn-field', '--from', String(START), '--json');
    expect(made.code, made.err).toBe(0);
    expect(JSON.parse(made.out)).toMatchObject({ dataset: 'churn-field', created: true, rows: 300, labelled: 300, unlabelled: 300, servedBy: [1] });
    expect(lathe('monitor', 'dataset', 'churn', 'churn-field', '--from', String(START)).out).toMatch(/^identical to churn-field@v1: 300 logged rows/);

    const out = path.join(dir, 'r.html');
    const rep = lathe('monitor', 'report', 'churn', '--out', out);
    expect(rep.code, rep.err).toBe(0);
    expect(rep.out).toMatch(/features drift/);
    expect(rep.out).toMatch(/multivariate \(PCA reconstruction error, band held-out mean \+- 3 sd\): \d+ of 3 windows outside the band/);
    expect(fs.statSync(out).size).toBeLessThan(2 * 1024 * 1024);
    const bad = lathe('monitor', 'report', 'nobody');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no model named "nobody"/);
  }, 300_000);

  it('a killed ingest leaves the workspace consistent and running it again finishes the job', async () => {
    // 120k records over 24 hours (predictions from the synthetic model's formula): several batches.
    const r = rng(77);
    const lines: string[] = [];
    for (let i = 0; i < 120_000; i++) {
      const o = row(r);
      const p = modelP(o);
      lines.push(JSON.stringify({ requestId: `k${i}`, time: START + 3 * 3_600_000 + Math.floor(i * 720), model: 'churn', version: 1, features: Object.fromEntries(COLS.map((c) => [c, o[c]])), output: { prediction: p >= 0.5 ? 'yes' : 'no', probabilities: { no: 1 - p, yes: p } } }));
    }
    const big = writeLines(dir, 'big.ndjson', lines);
    const child = spawn(process.execPath, [requireCliBundle(), 'monitor', 'ingest', 'churn', big, '--json'], { env: { ...process.env, LATHE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Kill it once its first batch is committed: a segment row of this ingest in the database (read-only;
    // a raw file appearing on disk is not enough, its batch may not have committed yet).
    const raw = path.join(home, 'monitoring', 'churn', 'raw');
    const watch = new Database(path.join(home, 'lathe.db'), { readonly: true, fileMustExist: true });
    const segments = watch.prepare('SELECT count(*) FROM monitor_segments').pluck();
    const before = segments.get() as number;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if ((segments.get() as number) > before) {
          clearInterval(t);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(t);
        resolve();
      });
    });
    await new Promise((res) => child.once('exit', res).once('close', res));
    watch.close();
    const rerun = JSON.parse(lathe('monitor', 'ingest', 'churn', big, '--json').out);
    expect(rerun.accepted + rerun.duplicates).toBe(120_000);
    expect(rerun.accepted).toBeLessThan(120_000);
    const engine = await createEngine({ home, sample: false });
    try {
      const t = await invoke(engine, 'monitor.timeline', { ref: 'churn', from: START, to: START + 30 * 3_600_000 });
      expect(t.windows.reduce((a, w) => a + w.rows, 0)).toBe(120_600);
      // The request index (integer keys and pages, migration 13) holds exactly the rows the windows counted.
      expect(engine.monitoring.repo.requestCount('churn')).toBe(120_600);
      expect((await invoke(engine, 'store.doctor', {})).integrity).toBe('ok');
      // Every raw file ends where its last recorded batch ends, and the recorded rows add up.
      const ends = new Map<string, number>();
      for (const k of engine.monitoring.repo.segmentFiles()) {
        const [file, range] = k.split('#');
        ends.set(file, Math.max(ends.get(file) ?? 0, Number(range.split('-')[1])));
      }
      for (const f of listAll(raw)) expect(fs.statSync(f).size).toBe(ends.get(path.relative(home, f)));
      const lines = listAll(raw).reduce((a, f) => a + fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).length, 0);
      expect(lines).toBe(120_600);
    } finally {
      engine.close();
    }
  }, 300_000);
});

function listAll(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listAll(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

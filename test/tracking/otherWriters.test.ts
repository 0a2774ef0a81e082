import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../src/shared/contract';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { watchOtherWriters } from '../../src/main/engine/tracking/otherWriters';
import { ensureMainBuilt } from '../dist/built';
import { tempEngine } from '../helpers';

/**
 * Live across processes: this process holds the workspace open (as `lathe serve` or the app does) while
 * a separate process, `lathe run` from the built CLI, logs a run into it. The run and its metrics must
 * arrive here as engine events while it runs, not after a reload.
 */

let engine: Engine;
let home: string;
let cleanup: () => void;
let stop: () => void;
type Seen = { at: number } & ({ type: 'runs.changed'; data: EventMap['runs.changed'] } | { type: 'runs.metrics'; data: EventMap['runs.metrics'] } | { type: 'experiments.changed'; data: EventMap['experiments.changed'] });
const seen: Seen[] = [];

beforeAll(async () => {
  const t = await tempEngine();
  ({ engine, home, cleanup } = t);
  stop = watchOtherWriters(engine.db, engine.events, { intervalMs: 100 });
  engine.events.subscribe((e) => {
    if (e.type === 'runs.changed' || e.type === 'runs.metrics' || e.type === 'experiments.changed') seen.push({ at: Date.now(), ...e } as Seen);
  });
});
afterAll(() => {
  stop();
  cleanup();
});

/** A script printing one metric line every 400 ms. */
const SCRIPT = `let i = 0; const t = setInterval(() => { console.log('lathe.metric loss=' + (1 / (i + 1)) + ' step=' + i); if (++i === 6) clearInterval(t); }, 400);`;

describe('runs written by another process', () => {
  it('arrive as events while that process runs: created, metrics step by step, finished', async () => {
    const cli = path.join(await ensureMainBuilt(), 'cli.cjs');
    const child = spawn(process.execPath, [cli, 'run', '--experiment', 'elsewhere', '--', process.execPath, '-e', SCRIPT], {
      env: { ...process.env, LATHE_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const stepsWhileRunning: number[] = [];
    child.stdout.on('data', () => {
      for (const e of seen) if (e.type === 'runs.metrics' && e.data.step.loss !== undefined) stepsWhileRunning.push(e.data.step.loss);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    const exitedAt = Date.now();
    await new Promise((r) => setTimeout(r, 400)); // the last tick

    const created = seen.find((e) => e.type === 'runs.changed' && e.data.change === 'created');
    expect(created, JSON.stringify(seen.map((e) => e.type))).toBeDefined();
    const runId = (created as Extract<Seen, { type: 'runs.changed' }>).data.runIds[0];
    const run = await invoke(engine, 'runs.get', { id: runId });
    expect(run.experimentName).toBe('elsewhere');
    expect(seen.some((e) => e.type === 'experiments.changed' && e.data.id === run.experimentId)).toBe(true);

    const metricEvents = seen.filter((e): e is Extract<Seen, { type: 'runs.metrics' }> => e.type === 'runs.metrics' && e.data.runId === runId);
    // Several updates, in order, the first ones well before the process ended: charts move while it runs.
    expect(metricEvents.length).toBeGreaterThanOrEqual(3);
    const steps = metricEvents.map((e) => e.data.step.loss);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(steps.at(-1)).toBe(5);
    expect(metricEvents[0].at).toBeLessThan(exitedAt - 1000);
    expect(metricEvents.at(-1)?.data.last.loss).toBeCloseTo(1 / 6);
    expect(seen.some((e) => e.type === 'runs.changed' && e.data.change === 'updated' && e.data.runIds.includes(runId))).toBe(true);
    expect(run.status).toBe('finished');
  });

  it('sees a run another process moves to the trash', async () => {
    const page = await invoke(engine, 'runs.search', { query: '', experiment: 'elsewhere', limit: 1 });
    const id = page.runs[0].id;
    seen.length = 0;
    const cli = path.join(await ensureMainBuilt(), 'cli.cjs');
    const child = spawn(process.execPath, [cli, 'runs', 'rm', id], { env: { ...process.env, LATHE_HOME: home }, stdio: 'ignore' });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(seen.some((e) => e.type === 'runs.changed' && e.data.change === 'deleted' && e.data.runIds.includes(id))).toBe(true);
  });

  it('costs one PRAGMA per tick while nothing changes', async () => {
    seen.length = 0;
    await new Promise((r) => setTimeout(r, 350));
    expect(seen).toEqual([]);
  });
});

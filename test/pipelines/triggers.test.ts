import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import type { PipelineTriggers } from '../../src/main/engine/pipelines/triggers';
import { createEngine } from '../../src/main/engine/engine';
import { tempDir } from '../helpers';

/**
 * Triggers on a real workspace: the pipeline is one command stage appending a line to a file, so each
 * run is visible. The clock is fake only at the boundary (the schedule reads `now` from it); dataset
 * and folder triggers react to real imports and real files.
 */

let engine: Engine;
let home: string;
let dir: string;
let triggers: PipelineTriggers;
const clock = { t: Date.parse('2026-03-01T10:00:30Z'), now() { return this.t; } };

function pipeline(trigger: string): void {
  fs.writeFileSync(
    path.join(dir, 'p.yaml'),
    `name: watched\ntriggers:\n  - ${trigger}\nstages:\n  note:\n    type: command\n    run: node -e "require('fs').appendFileSync('runs.txt', process.env.LATHE_PIPELINE_RUN + '\\\\n')"\n`,
  );
  engine.pipelines.saveFile(path.join(dir, 'p.yaml'));
}
const runs = () => engine.pipelines.history('watched', 100);
async function settle(): Promise<void> {
  for (const r of runs()) await engine.pipelines.wait(r.id);
}

beforeEach(async () => {
  home = tempDir();
  dir = tempDir('lathe-trig-');
  engine = await createEngine({ home, sample: false });
  fs.writeFileSync(path.join(dir, 'd.csv'), 'a\n1\n2\n');
});
afterEach(() => {
  engine.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('pipeline triggers', () => {
  it('a schedule fires at its time on the (fake) clock, once per slot', async () => {
    pipeline('{ kind: schedule, cron: "*/5 * * * *" }');
    triggers = engine.pipelines.startTriggers({ clock, tickMs: 3_600_000 });
    await triggers.tick();
    expect(runs()).toHaveLength(0);
    clock.t = Date.parse('2026-03-01T10:05:00Z');
    await triggers.tick();
    await triggers.tick();
    await settle();
    expect(runs()).toHaveLength(1);
    expect(runs()[0]).toMatchObject({ trigger: 'schedule', state: 'succeeded' });
    expect(runs()[0].triggerDetail).toMatch(/2026-03-01T10:05:00/);
    expect((await invoke(engine, 'pipelines.list', {}))[0].nextRunAt).toBeGreaterThan(Date.now());
  });

  it('a schedule missed while Lathe was closed runs once at start', async () => {
    pipeline('{ kind: schedule, cron: "0 * * * *" }');
    engine.pipelines.startTriggers({ clock, tickMs: 3_600_000 }).stop();
    engine.close();
    clock.t = Date.parse('2026-03-01T13:10:00Z'); // three slots missed
    engine = await createEngine({ home, sample: false });
    engine.pipelines.startTriggers({ clock, tickMs: 3_600_000 });
    await settle();
    expect(runs().map((r) => r.trigger)).toEqual(['schedule']);
    expect(runs()[0].triggerDetail).toMatch(/missed schedule/);
  });

  it('a new version of a watched dataset starts a run; an identical re-import does not', async () => {
    await invoke(engine, 'datasets.add', { name: 'd', path: path.join(dir, 'd.csv') });
    pipeline('{ kind: dataset, name: d }');
    engine.pipelines.startTriggers({ clock, tickMs: 3_600_000 });
    await invoke(engine, 'datasets.add', { name: 'd', path: path.join(dir, 'd.csv') });
    await settle();
    expect(runs()).toHaveLength(0);
    fs.appendFileSync(path.join(dir, 'd.csv'), '3\n');
    await invoke(engine, 'datasets.add', { name: 'd', path: path.join(dir, 'd.csv') });
    await settle();
    expect(runs()).toHaveLength(1);
    expect(runs()[0].triggerDetail).toMatch(/^new version d@v2/);
  });

  it('a watched folder imports a file once it stops growing, and runs', async () => {
    const inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
    pipeline('{ kind: folder, path: inbox, dataset: drops, settleMs: 1000 }');
    const t = engine.pipelines.startTriggers({ clock, tickMs: 3_600_000 });
    fs.writeFileSync(path.join(inbox, 'part.csv'), 'a\n1\n');
    await t.tick(); // first sight
    clock.t += 500;
    fs.appendFileSync(path.join(inbox, 'part.csv'), '2\n'); // still being written
    await t.tick();
    clock.t += 900;
    await t.tick(); // 900 ms since the last change: not settled yet
    expect((await invoke(engine, 'datasets.list', {})).map((d) => d.name)).not.toContain('drops');
    clock.t += 200;
    await t.tick();
    await settle();
    const v = await invoke(engine, 'datasets.versions', { name: 'drops' });
    expect(v).toHaveLength(1);
    expect(v[0].rowCount).toBe(2);
    expect(runs()).toHaveLength(1);
    clock.t += 5000;
    await t.tick(); // unchanged: nothing new
    await settle();
    expect(runs()).toHaveLength(1);
  });

  it('monitor alerts start runs, with a cooldown and a daily cap', async () => {
    pipeline('{ kind: alert, monitor: churn, cooldownMinutes: 10, maxRunsPerDay: 2 }');
    const t = engine.pipelines.startTriggers({ clock, tickMs: 3_600_000 });
    const alert = async (model: string) => {
      engine.events.emit('monitor.alert', { model, ruleId: 'r', rule: 'drift', series: 's', from: 'pending', to: 'firing', window: 1, value: 0.4, severity: 'critical' } as never);
      await settle();
    };
    await alert('churn');
    await alert('other');
    clock.t += 60_000;
    await alert('churn'); // cooldown
    clock.t += 11 * 60_000;
    await alert('churn');
    clock.t += 11 * 60_000;
    await alert('churn'); // third of the day
    await settle();
    expect(runs()).toHaveLength(2);
    expect(t.log.filter((l) => !l.fired).map((l) => l.detail)).toEqual([expect.stringMatching(/cooldown/), expect.stringMatching(/2 runs today/)]);
  });

  it('concurrent triggers queue one run, never two at once', async () => {
    pipeline('{ kind: alert, cooldownMinutes: 0, maxRunsPerDay: 100 }');
    const t = engine.pipelines.startTriggers({ clock, tickMs: 3_600_000 });
    const fire = () => engine.events.emit('monitor.alert', { model: 'm', ruleId: 'r', rule: 'x', series: 's', from: 'pending', to: 'firing', window: 1, value: 1, severity: 'warning' } as never);
    fire(); // starts
    while (runs()[0]?.state !== 'running') await new Promise((r) => setTimeout(r, 5));
    fire(); // queued behind it
    fire(); // joins the queued one
    fire();
    await settle();
    expect(t.log.filter((l) => l.fired)).toHaveLength(4);
    const all = runs();
    expect(all).toHaveLength(2);
    const [a, b] = [...all].sort((x, y) => x.createdAt - y.createdAt);
    expect(b.startedAt!).toBeGreaterThanOrEqual(a.endedAt!);
    // Nothing changed between them, so the queued run is served from the cache.
    expect(b.stages[0].state).toBe('cached');
    expect(fs.readFileSync(path.join(dir, 'runs.txt'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a run left running by a killed Lathe is failed at the next start and can be resumed', async () => {
    pipeline('{ kind: manual }');
    // What a killed process leaves: the run and its job marked running by a pid that is gone.
    const q = engine.pipelines.enqueue('watched', 'manual', 'test');
    await q.done;
    engine.db.prepare(`UPDATE pipeline_runs SET state = 'running', owner_pid = 999999, ended_at = NULL WHERE id = ?`).run(q.runId);
    engine.db.prepare(`UPDATE pipeline_jobs SET state = 'running' WHERE run_id = ?`).run(q.runId);
    engine.close();
    engine = await createEngine({ home, sample: false });
    const failed = await invoke(engine, 'pipelines.status', { runId: q.runId });
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/interrupted/);
    expect(failed.stages[0].state).toBe('failed');
    const resumed = await invoke(engine, 'pipelines.resume', { runId: q.runId });
    expect(resumed.state).toBe('succeeded');
  });
});

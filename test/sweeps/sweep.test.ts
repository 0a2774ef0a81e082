import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import type { SweepSpecInput } from '../../src/shared/sweeps';
import { createEngine } from '../../src/main/engine/engine';
import { tempEngine } from '../helpers';
import { latheSync } from '../cliBundle';

/** Real sweeps on penguins through the real training queue (worker threads), on a temp workspace. */

let engine: Engine;
let cleanup: () => void;
let home: string;

beforeAll(async () => {
  ({ engine, cleanup, home } = await tempEngine({ sample: true }));
});
afterAll(() => cleanup());

const base = {
  template: 'tabular-mlp',
  data: 'penguins',
  target: 'Species',
  features: ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Sex'],
  hyperparameters: { epochs: 3, hiddenUnits: [8], earlyStopping: false, checkpointEvery: 0 },
};

describe('sweeps on the training pool', () => {
  it('a grid of two trials in parallel: runs tagged with the sweep, objectives, best trial', async () => {
    const spec: SweepSpecInput = {
      name: 'lr-grid',
      base,
      parameters: { 'hyperparameters.learningRate': { values: [0.05, 0.001] } },
      parallelism: 2,
      objective: { metric: 'val_loss', direction: 'minimize' },
    };
    const started = await invoke(engine, 'sweeps.start', { spec });
    expect(started.status).toBe('running');
    expect(started.trials.map((t) => t.params)).toEqual([{ 'hyperparameters.learningRate': 0.05 }, { 'hyperparameters.learningRate': 0.001 }]);
    const done = await engine.sweeps.wait(started.id);
    expect(done.status).toBe('finished');
    expect(done.trials.map((t) => t.status)).toEqual(['finished', 'finished']);
    for (const t of done.trials) {
      const run = await invoke(engine, 'runs.get', { id: t.runId as string });
      expect(run.tags['sweep.id']).toBe(done.id);
      expect(run.tags['sweep.trial']).toBe(String(t.trial));
      expect(run.experimentId).toBe(done.experimentId);
      expect(run.status).toBe('finished');
      expect(t.objective).toBeTypeOf('number');
    }
    const best = done.trials.reduce((b, t) => ((t.objective as number) < (b.objective as number) ? t : b));
    expect(done.best?.trial).toBe(best.trial);
    const list = await invoke(engine, 'sweeps.list', {});
    expect(list[0]).toMatchObject({ id: done.id, status: 'finished', strategy: 'grid', counts: { finished: 2 } });
    const byTag = await invoke(engine, 'runs.search', { query: `tags."sweep.id" = "${done.id}"` });
    expect(byTag.total).toBe(2);
  });

  it('successive halving stops a poor trial: its run is killed and tagged sweep.pruned', async () => {
    const spec: SweepSpecInput = {
      name: 'halving',
      base: { ...base, hyperparameters: { ...base.hyperparameters, epochs: 40, batchSize: 8 } },
      // One trial at a time, the good one first: the later, hopeless ones fall below the cut at epoch 1.
      parameters: { 'hyperparameters.learningRate': { values: [0.05, 1e-7, 2e-7] } },
      parallelism: 1,
      pruning: { kind: 'successive-halving', minEpochs: 1, eta: 3 },
      objective: { metric: 'val_loss', direction: 'minimize' },
    };
    const started = await invoke(engine, 'sweeps.start', { spec });
    const done = await engine.sweeps.wait(started.id);
    expect(done.status).toBe('finished');
    expect(done.trials[0].status).toBe('finished');
    expect(done.trials.slice(1).map((t) => t.status)).toEqual(['pruned', 'pruned']);
    for (const t of done.trials.slice(1)) {
      const run = await invoke(engine, 'runs.get', { id: t.runId as string });
      expect(run.tags['sweep.pruned']).toBe('true');
      expect(run.status).toBe('killed');
      expect(run.metrics.val_loss.step).toBeLessThan(40);
    }
    expect(done.best?.trial).toBe(0);
  });

  it('cancel stops queued and running trials', async () => {
    const started = await invoke(engine, 'sweeps.start', {
      spec: { base: { ...base, hyperparameters: { ...base.hyperparameters, epochs: 200 } }, parameters: { 'hyperparameters.dropout': { values: [0, 0.1, 0.2] } }, parallelism: 1 },
    });
    // Cancel once the first trial's job has started, so a running trial is stopped too.
    await new Promise<void>((res) => {
      const off = engine.events.on('training.jobs', (d) => {
        if (d.job.state === 'queued') return;
        off();
        res();
      });
    });
    const c = await invoke(engine, 'sweeps.cancel', { id: started.id });
    const done = await engine.sweeps.wait(c.id);
    expect(done.status).toBe('cancelled');
    expect(done.trials.every((t) => t.status === 'cancelled')).toBe(true);
  });

  it('refuses a trial that is not a valid training spec before anything runs, naming the trial', async () => {
    const err = await invoke(engine, 'sweeps.start', { spec: { base, parameters: { 'hyperparameters.learningRate': { values: [0.01, -1] } } } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', where: 'parameters.hyperparameters.learningRate' });
    expect((err as Error).message).toMatch(/Trial 1 \(hyperparameters.learningRate=-1\)/);
    expect((await invoke(engine, 'sweeps.list', {})).every((s) => s.name !== undefined)).toBe(true);
  });

  it('a sweep whose process died is marked failed (interrupted) by the next start; a live one is left alone', async () => {
    const exp = engine.tracking.experiments.resolveForRun(undefined, 'orphans');
    const mk = (id: string, pid: number) =>
      engine.sweeps.repo.create({ id, name: id.slice(0, 4), experimentId: exp.id, createdAt: Date.now(), spec: JSON.stringify({ objective: { metric: 'val_loss', direction: 'minimize' }, strategy: { kind: 'grid' } }), ownerPid: pid, ownerHost: os.hostname() }, ['{}', '{}']);
    mk('d'.repeat(32), 2 ** 22 + 12345); // no such process
    mk('a'.repeat(32), process.ppid); // alive (the test runner)
    const other = await createEngine({ home, sample: false });
    try {
      const dead = await invoke(other, 'sweeps.get', { id: 'd'.repeat(32) });
      expect(dead.status).toBe('failed');
      expect(dead.error).toMatch(/^interrupted: the Lathe process running it \(pid \d+/);
      expect(dead.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
      expect((await invoke(other, 'sweeps.get', { id: 'a'.repeat(32) })).status).toBe('running');
    } finally {
      other.close();
    }
  });

  it('lathe sweep <file.yaml> runs it to the end and prints the trials and the best one', () => {
    engine.tracking.runs.writer.flush();
    const file = path.join(home, 'sweep.yaml');
    fs.writeFileSync(
      file,
      [
        'name: cli-lr',
        'base:',
        '  template: tabular-mlp',
        '  data: penguins',
        '  target: Species',
        '  hyperparameters: { epochs: 1, hiddenUnits: [8], earlyStopping: false, checkpointEvery: 0 }',
        'parameters:',
        '  hyperparameters.learningRate: { distribution: loguniform, min: 0.001, max: 0.1 }',
        'strategy: { kind: random, trials: 2, seed: 1 }',
        'objective: { metric: val_acc, direction: maximize }',
        '',
      ].join('\n'),
    );
    const lathe = (...args: string[]) => latheSync(args, { home, timeout: 60_000 });
    const r = lathe('sweep', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Sweep cli-lr \([0-9a-f]{32}\): finished; random, 2 trials, maximize val_acc/);
    expect(r.stdout).toMatch(/learningRate/);
    expect(r.stdout).toMatch(/best: trial \d \(run [0-9a-f]{32}\) val_acc = /);
    expect(lathe('sweeps', 'list').stdout).toMatch(/cli-lr\s+finished\s+random\s+2 done/);
    fs.writeFileSync(file, 'name: x\nbase: [1\n');
    const bad = lathe('sweep', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/sweep\.yaml:\d+:\d+: /);
  });
});

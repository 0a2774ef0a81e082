import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import type { LatheEvent } from '../../src/shared/contract';
import { tempEngine } from '../helpers';

let engine: Engine;
let cleanup: () => void;
beforeAll(async () => {
  const t = await tempEngine();
  engine = t.engine;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

const newRun = (name?: string, experiment = 'engine-tests') => invoke(engine, 'runs.create', { experiment, name });

describe('experiments', () => {
  it('creates, lists, gets by id and name, refuses duplicates, renames, trashes', async () => {
    const e = await invoke(engine, 'experiments.create', { name: 'exp-a', description: 'first', tags: { team: 'ml' } });
    expect(e.tags).toEqual({ team: 'ml' });
    expect((await invoke(engine, 'experiments.get', { name: 'exp-a' })).id).toBe(e.id);
    await expect(invoke(engine, 'experiments.create', { name: 'exp-a' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(invoke(engine, 'experiments.get', { id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const renamed = await invoke(engine, 'experiments.update', { id: e.id, name: 'exp-b' });
    expect(renamed.name).toBe('exp-b');
    await invoke(engine, 'experiments.delete', { id: e.id });
    expect((await invoke(engine, 'experiments.list', {})).map((x) => x.id)).not.toContain(e.id);
    await expect(invoke(engine, 'runs.create', { experimentId: e.id })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await invoke(engine, 'experiments.delete', { id: e.id, restore: true });
    expect((await invoke(engine, 'runs.create', { experimentId: e.id })).experimentId).toBe(e.id);
  });

  it('puts runs without an experiment into Default', async () => {
    const r = await invoke(engine, 'runs.create', {});
    expect(r.experimentName).toBe('Default');
    expect(r.id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.status).toBe('running');
  });
});

describe('runs', () => {
  it('logs metrics with NaN and infinities and reads them back as such', async () => {
    const r = await newRun('nan-run');
    await invoke(engine, 'runs.logMetrics', {
      runId: r.id,
      metrics: [
        { key: 'loss', value: 1.5, step: 0 },
        { key: 'loss', value: NaN, step: 1 },
        { key: 'loss', value: 'Infinity', step: 2 },
        { key: 'loss', value: -Infinity, step: 3 },
        { key: 'loss', value: 0.25, step: 4 },
      ],
    });
    const h = await invoke(engine, 'runs.metricHistory', { runId: r.id, key: 'loss' });
    expect(h.values).toEqual([1.5, 'NaN', 'Infinity', '-Infinity', 0.25]);
    expect(h.steps).toEqual([0, 1, 2, 3, 4]);
    const got = await invoke(engine, 'runs.get', { id: r.id });
    expect(got.metrics.loss).toMatchObject({ last: 0.25, min: '-Infinity', max: 'Infinity', step: 4, count: 5 });
    await invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'loss', value: 'NaN', step: 9 }] });
    expect((await invoke(engine, 'runs.get', { id: r.id })).metrics.loss.last).toBe('NaN');
    // A late point at an older step does not replace "last".
    await invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'loss', value: 7, step: 2 }] });
    expect((await invoke(engine, 'runs.get', { id: r.id })).metrics.loss).toMatchObject({ last: 'NaN', step: 9, count: 7 });
  });

  it('gives points without a step the next step', async () => {
    const r = await newRun();
    await invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'a', value: 1 }, { key: 'a', value: 2 }, { key: 'b', value: 3 }] });
    await invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'a', value: 4 }] });
    expect((await invoke(engine, 'runs.metricHistory', { runId: r.id, key: 'a' })).steps).toEqual([0, 1, 2]);
    expect((await invoke(engine, 'runs.metricHistory', { runId: r.id, key: 'b' })).steps).toEqual([0]);
  });

  it('writes params once: same value fine, another value refused, batch all-or-nothing', async () => {
    const r = await newRun();
    await invoke(engine, 'runs.logParams', { runId: r.id, params: { lr: '0.1', opt: 'adam' } });
    expect((await invoke(engine, 'runs.logParams', { runId: r.id, params: { lr: '0.1' } })).written).toBe(0);
    await expect(invoke(engine, 'runs.logParams', { runId: r.id, params: { depth: '3', lr: '0.2' } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      where: 'params.lr',
    });
    expect((await invoke(engine, 'runs.get', { id: r.id })).params).toEqual({ lr: '0.1', opt: 'adam' });
  });

  it('refuses bad keys and values by the contract schema', async () => {
    const r = await newRun();
    await expect(invoke(engine, 'runs.logParams', { runId: r.id, params: { ['k'.repeat(251)]: 'x' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'runs.logParams', { runId: r.id, params: { 'bad;key': 'x' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'runs.logParams', { runId: r.id, params: { '../x': 'x' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'runs.logParams', { runId: r.id, params: { p: 'v'.repeat(6001) } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'x', value: 'abc' as never }] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'runs.get', { id: 'f'.repeat(32) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('takes metrics and params after the end (as MLflow), refuses deleted runs; resuming reopens', async () => {
    const r = await newRun();
    await invoke(engine, 'runs.update', { id: r.id, status: 'finished' });
    const done = await invoke(engine, 'runs.get', { id: r.id });
    expect(done.endTime).not.toBeNull();
    await invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'test_acc', value: 0.9 }] });
    await invoke(engine, 'runs.logParams', { runId: r.id, params: { a: '1' } });
    const after = await invoke(engine, 'runs.get', { id: r.id });
    expect(after).toMatchObject({ status: 'finished', endTime: done.endTime, params: { a: '1' } });
    expect(after.metrics.test_acc?.last).toBe(0.9);
    await expect(invoke(engine, 'runs.logParams', { runId: r.id, params: { a: '2' } })).rejects.toThrow(/written once/);
    await invoke(engine, 'runs.setTags', { runId: r.id, tags: { reviewed: 'yes' } });
    await invoke(engine, 'runs.update', { id: r.id, status: 'running' });
    await invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'x', value: 1 }] });
    await invoke(engine, 'runs.delete', { ids: [r.id] });
    await expect(invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: [{ key: 'x', value: 1 }] })).rejects.toThrow(/trash/);
    await expect(invoke(engine, 'runs.setTags', { runId: r.id, tags: { a: 'b' } })).rejects.toThrow(/trash/);
  });

  it('soft-deletes to a trash, restores, and purges for good', async () => {
    const a = await newRun('trash-a', 'trash');
    const b = await newRun('trash-b', 'trash');
    engine.tracking.runs.artifacts.putBuffer(a.id, 'out/model.txt', Buffer.from('weights'));
    expect((await invoke(engine, 'runs.delete', { ids: [a.id] })).count).toBe(1);
    const active = await invoke(engine, 'runs.search', { experiment: 'trash' });
    expect(active.runs.map((r) => r.id)).toEqual([b.id]);
    const trash = await invoke(engine, 'runs.search', { experiment: 'trash', lifecycle: 'deleted' });
    expect(trash.runs.map((r) => r.id)).toEqual([a.id]);
    expect((await invoke(engine, 'runs.get', { id: a.id })).lifecycle).toBe('deleted');
    await invoke(engine, 'runs.restore', { ids: [a.id] });
    expect((await invoke(engine, 'runs.search', { experiment: 'trash' })).total).toBe(2);
    await expect(invoke(engine, 'runs.purge', { ids: [a.id] })).rejects.toThrow(/not in the trash/);
    await invoke(engine, 'runs.delete', { ids: [a.id] });
    expect(engine.store.repo.liveBlobHashes().size).toBeGreaterThan(0);
    expect((await invoke(engine, 'runs.purge', {})).purged).toBeGreaterThanOrEqual(1);
    await expect(invoke(engine, 'runs.get', { id: a.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const gc = await invoke(engine, 'store.gc', {});
    expect(gc.blobsRemoved).toBeGreaterThanOrEqual(1);
  });

  it('keeps artifacts through gc while their run lives, and previews them', async () => {
    const r = await newRun();
    const csv = engine.tracking.runs.artifacts.putBuffer(r.id, 'eval/report.csv', Buffer.from('a,b\n1,2\n'));
    engine.tracking.runs.artifacts.putBuffer(r.id, 'eval/plot.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    engine.tracking.runs.artifacts.putBuffer(r.id, 'notes.json', Buffer.from('{"ok":true}'));
    await invoke(engine, 'store.gc', {});
    expect(engine.store.readBlob(csv.blobHash!).toString()).toBe('a,b\n1,2\n');
    const root = await invoke(engine, 'runs.artifacts.list', { runId: r.id });
    expect(root.map((e) => [e.path, e.isDir])).toEqual([
      ['eval', true],
      ['notes.json', false],
    ]);
    const sub = await invoke(engine, 'runs.artifacts.list', { runId: r.id, path: 'eval' });
    expect(sub.map((e) => e.path)).toEqual(['eval/plot.png', 'eval/report.csv']);
    expect(await invoke(engine, 'runs.artifacts.read', { runId: r.id, path: 'eval/report.csv' })).toMatchObject({ kind: 'csv', content: 'a,b\n1,2\n' });
    expect(await invoke(engine, 'runs.artifacts.read', { runId: r.id, path: 'eval/plot.png' })).toMatchObject({ kind: 'image', encoding: 'base64', content: 'iVBORw==' });
    expect(await invoke(engine, 'runs.artifacts.read', { runId: r.id, path: 'notes.json' })).toMatchObject({ kind: 'json' });
    await expect(invoke(engine, 'runs.artifacts.read', { runId: r.id, path: '../x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('batches buffered points and announces them for live views', async () => {
    const r = await newRun();
    const seen: LatheEvent[] = [];
    const off = engine.events.subscribe((e) => e.type === 'runs.metrics' && seen.push(e));
    const log = engine.tracking.runs.logger(r.id);
    for (let i = 0; i < 120_000; i++) log.log('train/loss', 1 / (i + 1), i);
    // 50k-point batches were flushed by size; the rest waits for the timer or a read.
    expect(engine.tracking.runs.writer.pendingPoints).toBe(20_000);
    // The timer's flush announces itself: wait for that event rather than a guessed delay.
    await new Promise<void>((res) => {
      const offTimer = engine.events.on('runs.metrics', () => {
        offTimer();
        res();
      });
    });
    expect(engine.tracking.runs.writer.pendingPoints).toBe(0);
    off();
    expect(seen.length).toBe(3);
    const h = await invoke(engine, 'runs.metricHistory', { runId: r.id, key: 'train/loss', maxPoints: 500 });
    expect(h.total).toBe(120_000);
    expect(h.steps.length).toBeLessThanOrEqual(500);
    expect(h.downsampled).toBe(true);
    expect(h.values).toContain(1); // the maximum survives
    const zoom = await invoke(engine, 'runs.metricHistory', { runId: r.id, key: 'train/loss', stepFrom: 100, stepTo: 199 });
    expect(zoom.steps.length).toBe(100);
    expect(zoom.steps[0]).toBe(100);
  });

  it('compares runs: params with differences and metric summaries', async () => {
    const a = await invoke(engine, 'runs.create', { experiment: 'cmp', params: { lr: '0.1', opt: 'adam' } });
    const b = await invoke(engine, 'runs.create', { experiment: 'cmp', params: { lr: '0.2', opt: 'adam', depth: '3' } });
    await invoke(engine, 'runs.logMetrics', { runId: a.id, metrics: [{ key: 'acc', value: 0.8 }] });
    const c = await invoke(engine, 'runs.compare', { ids: [a.id, b.id] });
    expect(c.params).toEqual([
      { key: 'depth', values: [null, '3'], differs: true },
      { key: 'lr', values: ['0.1', '0.2'], differs: true },
      { key: 'opt', values: ['adam', 'adam'], differs: false },
    ]);
    expect(c.metrics[0].values[0]?.last).toBe(0.8);
    expect(c.metrics[0].values[1]).toBeNull();
    await expect(invoke(engine, 'runs.compare', { ids: [a.id] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('stores HTML run names verbatim', async () => {
    const name = '<img src=x onerror=alert(1)><b>run</b>';
    const r = await newRun(name);
    expect((await invoke(engine, 'runs.get', { id: r.id })).name).toBe(name);
  });
});

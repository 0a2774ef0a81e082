import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { tempEngine } from '../helpers';
import { trainPenguinRun } from './fixtures';

let engine: Engine;
let cleanup: () => void;
let runA: string;
let runB: string;
let rows: Record<string, unknown>[];

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  ({ runId: runA, rows } = await trainPenguinRun(engine, { name: 'a', params: { lr: '0.01' } }));
  ({ runId: runB } = await trainPenguinRun(engine, { name: 'b', hidden: [8], params: { lr: '0.02' } }));
});
afterAll(() => cleanup());

describe('model registry', () => {
  it('registers versions from runs, numbered per model, with a snapshot of the run', async () => {
    const v1 = await invoke(engine, 'models.register', { runId: runA, name: 'penguin', description: 'first' });
    const v2 = await invoke(engine, 'models.register', { runId: runB, name: 'penguin' });
    const other = await invoke(engine, 'models.register', { runId: runB, name: 'other' });
    expect([v1.number, v2.number, other.number]).toEqual([1, 2, 1]);
    expect(v1.id).toMatch(/^[0-9a-f]{32}$/);
    expect(v1.runId).toBe(runA);
    expect(v1.params.lr).toBe('0.01');
    expect(typeof v1.metrics.acc).toBe('number');
    expect(v1.datasets[0].dataset).toBe('penguins');
    expect(v1.files.map((f) => f.path).sort()).toEqual(['model/model.json', 'model/preprocessing.json', 'model/signature.json', 'model/weights.bin']);
    expect(v1.appVersion).toBe('0.1.0');
    expect(v1.createdBy.length).toBeGreaterThan(0);
    expect((v1.signature as { format: string }).format).toBe('lathe-model/1');
    const list = await invoke(engine, 'models.list', {});
    expect(list.find((m) => m.name === 'penguin')).toMatchObject({ versionCount: 2, latest: 2 });
  });

  it('refuses a run without a model and a bad name', async () => {
    const run = await invoke(engine, 'runs.create', { experiment: 'x' });
    await expect(invoke(engine, 'models.register', { runId: run.id, name: 'm' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'models.register', { runId: runA, name: '../evil' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('moves aliases with a history of who, when, from, to and why; refs resolve everywhere', async () => {
    const a = await invoke(engine, 'models.alias', { ref: 'penguin@1', alias: 'champion', reason: 'first good one' });
    expect(a.move).toMatchObject({ alias: 'champion', from: null, to: 1, reason: 'first good one' });
    const b = await invoke(engine, 'models.alias', { ref: 'penguin@2', alias: 'champion', reason: 'beats v1' });
    expect(b.move).toMatchObject({ from: 1, to: 2 });
    expect((await invoke(engine, 'models.alias', { ref: 'penguin@2', alias: 'champion' })).move).toBeNull();
    await invoke(engine, 'models.alias', { ref: 'penguin@1', alias: 'challenger' });
    expect((await invoke(engine, 'models.show', { ref: 'penguin@champion' })).number).toBe(2);
    expect((await invoke(engine, 'models.show', { ref: 'penguin@latest' })).number).toBe(2);
    expect((await invoke(engine, 'models.show', { ref: 'penguin' })).number).toBe(2);
    expect((await invoke(engine, 'models.show', { ref: 'penguin@v1' })).aliases).toEqual(['challenger']);
    const history = await invoke(engine, 'models.aliasHistory', { name: 'penguin', alias: 'champion' });
    expect(history.map((h) => [h.from, h.to, h.reason])).toEqual([
      [null, 1, 'first good one'],
      [1, 2, 'beats v1'],
    ]);
    expect(history[0].by.length).toBeGreaterThan(0);
    await expect(invoke(engine, 'models.show', { ref: 'penguin@nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invoke(engine, 'models.alias', { ref: 'penguin@1', alias: 'latest' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'models.alias', { ref: 'penguin@1', alias: '7' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const un = await invoke(engine, 'models.unalias', { name: 'penguin', alias: 'challenger', reason: 'retired' });
    expect(un.removed).toBe(true);
    expect((await invoke(engine, 'models.aliasHistory', { name: 'penguin', alias: 'challenger' })).at(-1)).toMatchObject({ from: 1, to: null });
  });

  it('answers lineage both ways: dataset version -> run -> model version, and downstream', async () => {
    const v1 = await invoke(engine, 'models.show', { ref: 'penguin@1' });
    const g = await invoke(engine, 'models.lineage', { ref: 'penguin@1' });
    const kinds = g.nodes.map((n) => n.kind).sort();
    expect(kinds).toEqual(['dataset_version', 'model_version', 'run']);
    expect(g.edges).toContainEqual({ from: `run:${runA}`, to: `model_version:${v1.id}`, relation: 'produced' });
    expect(g.edges).toContainEqual({ from: `dataset_version:${v1.datasets[0].id}`, to: `run:${runA}`, relation: 'input' });
    const down = await invoke(engine, 'lineage.downstream', { kind: 'dataset_version', id: v1.datasets[0].id });
    expect(down.modelVersions.map((m) => `${m.model}@${m.number}`).sort()).toEqual(['other@1', 'penguin@1', 'penguin@2']);
  });

  it('writes a model card with editable fields, as Markdown and HTML', async () => {
    const card = await invoke(engine, 'models.updateCard', { ref: 'penguin@1', text: { intendedUse: 'Tell <b>penguins</b> apart' } });
    expect(card.markdown).toContain('# Model card: penguin v1');
    expect(card.markdown).toContain('Tell <b>penguins</b> apart');
    expect(card.markdown).toContain('## Data');
    expect(card.markdown).toContain('Beak Length (mm)');
    expect(card.markdown).toContain('## Training setup');
    expect(card.markdown).toContain('## Evaluation');
    expect(card.markdown).toContain('## Lineage');
    expect(card.html).toContain('Tell &lt;b&gt;penguins&lt;/b&gt; apart');
    expect(card.html).not.toContain('<b>penguins</b>');
    const again = await invoke(engine, 'models.card', { ref: 'penguin@1' });
    expect(again.text.intendedUse).toBe('Tell <b>penguins</b> apart');
  });

  it('compares two versions side by side', async () => {
    const c = await invoke(engine, 'models.compare', { a: 'penguin@1', b: 'penguin@2' });
    expect(c.versions.map((v) => v.number)).toEqual([1, 2]);
    expect(c.params.find((p) => p.key === 'lr')).toMatchObject({ values: ['0.01', '0.02'], differs: true });
    expect(c.metrics.find((m) => m.key === 'acc')?.values).toHaveLength(2);
  });

  it('predicts with a registered version, the same as the trainer would', async () => {
    const p = await invoke(engine, 'models.predict', { ref: 'penguin@champion', rows: rows.slice(0, 5) as never });
    expect(p.predictions).toHaveLength(5);
    expect(p.probabilities?.[0]).toHaveLength(3);
  });

  it('keeps the artifact when the run is purged and gc runs', async () => {
    const v = await invoke(engine, 'models.show', { ref: 'other@1' });
    await invoke(engine, 'runs.delete', { ids: [runB] });
    await invoke(engine, 'runs.purge', { ids: [runB] });
    await invoke(engine, 'store.gc', {});
    const p = await invoke(engine, 'models.predict', { ref: 'other@1', rows: rows.slice(0, 2) as never });
    expect(p.predictions).toHaveLength(2);
    expect((await invoke(engine, 'store.doctor', {})).ok).toBe(true);
    expect(v.files.length).toBe(4);
  });
});

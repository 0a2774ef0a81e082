import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { tempDir, tempEngine } from '../helpers';
import { trainPenguinRun } from '../registry/fixtures';

let a: Engine;
let b: Engine;
const cleanups: (() => void)[] = [];
let dir: string;
let runId: string;
let rows: Record<string, unknown>[];

beforeAll(async () => {
  const ea = await tempEngine();
  const eb = await tempEngine();
  a = ea.engine;
  b = eb.engine;
  cleanups.push(ea.cleanup, eb.cleanup);
  dir = tempDir('lathe-bundle-');
  ({ runId, rows } = await trainPenguinRun(a, { name: 'shared-run' }));
  await invoke(a, 'models.register', { runId, name: 'penguin', description: 'from workstation A' });
  await invoke(a, 'models.register', { runId, name: 'penguin' });
  await invoke(a, 'models.alias', { ref: 'penguin@1', alias: 'champion', reason: 'first' });
  await invoke(a, 'models.alias', { ref: 'penguin@2', alias: 'champion', reason: 'second' });
  await invoke(a, 'models.updateCard', { ref: 'penguin@2', text: { intendedUse: 'Field guides' } });
  await invoke(a, 'export.run', { ref: 'penguin@2', format: 'card', out: path.join(dir, 'card') });
});
afterAll(() => {
  cleanups.forEach((c) => c());
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('registry bundles between two workspaces', () => {
  it('moves models, runs, aliases, history, exports and lineage (with data) to a second workspace', async () => {
    const file = path.join(dir, 'a.lathe');
    const s = await invoke(a, 'bundle.export', { out: file, withData: true, gzip: true });
    expect(s).toMatchObject({ models: 1, versions: 2, runs: 1, datasetVersions: 1 });
    expect(fs.readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    const dry = await invoke(b, 'bundle.import', { file, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.added).toMatchObject({ versions: 2, runs: 1, models: 1, datasetVersions: 1 });
    expect(await invoke(b, 'models.list', {})).toEqual([]);

    const r = await invoke(b, 'bundle.import', { file });
    expect(r.added).toMatchObject({ versions: 2, runs: 1, models: 1, aliases: 1, aliasMoves: 2, exports: 1, datasetVersions: 1 });
    expect(r.conflicts).toEqual([]);

    const va = await invoke(a, 'models.show', { ref: 'penguin@champion' });
    const vb = await invoke(b, 'models.show', { ref: 'penguin@champion' });
    expect(vb.id).toBe(va.id);
    expect(vb.number).toBe(2);
    expect(vb.card.intendedUse).toBe('Field guides');
    expect(vb.files).toEqual(va.files);
    expect((await invoke(b, 'models.aliasHistory', { name: 'penguin', alias: 'champion' })).map((m) => m.reason)).toEqual(['first', 'second']);
    const run = await invoke(b, 'runs.get', { id: runId });
    expect(run.name).toBe('shared-run');
    expect(run.metrics.acc.count).toBeGreaterThan(0);
    expect(run.inputs[0].dataset).toBe('penguins');
    const ga = await invoke(a, 'models.lineage', { ref: 'penguin@2' });
    const gb = await invoke(b, 'models.lineage', { ref: 'penguin@2' });
    expect(gb.edges.sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to))).toEqual(ga.edges.sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to)));
    expect(gb.nodes.map((n) => n.kind).sort()).toEqual(['dataset_version', 'export', 'model_version', 'run']);
    expect((await invoke(b, 'export.history', { ref: 'penguin@2' }))[0].format).toBe('card');
    const pa = await invoke(a, 'models.predict', { ref: 'penguin@2', rows: rows.slice(0, 5) as never });
    const pb = await invoke(b, 'models.predict', { ref: 'penguin@2', rows: rows.slice(0, 5) as never });
    expect(pb).toEqual(pa);
    expect((await invoke(b, 'datasets.versions', { name: 'penguins' }))[0].rowCount).toBe(344);
    expect((await invoke(b, 'store.doctor', {})).ok).toBe(true);

    const again = await invoke(b, 'bundle.import', { file });
    expect(again.added).toEqual({});
    expect(again.objects.new).toBe(0);
  });

  it('keeps ids beside local versions, renumbering on a clash, and reports alias conflicts unless forced', async () => {
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    const local = await trainPenguinRun(c.engine, { name: 'local-run' });
    await invoke(c.engine, 'models.register', { runId: local.runId, name: 'penguin' });
    await invoke(c.engine, 'models.alias', { ref: 'penguin@1', alias: 'champion', reason: 'ours' });
    const file = path.join(dir, 'models-only.tar');
    await invoke(a, 'bundle.export', { out: file, models: ['penguin'] });
    const r = await invoke(c.engine, 'bundle.import', { file });
    expect(r.renumbered.map((x) => [x.from, x.to])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(r.conflicts).toEqual([{ kind: 'alias', model: 'penguin', alias: 'champion', local: 1, bundle: 3, resolution: 'kept-local' }]);
    expect((await invoke(c.engine, 'models.show', { ref: 'penguin@champion' })).number).toBe(1);
    expect((await invoke(c.engine, 'models.versions', { name: 'penguin' })).map((v) => v.number)).toEqual([3, 2, 1]);
    const forced = await invoke(c.engine, 'bundle.import', { file, force: true });
    expect(forced.conflicts[0].resolution).toBe('overwritten');
    expect((await invoke(c.engine, 'models.show', { ref: 'penguin@champion' })).number).toBe(3);
    expect((await invoke(c.engine, 'models.aliasHistory', { name: 'penguin', alias: 'champion' })).at(-1)?.reason).toBe('bundle import (--force)');
  });

  it('carries chunk lists, and imports them on both hashing paths (inline, and with a hashing thread)', async () => {
    const file = path.join(dir, 'chunked.tar');
    a.registry.bundles.hashThreadMin = 0; // the export verifies chunks on the hashing thread too
    try {
      await invoke(a, 'bundle.export', { out: file, withData: true });
    } finally {
      a.registry.bundles.hashThreadMin = 32 * 1024 * 1024;
    }
    for (const threadMin of [Infinity, 0]) {
      const c = await tempEngine();
      cleanups.push(c.cleanup);
      c.engine.registry.bundles.hashThreadMin = threadMin;
      const r = await invoke(c.engine, 'bundle.import', { file });
      expect(r.objects.new).toBeGreaterThan(0);
      expect((await invoke(c.engine, 'store.doctor', {})).ok).toBe(true);
      // The imported blobs have exactly the exporter's chunks (and so dedupe against them).
      const chunksOf = (e: Engine) => e.db.prepare('SELECT blob_hash, seq, chunk_hash, length FROM blob_chunks ORDER BY blob_hash, seq').all();
      const mine = chunksOf(c.engine) as { blob_hash: string }[];
      const theirs = (chunksOf(a) as { blob_hash: string }[]).filter((x) => mine.some((m) => m.blob_hash === x.blob_hash));
      expect(mine).toEqual(theirs);
    }
  });

  it('selects runs by query', async () => {
    const file = path.join(dir, 'runs.tar');
    const s = await invoke(a, 'bundle.export', { out: file, runs: 'name = "shared-run"' });
    expect(s.runs).toBe(1);
    expect(s.versions).toBe(2);
    const none = await invoke(a, 'bundle.export', { out: path.join(dir, 'none.tar'), runs: 'name = "nothing"' });
    expect(none).toMatchObject({ runs: 0, versions: 0, objects: 0 });
  });
});

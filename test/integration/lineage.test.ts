import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import { tempDir, tempEngine } from '../helpers';

/** Datasets and runs meet in the lineage table: a version a run used cannot vanish under it. */

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('lineage across datasets and runs', () => {
  it('refuses to delete a dataset version a run read, until the run is purged', async () => {
    const { engine, cleanup } = await tempEngine();
    cleanups.push(cleanup);
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'd.csv'), 'a,b\n1,2\n3,4\n');
    const added = await invoke(engine, 'datasets.add', { name: 'toy', path: path.join(dir, 'd.csv') });
    const run = await invoke(engine, 'runs.create', { experiment: 'lineage', inputs: [added.version.id] });

    await expect(invoke(engine, 'datasets.remove', { ref: 'toy@v1' })).rejects.toMatchObject({ code: 'IN_USE' });
    const got = await invoke(engine, 'runs.get', { id: run.id });
    expect(JSON.stringify(got)).toContain(added.version.id);

    // Trash keeps the lineage (a run can come back); purging removes it.
    await invoke(engine, 'runs.delete', { ids: [run.id] });
    await expect(invoke(engine, 'datasets.remove', { ref: 'toy@v1' })).rejects.toMatchObject({ code: 'IN_USE' });
    await invoke(engine, 'runs.purge', { ids: [run.id] });
    const removed = await invoke(engine, 'datasets.remove', { ref: 'toy@v1' });
    expect(removed.removed.id).toBe(added.version.id);

    const gc = await invoke(engine, 'store.gc', {});
    expect(gc.blobsRemoved).toBeGreaterThan(0);
    expect((await invoke(engine, 'store.doctor', {})).ok).toBe(true);
  });
});

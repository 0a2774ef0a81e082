import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LatheEvent } from '../../src/shared/contract';
import { failure, PENGUINS, workspace } from './fixtures';

const csv = (rows: number, extra = '') => ['id,v', ...Array.from({ length: rows }, (_, i) => `${i},${i * 2}${extra}`)].join('\n') + '\n';

describe('versions', () => {
  it('makes content-hashed versions with parents, dedups identical content and reports progress', async () => {
    const w = await workspace();
    const events: LatheEvent[] = [];
    w.engine.events.subscribe((e) => events.push(e));
    const v1 = await w.add('d', w.write('a/d.csv', csv(10)), { message: 'first' });
    const v2 = await w.add('d', w.write('b/d.csv', csv(12)), { message: 'second' });
    expect(v1.version).toMatchObject({ number: 1, parentId: null, message: 'first', fileCount: 1, rowCount: 10, columnCount: 2 });
    expect(v2.version).toMatchObject({ number: 2, parentId: v1.version.id });
    expect(v1.version.id).toMatch(/^[0-9a-f]{64}$/);
    expect(v1.version.storedBytes).toBeGreaterThan(0);
    const same = await w.add('d', w.write('c/d.csv', csv(10)));
    expect(same.created).toBe(false);
    expect(same.note).toBe('identical to d@v1; no new version made');
    expect(same.version.id).toBe(v1.version.id);
    // The same content in another dataset is a version there too, with the same content id.
    const other = await w.add('e', w.write('c/d.csv', csv(10)));
    expect(other.created).toBe(true);
    expect(other.version.id).toBe(v1.version.id);
    expect(other.version.storedBytes).toBe(0);
    const versions = await w.engine['datasets.versions']({ name: 'd' });
    expect(versions.map((v) => v.number)).toEqual([2, 1]);
    const list = await w.engine['datasets.list']({});
    expect(list.map((d) => [d.name, d.versionCount, d.latest?.number])).toEqual([['d', 2, 2], ['e', 1, 1]]);
    const phases = new Set(events.filter((e) => e.type === 'task.progress').map((e) => (e.data as { phase: string }).phase));
    expect([...phases]).toEqual(expect.arrayContaining(['reading', 'chunking', 'committing']));
    expect(events.some((e) => e.type === 'datasets.changed')).toBe(true);
  });
});

describe('refs and tags', () => {
  it('resolves every ref form and explains the ones that do not exist', async () => {
    const w = await workspace();
    const v1 = (await w.add('d', w.write('1/d.csv', csv(3)), { tag: 'base' })).version;
    const v2 = (await w.add('d', w.write('2/d.csv', csv(4)))).version;
    const show = async (ref: string) => (await w.engine['datasets.show']({ ref })).version.number;
    expect(await show('d')).toBe(2);
    expect(await show('d@latest')).toBe(2);
    expect(await show('d@v1')).toBe(1);
    expect(await show('d@base')).toBe(1);
    expect(await show(`d@${v2.id.slice(0, 6)}`)).toBe(2);
    expect(await show(`d@${v1.id.toUpperCase().slice(0, 10)}`)).toBe(1);

    const noDataset = await failure(show('nope'));
    expect(noDataset).toMatchObject({ code: 'NOT_FOUND' });
    expect(noDataset.hint).toContain('d');
    const noVersion = await failure(show('d@v9'));
    expect(noVersion.code).toBe('NOT_FOUND');
    expect(noVersion.hint).toContain('lathe data versions d');
    expect(noVersion.hint).toContain('v1');
    expect((await failure(show('d@nosuchtag'))).code).toBe('NOT_FOUND');
    expect((await failure(show('d@ffffffff'))).code).toBe('NOT_FOUND');
  });

  it('lists candidates for an ambiguous hash prefix', async () => {
    const w = await workspace();
    await w.add('d', w.write('1/d.csv', csv(3)));
    // Content hashes cannot be steered, so two versions sharing a prefix are written directly.
    const insert = w.engine.db.prepare(
      `INSERT INTO dataset_versions (dataset_id, id, number, message, created_at, parent_id, source_path, format, size,
         file_count, row_count, column_count, stored_bytes, profile_json, index_blob)
       SELECT dataset_id, ?, ?, message, created_at, NULL, source_path, format, size, file_count, row_count, column_count,
         stored_bytes, profile_json, index_blob FROM dataset_versions WHERE number = 1`,
    );
    insert.run('abcd1111' + '0'.repeat(56), 2);
    insert.run('abcd2222' + '0'.repeat(56), 3);
    const err = await failure(w.engine['datasets.show']({ ref: 'd@abcd' }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('ambiguous');
    expect(err.hint).toContain('abcd1111');
    expect(err.hint).toContain('abcd2222');
    expect((await w.engine['datasets.show']({ ref: 'd@abcd2' })).version.number).toBe(3);
  });

  it('moves a tag that already exists and removes it with untag', async () => {
    const w = await workspace();
    await w.add('d', w.write('1/d.csv', csv(3)));
    await w.add('d', w.write('2/d.csv', csv(4)));
    expect((await w.engine['datasets.tag']({ ref: 'd@v1', tag: 'prod' })).tags).toEqual(['prod']);
    expect((await w.engine['datasets.tag']({ ref: 'd@v2', tag: 'prod' })).tags).toEqual(['prod']);
    const versions = await w.engine['datasets.versions']({ name: 'd' });
    expect(versions.map((v) => v.tags)).toEqual([['prod'], []]);
    expect(await w.engine['datasets.untag']({ name: 'd', tag: 'prod' })).toEqual({ removed: true });
    expect(await w.engine['datasets.untag']({ name: 'd', tag: 'prod' })).toEqual({ removed: false });
    expect((await failure(w.engine['datasets.show']({ ref: 'd@prod' }))).code).toBe('NOT_FOUND');
  });
});

describe('export', () => {
  it('writes files back byte-identical and refuses to overwrite', async () => {
    const w = await workspace();
    await w.add('penguins', PENGUINS);
    const out = path.join(w.dir, 'out');
    const r = await w.engine['datasets.export']({ ref: 'penguins@v1', out });
    expect(r.files).toEqual([path.join(out, 'penguins.csv')]);
    expect(fs.readFileSync(r.files[0]).equals(fs.readFileSync(PENGUINS))).toBe(true);
    const err = await failure(w.engine['datasets.export']({ ref: 'penguins', out }));
    expect(err.code).toBe('ALREADY_EXISTS');
    expect(err.message).toContain('penguins.csv');
  });
});

describe('remove', () => {
  it('refuses while lineage uses a version, re-parents children, drops tags, and gc frees the bytes', async () => {
    const w = await workspace();
    const v1 = (await w.add('d', w.write('1/d.csv', csv(300)))).version;
    const v2 = (await w.add('d', w.write('2/d.csv', csv(5000)), { tag: 'mid' })).version;
    const v3 = (await w.add('d', w.write('3/d.csv', csv(7)))).version;
    w.engine.db
      .prepare("INSERT INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES ('dataset_version', ?, 'run', 'run-1', 'trained', '')")
      .run(v2.id);
    const refused = await failure(w.engine['datasets.remove']({ ref: 'd@v2' }));
    expect(refused.code).toBe('IN_USE');
    expect(refused.message).toContain('run-1'); // no such run: its id is all there is to say
    // A real run is named, not shown as a raw id.
    const run = await w.engine['runs.create']({ experiment: 'uses', name: 'trained-on-v2', source: 'api', notes: '', params: {}, tags: {}, inputs: [] });
    w.engine.db
      .prepare("INSERT INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES ('dataset_version', ?, 'run', ?, 'read', '')")
      .run(v2.id, run.id);
    const named = await failure(w.engine['datasets.remove']({ ref: 'd@v2' }));
    expect(named.message).toContain('run "trained-on-v2" (read)');
    expect(named.message).not.toContain(run.id);
    w.engine.db.prepare('DELETE FROM lineage').run();
    expect((await w.engine['datasets.remove']({ ref: 'd@mid' })).removed.id).toBe(v2.id);
    const left = await w.engine['datasets.versions']({ name: 'd' });
    expect(left.map((v) => [v.number, v.parentId])).toEqual([[3, v1.id], [1, null]]);
    expect(left.find((v) => v.id === v3.id)?.parentId).toBe(v1.id);
    const gc = await w.engine['store.gc']({});
    expect(gc.blobsRemoved).toBeGreaterThanOrEqual(2); // the file and its row index
    expect((await w.engine['datasets.rows']({ ref: 'd@v1', offset: 299, limit: 1 })).rows).toEqual([[299, 598]]);
    await w.engine['datasets.remove']({ ref: 'd@v1' });
    await w.engine['datasets.remove']({ ref: 'd' });
    expect(await w.engine['datasets.list']({})).toEqual([]);
    const doctor = await w.engine['store.doctor']({});
    expect(doctor.ok).toBe(true);
  });
});

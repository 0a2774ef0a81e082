import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LatheEvent } from '../../src/shared/contract';
import { hashFile } from '../../src/main/engine/store/fileHash';
import { failure, workspace } from './fixtures';

const csv = (rows: number) => ['id,v', ...Array.from({ length: rows }, (_, i) => `${i},${i * 3}`)].join('\n') + '\n';

function phasesOf(events: LatheEvent[]): string[] {
  return [...new Set(events.filter((e) => e.type === 'task.progress').map((e) => (e.data as { phase: string }).phase))];
}

describe('re-adding an unchanged file', () => {
  it('only hashes it: no parse, no chunking, no pack; the tag moves; the note is the usual one', async () => {
    const w = await workspace();
    const file = w.write('d.csv', csv(500));
    const v1 = await w.add('d', file, { message: 'first' });
    await w.add('d', w.write('d2.csv', csv(501)));
    const packs = fs.readdirSync(path.join(w.home, 'objects', 'packs')).length;
    const events: LatheEvent[] = [];
    w.engine.events.subscribe((e) => events.push(e));
    const again = await w.add('d', file, { tag: 'gold' });
    expect(again.created).toBe(false);
    expect(again.note).toBe('identical to d@v1; no new version made');
    expect(again.version.id).toBe(v1.version.id);
    expect(again.version.tags).toContain('gold');
    expect(phasesOf(events)).toEqual(['hashing']);
    expect(events.some((e) => e.type === 'datasets.changed')).toBe(true);
    expect(fs.readdirSync(path.join(w.home, 'objects', 'packs')).length).toBe(packs);
    expect(fs.readdirSync(path.join(w.home, 'tmp'))).toEqual([]);
    expect((await w.engine['datasets.versions']({ name: 'd' })).length).toBe(2);
    expect((await w.engine['datasets.show']({ ref: 'd@gold' })).version.number).toBe(1);
  });

  it('the same bytes under another file name are a new version (the name is part of the manifest)', async () => {
    const w = await workspace();
    await w.add('d', w.write('a.csv', csv(5000)));
    const renamed = await w.add('d', w.write('b.csv', csv(5000)));
    expect(renamed.created).toBe(true);
    // The data chunks are shared; only the new row index (which names the file) is stored.
    expect(renamed.version.storedBytes).toBeLessThan(fs.statSync(path.join(w.dir, 'b.csv')).size);
  });

  it('a new version stores the blob under the hash computed once, and it reads back verified', async () => {
    const w = await workspace();
    const file = w.write('d.csv', csv(3000));
    const { hash } = await hashFile(file);
    const v = await w.add('d', file);
    expect(w.engine.store.hasBlob(hash)).toBe(true);
    expect(w.engine.store.readBlob(hash).equals(fs.readFileSync(file))).toBe(true);
    expect(v.version.rowCount).toBe(3000);
  });

  it('a file no version could equal (no version of its size) is not hashed first: chunking hashes it once', async () => {
    const w = await workspace();
    const events: LatheEvent[] = [];
    w.engine.events.subscribe((e) => events.push(e));
    const file = w.write('d.csv', csv(4000));
    const { hash } = await hashFile(file);
    const v1 = await w.add('d', file);
    expect(phasesOf(events)).not.toContain('hashing');
    expect(w.engine.store.hasBlob(hash)).toBe(true);
    // The same file again: a version of its size exists, so the hash comes first and settles it.
    events.length = 0;
    const again = await w.add('d', file);
    expect(again.created).toBe(false);
    expect(again.version.id).toBe(v1.version.id);
    expect(phasesOf(events)).toEqual(['hashing']);
  });

  it('the store refuses a precomputed hash once the file has changed', async () => {
    const w = await workspace();
    const file = w.write('d.csv', csv(100));
    const known = await hashFile(file);
    fs.appendFileSync(file, '100,300\n');
    const s = w.engine.store.beginStage();
    const err = await failure(s.addFile(file, undefined, { known }));
    s.abort();
    expect(err).toMatchObject({ code: 'CONFLICT', where: file });
  });
});

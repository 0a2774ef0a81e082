import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/main/engine/db/connection';
import { PendingFlushRepo, type PendingFlushRow } from '../../src/main/engine/db/pendingFlushRepo';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { tempDir, tempEngine } from '../helpers';

/**
 * Deferred durability of bundle imports (issue 14): the call returns before its pack is fsynced, with
 * a journal row committed in the same transaction. A crash before the background sync is simulated
 * by putting that journal row back (owned by a process that is gone) after the pack was damaged, then
 * opening the workspace: the whole import must be rolled back, the earlier import untouched.
 */

let a: Engine;
let dir: string;
const cleanups: (() => void)[] = [];
const shared = randomBytes(300 * 1024);
const fresh = randomBytes(400 * 1024);
let first: string;
let second: string;

async function runWith(name: string, files: Record<string, Buffer>): Promise<void> {
  const run = await invoke(a, 'runs.create', { experiment: 'bundles', name });
  for (const [rel, bytes] of Object.entries(files)) {
    const f = path.join(dir, `${name}-${rel}`);
    fs.writeFileSync(f, bytes);
    await a.tracking.runs.putArtifactFile(run.id, rel, f);
  }
  await invoke(a, 'runs.update', { id: run.id, status: 'finished' });
}

beforeAll(async () => {
  const ea = await tempEngine();
  a = ea.engine;
  cleanups.push(ea.cleanup);
  dir = tempDir('lathe-interrupted-');
  await runWith('first', { 'shared.bin': shared });
  // The second run holds the first one's object too: importing it after the first reuses those chunks.
  await runWith('second', { 'shared.bin': shared, 'fresh.bin': fresh });
  first = path.join(dir, 'first.lathe');
  second = path.join(dir, 'second.lathe');
  await invoke(a, 'bundle.export', { out: first, runs: 'name = "first"' });
  await invoke(a, 'bundle.export', { out: second, runs: 'name = "second"' });
});
afterAll(() => {
  cleanups.forEach((c) => c());
  fs.rmSync(dir, { recursive: true, force: true });
});

async function runNamed(e: Engine, name: string) {
  const page = await invoke(e, 'runs.search', { query: `name = "${name}"` });
  return page.runs[0];
}

async function artifact(e: Engine, runId: string, rel: string): Promise<Buffer> {
  const entry = (await invoke(e, 'runs.artifacts.list', { runId, recursive: true })).find((x) => x.path === rel);
  if (!entry?.blobHash) throw new Error(`no artifact ${rel}`);
  return e.store.readBlob(entry.blobHash);
}

/**
 * Imports the first bundle (synced), then the second, keeps the journal row its import committed,
 * closes the workspace cleanly (which syncs and clears it), and puts the row back as a crashed
 * process would have left it. `damage` then changes the second import's pack on disk.
 */
async function crashAfterSecondImport(damage: (pack: string, row: PendingFlushRow) => void): Promise<{ home: string; row: PendingFlushRow }> {
  const home = tempDir('lathe-interrupted-home-');
  const b = await createEngine({ home, sample: false, door: 'test' });
  await invoke(b, 'bundle.import', { file: first });
  await b.store.deferred.settle();
  expect(b.store.deferred.repo.all()).toEqual([]);
  await invoke(b, 'bundle.import', { file: second });
  // Read before the background sync can finish (its callback runs only after this continuation).
  const rows = b.store.deferred.repo.all();
  expect(rows).toHaveLength(1);
  const row = rows[0];
  expect(row.label).toBe(second);
  b.close();
  const db = openDatabase(path.join(home, 'lathe.db'));
  try {
    const repo = new PendingFlushRepo(db);
    expect(repo.all()).toEqual([]);
    // The same pid, another start identity: the process that wrote it has ended.
    repo.insert({ ...row, owner_started: 'a process that has ended' });
  } finally {
    db.close();
  }
  damage(path.join(home, 'objects', 'packs', `${row.pack_id}.pack`), row);
  cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
  return { home, row };
}

async function openWatched(home: string): Promise<{ engine: Engine; warnings: string[] }> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const engine = await createEngine({ home, sample: false, door: 'test' });
    cleanups.unshift(() => engine.close());
    return { engine, warnings: warn.mock.calls.map((c) => String(c[0])) };
  } finally {
    warn.mockRestore();
  }
}

describe('bundle import: deferred durability', () => {
  it('returns before the pack is synced and clears its journal row once it is', async () => {
    const home = tempDir('lathe-interrupted-home-');
    const b = await createEngine({ home, sample: false, door: 'test' });
    try {
      await invoke(b, 'bundle.import', { file: second });
      expect(b.store.deferred.repo.all()).toHaveLength(1);
      await b.store.deferred.settle();
      expect(b.store.deferred.repo.all()).toEqual([]);
    } finally {
      b.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  for (const [how, damage] of [
    ['a chunk with other bytes', (pack: string, row: PendingFlushRow) => {
      const [, offset] = (JSON.parse(row.chunks_json) as [string, number, number][]).at(-1) as [string, number, number];
      const fd = fs.openSync(pack, 'r+');
      fs.writeSync(fd, Buffer.alloc(4096, 0), 0, 4096, offset);
      fs.closeSync(fd);
    }],
    ['a truncated pack', (pack: string) => fs.truncateSync(pack, Math.floor(fs.statSync(pack).size / 2))],
    ['a missing pack', (pack: string) => fs.rmSync(pack)],
  ] as const) {
    it(`rolls the whole import back at the next start after ${how}, and says so`, async () => {
      const { home, row } = await crashAfterSecondImport(damage);
      const { engine, warnings } = await openWatched(home);
      expect(warnings.join('\n')).toContain(`the import of ${second} at ${row.created_at} was interrupted before it reached the disk; it was rolled back: import it again`);
      expect(await runNamed(engine, 'second')).toBeUndefined();
      // The earlier import is whole, including the chunks the second one shared with it.
      const r1 = await runNamed(engine, 'first');
      expect(r1).toBeDefined();
      expect((await artifact(engine, r1.id, 'shared.bin')).equals(shared)).toBe(true);
      expect(engine.store.deferred.repo.all()).toEqual([]);
      expect(fs.existsSync(path.join(home, 'objects', 'packs', `${row.pack_id}.pack`))).toBe(false);
      const doctor = await invoke(engine, 'store.doctor', {});
      expect(doctor.problems).toEqual([]);
      expect(doctor.ok).toBe(true);
      expect(doctor.unrecordedPacks).toEqual([]);
      // Importing it again brings it all back.
      const again = await invoke(engine, 'bundle.import', { file: second });
      expect(again.added).toMatchObject({ runs: 1 });
      const r2 = await runNamed(engine, 'second');
      expect((await artifact(engine, r2.id, 'fresh.bin')).equals(fresh)).toBe(true);
    });
  }

  it('clears an intact pending import at the next start and keeps it', async () => {
    const { home } = await crashAfterSecondImport(() => undefined);
    const { engine, warnings } = await openWatched(home);
    expect(warnings.filter((w) => w.includes('interrupted'))).toEqual([]);
    expect(engine.store.deferred.repo.all()).toEqual([]);
    const r2 = await runNamed(engine, 'second');
    expect((await artifact(engine, r2.id, 'fresh.bin')).equals(fresh)).toBe(true);
    expect((await artifact(engine, r2.id, 'shared.bin')).equals(shared)).toBe(true);
  });

  it('leaves the pending import of a live process alone at start', async () => {
    const { home, row } = await crashAfterSecondImport(() => undefined);
    const db = openDatabase(path.join(home, 'lathe.db'));
    const repo = new PendingFlushRepo(db);
    repo.delete(row.id);
    repo.insert(row); // owned by this very process, which is alive
    db.close();
    const { engine } = await openWatched(home);
    expect(engine.store.deferred.repo.all().map((r) => r.id)).toEqual([row.id]);
    // Any commit into the store makes pending packs durable first (a new blob could reuse their chunks).
    await engine.tracking.runs.putArtifactFile((await runNamed(engine, 'second')).id, 'more.bin', path.join(dir, 'first-shared.bin'));
    expect(engine.store.deferred.repo.all()).toEqual([]);
  });
});

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/main/engine/db/connection';
import { MIGRATIONS } from '../../src/main/engine/db/migrations';
import { MonitoringRepo } from '../../src/main/engine/db/monitoringRepo';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { carryOverRequests, RequestIndex } from '../../src/main/engine/monitoring/requestIndex';
import { requestKeyer, setRequestKeyBits } from '../../src/main/engine/monitoring/requestKeys';
import { tempDir } from '../helpers';
import { COLS, logLines, trainRealModel, writeLines } from './fixture';

/** The request index on integer keys (migration 13): collisions, the carry-over from migration 12, and the whole path with keys narrowed so that ids collide. */

const dirs: string[] = [];
afterAll(() => {
  setRequestKeyBits(53);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function freshDb(): { db: Db; repo: MonitoringRepo } {
  const dir = tempDir('lathe-reqidx-');
  dirs.push(dir);
  const db = openDatabase(path.join(dir, 'lathe.db'));
  return { db, repo: new MonitoringRepo(db) };
}

/** Claims ids as one ingest batch would: one page per call, keys from the model's keyer. */
function claimBatch(repo: MonitoringRepo, model: string, ids: string[]): Uint8Array {
  return repo.transaction(() => {
    const index = new RequestIndex(repo, model);
    const page = repo.nextPageId();
    const fresh = index.claim(ids, ids.map(index.keyOf), ids.map(() => page));
    const kept = ids.filter((_, i) => fresh[i]);
    if (kept.length) index.writePage({ id: page, start: 0, version: 1, alias: '', ids: kept, times: kept.map(() => 0), predictions: kept.map((id) => `p-${id}`), probs: kept.map(() => null) });
    return fresh;
  });
}

describe('request keys', () => {
  it('are 53-bit integers, per model, and spread (no collision among 200k UUID-like ids)', () => {
    const a = requestKeyer('m');
    const b = requestKeyer('m2');
    expect(a('x')).toBe(a('x'));
    expect(a('x')).not.toBe(b('x'));
    const seen = new Set<number>();
    let bad = 0;
    for (let i = 0; i < 200_000; i++) {
      const k = a(`${i.toString(16).padStart(8, '0')}-4a1b-9c2d-${i}`);
      if (!Number.isSafeInteger(k) || k < 0) bad++;
      seen.add(k);
    }
    expect(bad).toBe(0);
    expect(seen.size).toBe(200_000);
  });

  it('over many insert chunks, a chunk that probes sees the ids earlier chunks claimed whole (duplicates of them are not new), with and without collisions', () => {
    for (const bits of [53, 12]) {
      setRequestKeyBits(bits);
      try {
        const { db, repo } = freshDb();
        const ids = Array.from({ length: 1200 }, (_, i) => `chunked-${i}`);
        // Repeats of ids from the first chunks, late in the list (a chunk that went in whole, then one that must probe).
        const list = [...ids.slice(0, 900), 'chunked-5', 'chunked-260', ...ids.slice(900), 'chunked-1199', 'chunked-0'];
        const first = new Set<string>();
        const want = list.map((id) => (first.has(id) ? 0 : (first.add(id), 1)));
        expect([...claimBatch(repo, 'm', list)]).toEqual(want);
        expect([...claimBatch(repo, 'm', ['chunked-7', 'chunked-1100', 'fresh-one'])]).toEqual([0, 0, 1]);
        expect(repo.requestCount('m')).toBe(1201);
        db.close();
      } finally {
        setRequestKeyBits(53);
      }
    }
  });

  it('with colliding keys (narrowed to 6 bits), every id is claimed once, found again, and duplicates are told apart from collisions', () => {
    setRequestKeyBits(6);
    try {
      const { db, repo } = freshDb();
      const ids = Array.from({ length: 40 }, (_, i) => `id-${i}`);
      // 40 ids over 64 keys collide; one id twice inside the batch is a duplicate, not a collision.
      const fresh = claimBatch(repo, 'm', [...ids.slice(0, 30), 'id-3', ...ids.slice(30)]);
      expect([...fresh]).toEqual([...Array(30).fill(1), 0, ...Array(10).fill(1)]);
      const keyOf = requestKeyer('m');
      expect(new Set(ids.map(keyOf)).size).toBeLessThan(40);
      // Again, mixed with new ids and another model's same ids: only the new ones are fresh.
      expect([...claimBatch(repo, 'm', ['id-5', 'new-1', 'id-39', 'new-2'])]).toEqual([0, 1, 0, 1]);
      expect([...claimBatch(repo, 'other', ['id-5', 'id-6'])]).toEqual([1, 1]);
      const index = new RequestIndex(repo, 'm');
      for (const id of [...ids, 'new-1', 'new-2']) expect(index.find(id)?.prediction).toBe(`p-${id}`);
      expect(index.find('id-40')).toBeUndefined();
      expect(new RequestIndex(repo, 'other').find('id-7')).toBeUndefined();
      expect(repo.requestCount('m')).toBe(42);
      db.close();
    } finally {
      setRequestKeyBits(53);
    }
  });
});

describe('migration 13', () => {
  it('carries a workspace written at migration 12 over: every request, its window, prediction and label, once', () => {
    const dir = tempDir('lathe-mig12-');
    dirs.push(dir);
    const file = path.join(dir, 'lathe.db');
    // A workspace as Lathe wrote it at migration 12, with logged requests (some labelled).
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of MIGRATIONS.filter((x) => x.id <= 12)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?, ?)').run(m.id, m.name, createHash('sha256').update(m.sql).digest('hex'), new Date().toISOString());
    }
    const ins = old.prepare('INSERT INTO monitor_requests (model, request_id, version, alias, window_start, time, prediction, probs_json, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const rows = Array.from({ length: 2500 }, (_, i) => ({ model: i % 5 === 0 ? 'b' : 'a', id: `r${i}`, version: 1 + (i % 2), alias: i % 3 ? 'champion' : '', start: 3_600_000 * (i % 7), time: 3_600_000 * (i % 7) + i, prediction: i % 4 ? 'yes' : 'no', probs: i % 10 ? '[0.25,0.75]' : null, label: i % 3 === 0 ? (i % 2 ? 'yes' : 'no') : null }));
    old.transaction(() => {
      for (const r of rows) ins.run(r.model, r.id, r.version, r.alias, r.start, r.time, r.prediction, r.probs, r.label);
    })();
    old.close();

    const db = openDatabase(file);
    const repo = new MonitoringRepo(db);
    expect(repo.hasLegacyRequests()).toBe(true);
    // Small chunks: the carry-over pages through the old table.
    expect(carryOverRequests(repo, 700)).toBe(2500);
    expect(repo.hasLegacyRequests()).toBe(false);
    expect(carryOverRequests(repo)).toBe(0);
    expect(repo.requestCount('a') + repo.requestCount('b')).toBe(2500);
    const a = new RequestIndex(repo, 'a');
    const b = new RequestIndex(repo, 'b');
    for (const r of rows) {
      const f = (r.model === 'a' ? a : b).find(r.id);
      expect(f).toMatchObject({ version: r.version, alias: r.alias, windowStart: r.start, prediction: r.prediction, label: r.label });
      expect((r.model === 'a' ? b : a).find(r.id)).toBeUndefined();
    }
    const labels = new Map<string, string>();
    for (const page of repo.labelPages('a', 0, 7 * 3_600_000)) {
      const ids = JSON.parse(page.ids_json) as string[];
      (JSON.parse(page.labels_json) as (string | null)[]).forEach((l, i) => l !== null && labels.set(ids[i], l));
    }
    expect(labels.size).toBe(rows.filter((r) => r.model === 'a' && r.label !== null).length);
    expect(labels.get('r3')).toBe('yes');
    // Ingest after the carry-over: the old ids are duplicates.
    expect([...claimBatch(repo, 'a', ['r1', 'r2', 'fresh'])]).toEqual([0, 0, 1]);
    db.close();
  });
});

describe('the whole path with colliding keys', () => {
  let engine: Engine;
  let dir: string;
  const START = Date.UTC(2026, 10, 10);
  let lines: string[];
  let truth: Map<string, string>;

  beforeAll(async () => {
    dir = tempDir('lathe-reqidx-engine-');
    dirs.push(dir);
    engine = await createEngine({ home: path.join(dir, 'ws'), sample: false });
    await trainRealModel(engine, dir);
    ({ lines, truth } = await logLines(engine, 'churn@1', { hours: 3, perHour: 200, start: START, seed: 3 }));
    // 600 ids over 1024 keys: many collide (keys are stored under this width for this workspace only).
    setRequestKeyBits(10);
  }, 240_000);

  afterAll(() => {
    engine.close();
    setRequestKeyBits(53);
  });

  it('ingests every id once, says so again on a re-ingest, joins every label, and the logged rows become a byte-exact CSV', async () => {
    const keyOf = requestKeyer('churn');
    expect(new Set([...truth.keys()].map(keyOf)).size).toBeLessThan(truth.size - 50);
    const file = writeLines(dir, 'log.ndjson', lines);
    // Parsed and sketched on the worker thread (a log this small would be parsed inline); then inline
    // and on the worker again with a duplicate inside the file (the worker's windows are dropped then).
    process.env.LATHE_INGEST_PARSE = 'worker';
    const first = await invoke(engine, 'monitor.ingest', { ref: 'churn', files: [file] }).finally(() => delete process.env.LATHE_INGEST_PARSE);
    expect(first).toMatchObject({ accepted: 600, duplicates: 0, malformed: 0 });
    const twice = writeLines(dir, 'twice.ndjson', [...lines, lines[7]]);
    const again = await invoke(engine, 'monitor.ingest', { ref: 'churn', files: [twice] });
    expect(again).toMatchObject({ accepted: 0, duplicates: 601 });
    process.env.LATHE_INGEST_PARSE = 'worker';
    const more = await logLines(engine, 'churn@1', { hours: 1, perHour: 50, start: START + 3 * 3_600_000, seed: 4, idPrefix: 'm' });
    const mixed = await invoke(engine, 'monitor.ingest', { ref: 'churn', files: [writeLines(dir, 'mixed.ndjson', [...more.lines, lines[0], more.lines[3]])] }).finally(() => delete process.env.LATHE_INGEST_PARSE);
    expect(mixed).toMatchObject({ accepted: 50, duplicates: 2 });
    expect(engine.monitoring.repo.requestCount('churn')).toBe(650);

    const labelled = [...truth.keys()].filter((_, i) => i % 3 !== 0);
    const joined = await invoke(engine, 'monitor.labels', { ref: 'churn', labels: [...labelled.map((requestId) => ({ requestId, label: truth.get(requestId)! })), { requestId: 'nobody', label: 'yes' }] });
    expect(joined).toMatchObject({ matched: labelled.length, unmatched: 1, unmatchedIds: ['nobody'] });
    const t = await invoke(engine, 'monitor.timeline', { ref: 'churn', from: START, to: START + 3 * 3_600_000 });
    expect(t.windows.map((w) => w.rows)).toEqual([200, 200, 200]);
    expect(t.windows.reduce((n, w) => n + w.labelled, 0)).toBe(labelled.length);

    // The raw rows with their labels, as the dataset path writes them: exactly the CSV made here from the log.
    const out = path.join(dir, 'rows.csv');
    const w = await engine.monitoring.logRows({ ref: 'churn', from: START, to: START + 3 * 3_600_000, labelledOnly: false }, out);
    expect(w).toMatchObject({ rows: 600, labelled: labelled.length });
    const expected = [[...COLS, 'y'].join(',')];
    for (const line of lines) {
      const rec = JSON.parse(line) as { requestId: string; features: Record<string, string | number> };
      const label = labelled.includes(rec.requestId) ? truth.get(rec.requestId)! : '';
      expected.push([...COLS.map((c) => String(rec.features[c])), label].join(','));
    }
    expect(fs.readFileSync(out, 'utf8')).toBe(expected.join('\n') + '\n');

    // Sealed into Parquet parts (the windows closed long ago), the same rows read back as the same bytes.
    const sealed = await engine.monitoring.compaction.run();
    expect(sealed).toMatchObject({ sealed: 4, rows: 650, failed: [] });
    expect(engine.monitoring.repo.segments('churn', START, START + 4 * 3_600_000)).toEqual([]);
    const again2 = path.join(dir, 'rows-sealed.csv');
    await engine.monitoring.logRows({ ref: 'churn', from: START, to: START + 3 * 3_600_000, labelledOnly: false }, again2);
    expect(fs.readFileSync(again2, 'utf8')).toBe(expected.join('\n') + '\n');
  });
});

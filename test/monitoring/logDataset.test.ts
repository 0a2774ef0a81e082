import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/engine/db/connection';
import { MonitoringRepo, type LabelPage } from '../../src/main/engine/db/monitoringRepo';
import { Duck } from '../../src/main/engine/db/duck';
import { writeLogRows } from '../../src/main/engine/monitoring/logDataset';
import { rangeRows, type RawColumn } from '../../src/main/engine/db/rawRowsSql';
import { RawCompaction } from '../../src/main/engine/monitoring/rawCompaction';
import { rawRange, sealFiles } from '../../src/main/engine/monitoring/rawParts';
import { RawStore } from '../../src/main/engine/monitoring/rawStore';
import { tempDir } from '../helpers';

/**
 * Raw logged rows in both their forms, on real files, a real SQLite file and DuckDB: NDJSON as
 * landed, Parquet parts sealed from it, and the CSV a dataset is made from read from either (the
 * same bytes). Sealing is crash-consistent at each step; a held file is neither appended to nor sealed.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const W0 = Date.UTC(2026, 10, 2, 10);
const COLUMNS: RawColumn[] = [
  { name: 'x', numeric: true },
  { name: 'c', numeric: false },
];

function workspace(home = tempDir('lathe-rawrows-')) {
  dirs.push(home);
  const db = openDatabase(path.join(home, 'lathe.db'));
  const repo = new MonitoringRepo(db);
  const raw = new RawStore(home);
  const duck = new Duck(path.join(home, 'tmp', 'duckdb'));
  fs.mkdirSync(path.join(home, 'tmp'), { recursive: true });
  const d = { home, repo, raw, duck };
  /** Appends lines to a window's file as one ingest batch does, recording the segment. */
  const land = (window: number, lines: string[]): string => {
    const seg = raw.appendBytes('m', window, [Buffer.from(lines.join('\n') + '\n')]);
    repo.transaction(() => repo.addSegment({ file: seg.key, model: 'm', ingestId: 'i', windowStart: window, rows: lines.length, bytes: 0 }));
    return seg.key.replace(/#.*$/, '');
  };
  const csv = async (labels: Map<string, string>, labelledOnly: boolean) => {
    const range = rawRange(d, 'm', W0, W0 + 4 * HOUR, path.join(home, 'tmp'));
    try {
      const out = path.join(home, 'tmp', 'rows.csv');
      const r = await writeLogRows(duck, { rows: rangeRows(range.parts, range.ndjson, COLUMNS)!, total: range.rows, labels: pages(labels), versions: [1, 2], columns: COLUMNS.map((c) => c.name), target: 'y', labelledOnly, out, tmpDir: path.join(home, 'tmp') });
      return { ...r, versions: [...r.versions].sort(), text: fs.readFileSync(out, 'utf8') };
    } finally {
      range.release();
    }
  };
  /** Seals one file as the compaction does; its part, or null when the file was not sealable. */
  const seal = async (window: number, file: string) => (await duck.use((con) => sealFiles(d, 'm', [{ window, file }], COLUMNS, con)))[0] ?? null;
  const close = () => {
    duck.close();
    db.close();
  };
  return { ...d, land, csv, seal, close };
}

/** Labels as the request pages store them: aligned id and label arrays (a page of version 1 and one of version 2, nulls for no label). */
function pages(labels: Map<string, string>): LabelPage[] {
  const ids = [...labels.keys()];
  const half = Math.ceil(ids.length / 2);
  const page = (version: number, list: string[]) => ({ version, ids_json: JSON.stringify([...list, 'unlabelled']), labels_json: JSON.stringify([...list.map((id) => labels.get(id)!), null]) });
  return [page(1, ids.slice(0, half)), page(2, ids.slice(half))];
}

const rec = (requestId: string, time: number | string, features: Record<string, unknown>, version = 1) =>
  JSON.stringify({ requestId, time, model: 'm', version, alias: 'champion', features, output: { prediction: 'a', probabilities: { a: 0.7, b: 0.3 } }, latencyMs: 0.4 });

const LINES_W0 = [
  rec('a2', W0 + 2000, { x: 100, c: 'say "hi", twice' }),
  rec('a1', W0 + 1000, { x: 1.5, c: 'x' }),
  // A type mismatch each way, a boolean, a null, a missing field, an undeclared field, unicode.
  rec('a3', new Date(W0 + 3000).toISOString(), { x: '12', c: 7 }),
  rec('a4', W0 + 4000, { x: true, c: null }, 2),
  rec('a5', W0 + 5000, { c: 'é🐧', extra: 'kept' }),
  rec('a6', W0 + 6000, { x: 1e-7, c: '' }),
  // ISO times with an offset and without seconds, as the ingest accepts them (ordered by their instant).
  rec('a8', '2026-11-02T12:00+02:00', { x: 8, c: 'eight' }),
  rec('a7', '2026-11-02T10:00:07.5Z', { x: 7, c: 'seven' }),
];
const LINES_W1 = [rec('b1', W0 + HOUR + 1, { x: -3, c: 'line\nbreak' }), rec('b2', W0 + HOUR + 2, { x: 2.25, c: 'z' })];
const LABELS = new Map([
  ['a1', 'yes'],
  ['a3', 'no'],
  ['a4', 'yes'],
  ['a5', 'no, really'],
  ['b1', 'yes'],
  ['a7', 'yes'],
  ['a8', 'no'],
]);
/** Ordered by time, then request id; a whole number without ".0"; a mismatched value as received. */
const LABELLED_CSV = ['x,c,y', '8,eight,no', '1.5,x,yes', '12,7,no', 'true,,yes', ',é🐧,"no, really"', '7,seven,yes', '-3,"line\nbreak",yes', ''].join('\n');

describe('raw logged rows -> the CSV a dataset is made from', () => {
  it('reads NDJSON and sealed Parquet parts as the same rows, byte for byte, with labels joined by request id', async () => {
    const ws = workspace();
    try {
      const f0 = ws.land(W0, LINES_W0.slice(0, 3));
      ws.land(W0, LINES_W0.slice(3));
      ws.land(W0 + HOUR, LINES_W1);
      const before = await ws.csv(LABELS, true);
      expect(before).toMatchObject({ rows: 7, labelled: 7, unlabelled: 3, versions: [1, 2] });
      expect(before.text).toBe(LABELLED_CSV);
      const all = await ws.csv(LABELS, false);
      expect(all).toMatchObject({ rows: 10, labelled: 7, unlabelled: 0 });
      expect(all.text.split('\n')).toEqual(expect.arrayContaining(['100,"say ""hi"", twice",', '1e-07,"",', '2.25,z,']));

      // Seal the first window: a part replaces its two segments, the NDJSON file is gone.
      const sealed = await ws.seal(W0, f0);
      expect(sealed).toMatchObject({ rows: 8 });
      expect(fs.existsSync(path.join(ws.home, f0))).toBe(false);
      expect(ws.repo.segmentsOfFile(f0)).toEqual([]);
      expect(ws.repo.parts('m', W0, W0 + HOUR).map((p) => p.rows)).toEqual([8]);
      // One window sealed, one still NDJSON: the same bytes.
      expect((await ws.csv(LABELS, true)).text).toBe(LABELLED_CSV);
      expect((await ws.csv(LABELS, false)).text).toBe(all.text);

      // A late row for the sealed window lands in a new NDJSON file and becomes a second part.
      const late = ws.land(W0, [rec('a0', W0 + 500, { x: 0, c: 'late' })]);
      expect((await ws.csv(new Map([...LABELS, ['a0', 'yes']]), true)).text.split('\n')[2]).toBe('0,late,yes');
      await ws.seal(W0, late);
      expect(ws.repo.parts('m', W0, W0 + HOUR).map((p) => p.rows)).toEqual([8, 1]);
      expect((await ws.csv(new Map([...LABELS, ['a0', 'yes']]), true)).text.split('\n')[2]).toBe('0,late,yes');
    } finally {
      ws.close();
    }
  });

  it('reads a field a later version declares from parts sealed before it did (kept as an undeclared field)', async () => {
    const ws = workspace();
    try {
      const f = ws.land(W0, [rec('a1', W0 + 1, { x: 1, c: 'p', z: 'new' })]);
      await ws.seal(W0, f);
      ws.land(W0 + HOUR, [rec('b1', W0 + HOUR, { x: 2, c: 'q', z: 'newer' })]);
      const range = rawRange(ws, 'm', W0, W0 + 2 * HOUR, path.join(ws.home, 'tmp'));
      const out = path.join(ws.home, 'tmp', 'z.csv');
      const later = [...COLUMNS, { name: 'z', numeric: false }];
      await writeLogRows(ws.duck, { rows: rangeRows(range.parts, range.ndjson, later)!, total: range.rows, labels: [], versions: [1], columns: later.map((c) => c.name), target: 'y', labelledOnly: false, out, tmpDir: path.join(ws.home, 'tmp') });
      range.release();
      expect(fs.readFileSync(out, 'utf8')).toBe('x,c,z,y\n1,p,new,\n2,q,newer,\n');
    } finally {
      ws.close();
    }
  });

  it('is crash-consistent at every step of sealing, and never seals or appends to a held file', async () => {
    const ws = workspace();
    try {
      const f = ws.land(W0, LINES_W0);
      // Bytes past the last recorded segment (a batch written, not committed): not sealed.
      fs.appendFileSync(path.join(ws.home, f), rec('zz', W0, { x: 1, c: 'u' }) + '\n');
      expect(await ws.seal(W0, f)).toBeNull();
      // ...and not read either.
      expect((await ws.csv(LABELS, false)).rows).toBe(8);
      ws.raw.reconcile(ws.repo.segmentFiles(), ws.repo.partFiles());

      // Held by a reader: not sealed, and an append goes to a sibling file.
      const release = ws.raw.hold([f]);
      expect(await ws.seal(W0, f)).toBeNull();
      const sibling = ws.land(W0, [rec('h1', W0 + 9, { x: 9, c: 'h' })]);
      expect(sibling).not.toBe(f);
      release();
      expect((await ws.csv(LABELS, false)).rows).toBe(9);

      // Killed after the part was written, before it was recorded: the part is removed at start, the NDJSON kept.
      const orphan = path.join(ws.home, ws.raw.partFile('m', W0, 'orphan'));
      fs.mkdirSync(path.dirname(orphan), { recursive: true });
      fs.writeFileSync(orphan, 'PAR1 half');
      fs.writeFileSync(`${orphan}.tmp`, 'half');
      const staging = path.join(ws.home, ws.raw.stagingDir('m', 'killed'), 'src=1');
      fs.mkdirSync(staging, { recursive: true });
      fs.writeFileSync(path.join(staging, 'data_0.parquet'), 'PAR1 half');
      // Killed after the transaction, before the NDJSON was removed: the NDJSON is removed at start.
      const sealed = await ws.seal(W0, f);
      expect(sealed).not.toBeNull();
      fs.writeFileSync(path.join(ws.home, f), LINES_W0.join('\n') + '\n');
      expect(ws.raw.reconcile(ws.repo.segmentFiles(), ws.repo.partFiles())).toEqual({ truncated: 0, removed: 4 });
      expect(fs.existsSync(orphan)).toBe(false);
      expect(fs.existsSync(path.dirname(staging))).toBe(false);
      expect(fs.existsSync(path.join(ws.home, sealed!.part))).toBe(true);
      // Every row once: 8 sealed + 1 in the sibling.
      expect((await ws.csv(LABELS, false)).rows).toBe(9);
    } finally {
      ws.close();
    }
  });

  it('a workspace closed while sealing runs loses nothing: reopened, every row reads once and sealing finishes', async () => {
    const ws = workspace();
    const lines = (w: number) => Array.from({ length: 400 }, (_, k) => rec(`w${w}-${k}`, W0 + w * HOUR + k, { x: k, c: `c${k % 7}` }));
    for (let w = 0; w < 12; w++) ws.land(W0 + w * HOUR, lines(w));
    const compaction = new RawCompaction({ ...ws, columnsOf: () => COLUMNS, windowMs: () => HOUR });
    const running = compaction.run();
    // Closed once DuckDB is writing the parts (the staging folder appears), as a quitting app would.
    const parts = path.join(ws.home, 'monitoring', 'm', 'parts');
    while (!fs.existsSync(parts) || fs.readdirSync(parts).length === 0) await new Promise((r) => setTimeout(r, 1));
    ws.close();
    const cut = await running;
    expect(cut.failed).toEqual([]);
    expect(cut.sealed).toBeLessThan(12);

    const again = workspace(ws.home);
    try {
      again.raw.reconcile(again.repo.segmentFiles(), again.repo.partFiles());
      const range = rawRange(again, 'm', W0, W0 + 12 * HOUR, path.join(again.home, 'tmp'));
      expect(range.rows).toBe(12 * 400);
      range.release();
      const done = await new RawCompaction({ ...again, columnsOf: () => COLUMNS, windowMs: () => HOUR }).run();
      expect(done).toMatchObject({ sealed: 12 - cut.sealed, rows: (12 - cut.sealed) * 400, failed: [] });
      const out = path.join(again.home, 'tmp', 'all.csv');
      const all = rawRange(again, 'm', W0, W0 + 12 * HOUR, path.join(again.home, 'tmp'));
      await writeLogRows(again.duck, { rows: rangeRows(all.parts, all.ndjson, COLUMNS)!, total: all.rows, labels: [], versions: [1], columns: COLUMNS.map((c) => c.name), target: 'y', labelledOnly: false, out, tmpDir: path.join(again.home, 'tmp') });
      all.release();
      expect(all.ndjson).toEqual([]);
      expect(fs.readFileSync(out, 'utf8').trim().split('\n').length).toBe(1 + 12 * 400);
    } finally {
      again.close();
    }
  });
});

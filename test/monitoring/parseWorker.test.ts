import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../../src/shared/monitoring';
import { rowOf } from '../../src/main/engine/monitoring/parsedBatch';
import { parsedInWorker, PARSE_BATCH, type ParsedLines } from '../../src/main/engine/monitoring/parseWorker';
import { acceptPrediction } from '../../src/main/engine/monitoring/records';
import { addRecord, probsOf } from '../../src/main/engine/monitoring/windowRecord';
import { WindowSketch } from '../../src/main/engine/monitoring/windowSketch';
import { WarmWorkers } from '../../src/main/engine/workers/warmWorkers';
import { record as syntheticRecord, row, rng, syntheticProfile } from './synthetic';
import { tempDir } from '../helpers';

/** The parse worker (a real thread): the records it hands back are the ones the inline path parses, problems named alike, in order. */

const dir = tempDir('lathe-parse-');
// One pool for the file, as the monitoring service keeps one: a log read to its end gives its thread back.
const threads = new WarmWorkers();
afterAll(() => {
  threads.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const T = Date.UTC(2026, 10, 1);
function record(i: number): Record<string, unknown> {
  const r: Record<string, unknown> = {
    requestId: `id-${i}-ü`,
    time: i % 2 ? T + i : new Date(T + i).toISOString(),
    model: 'm',
    version: 1 + (i % 3),
    features: { x: i * 0.1, c: i % 7 ? `cat ${i % 5} "q" é` : null, b: i % 4 === 0, s: String(i) },
    output: i % 5 ? { prediction: i % 2 ? 'yes' : 'no', probabilities: { yes: 0.3, no: 0.7 } } : { prediction: i * 1.5 },
  };
  if (i % 6 === 0) r.alias = 'champion';
  if (i % 6 === 1) r.alias = null;
  if (i % 3 === 0) r.latencyMs = i / 10;
  if (i % 11 === 0) delete (r.features as Record<string, unknown>).x;
  if (i % 13 === 0) (r.features as Record<string, unknown>).extra = 1;
  return r;
}

async function collect(file: string, signal = new AbortController().signal) {
  const rows: ReturnType<typeof rowOf>[] = [];
  const batches: ParsedLines[] = [];
  for await (const m of parsedInWorker({ files: [file], model: 'm', version: null }, signal, threads)) {
    batches.push(m);
    for (let k = 0; k < m.batch.n; k++) rows.push(rowOf(m.batch, k, 'm'));
  }
  return { rows, batches };
}

describe('the parse worker', () => {
  it('hands back every accepted record as parsed, with its file, line and text; bad lines named in order', async () => {
    const lines: string[] = [];
    const bad = new Map<number, RegExp>();
    const refuse = (line: string, why: RegExp) => {
      bad.set(lines.length + 1, why);
      lines.push(line);
    };
    for (let i = 0; i < 2.5 * PARSE_BATCH; i++) {
      if (i === 10) refuse('{"requestId": "broken"', /not JSON/);
      else if (i === 20) refuse(JSON.stringify({ ...record(i), model: 'other' }), /model "other"/);
      else if (i === 30) refuse(JSON.stringify({ ...record(i), time: new Date(Date.now() + 86_400_000).toISOString() }), /future/);
      else if (i === 40) lines.push('   ');
      else if (i === 50) refuse(JSON.stringify({ ...record(i), version: 0 }), /version/);
      else lines.push(JSON.stringify(record(i)) + (i % 9 === 0 ? '\r' : ''));
    }
    const file = path.join(dir, 'log.ndjson');
    fs.writeFileSync(file, lines.join('\n'));
    const { rows, batches } = await collect(file);
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.flatMap((b) => b.problems.map((p) => p.where))).toEqual([...bad.keys()].map((n) => `${file}:${n}`));
    for (const p of batches.flatMap((b) => b.problems)) expect(p.message).toMatch(bad.get(Number(p.where.split(':').pop()))!);
    expect(batches.reduce((a, b) => a + b.lines, 0)).toBe(lines.length - 1);
    expect(batches.reduce((a, b) => a + b.future, 0)).toBe(1);
    expect(batches.at(-1)!.done).toBe(fs.statSync(file).size);

    // The inline path on the same lines.
    const expected: { line: number; rec: PredictionRecord; time: number; text: string }[] = [];
    lines.forEach((raw, k) => {
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (bad.has(k + 1) || text.trim() === '') return;
      const a = acceptPrediction(JSON.parse(text), 'm', null, Date.now() + 300_000);
      if (!a.ok) throw new Error(a.message);
      expected.push({ line: k + 1, rec: a.record, time: a.time, text });
    });
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      const e = expected[i];
      expect(r.src).toBe(file);
      expect(r.line).toBe(e.line);
      expect(r.time).toBe(e.time);
      expect(r.text).toBe(e.text);
      const { alias, latencyMs, ...rest } = e.rec;
      expect(r.rec).toEqual({ ...rest, alias: alias ?? null, ...(latencyMs === undefined ? {} : { latencyMs }) });
    });

    // The same log again runs on the same (warm) thread, with the same rows and problems.
    const started = threads.started;
    expect(threads.idleCount).toBe(1);
    const again = await collect(file);
    expect(threads.started).toBe(started);
    expect(again.rows).toEqual(rows);
    expect(again.batches.flatMap((b) => b.problems)).toEqual(batches.flatMap((b) => b.problems));
    expect(threads.idleCount).toBe(1);
  }, 60_000);

  it('stops reading when the ingest is cancelled', async () => {
    const file = path.join(dir, 'big.ndjson');
    fs.writeFileSync(file, Array.from({ length: 6 * PARSE_BATCH }, (_, i) => JSON.stringify(record(i))).join('\n') + '\n');
    const ac = new AbortController();
    let seen = 0;
    for await (const m of parsedInWorker({ files: [file], model: 'm', version: null }, ac.signal, threads)) {
      seen += m.batch.n;
      ac.abort();
    }
    expect(seen).toBe(PARSE_BATCH);
    // A stopped parse ends its thread (it may be mid-file): none is given back.
    expect(threads.idleCount).toBe(0);
  }, 60_000);

  it('builds, for rows of a version it has the profile of, the windows the ingest thread would (merged per batch)', async () => {
    const profile = await syntheticProfile(3000);
    const r = rng(9);
    const HOUR = 3_600_000;
    const recs = Array.from({ length: 3 * PARSE_BATCH + 17 }, (_, i) => syntheticRecord(row(r), i, T + Math.floor((i / (3 * PARSE_BATCH)) * 5 * HOUR)));
    recs[100] = { ...recs[100], version: 2 }; // no profile here: left to the ingest
    const file = path.join(dir, 'synthetic.ndjson');
    fs.writeFileSync(file, recs.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const merged = new Map<string, WindowSketch>();
    const sketched: number[] = [];
    for await (const m of parsedInWorker({ files: [file], model: 'synthetic', version: null, windowMs: HOUR, profiles: { 1: profile } }, new AbortController().signal, threads)) {
      sketched.push(...m.sketched);
      for (const w of m.windows) {
        const into = merged.get(w.key) ?? new WindowSketch(profile);
        merged.set(w.key, into.merge(WindowSketch.fromJSON(profile, w.sketch)));
      }
    }
    expect(sketched).toEqual(recs.map((x) => (x.version === 1 ? 1 : 0)));
    const inline = new Map<string, WindowSketch>();
    for (const x of recs) {
      if (x.version !== 1) continue;
      const key = `${Math.floor((x.time as number) / HOUR) * HOUR}|1|champion`;
      const w = inline.get(key) ?? new WindowSketch(profile);
      inline.set(key, w);
      addRecord(w, profile, x, probsOf(profile, x));
    }
    // Equal, but for the order floating-point sums were added in.
    const round = (v: unknown) => JSON.parse(JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(10)) : x)));
    expect([...merged.keys()].sort()).toEqual([...inline.keys()].sort());
    for (const [k, w] of inline) expect(round(merged.get(k)!.toJSON())).toEqual(round(w.toJSON()));
  }, 120_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../../src/shared/monitoring';
import { sketchBatch } from '../../src/main/engine/monitoring/batchSketch';
import { BatchEncoder, lineBytesAt, probsAt, rowOf, textAt } from '../../src/main/engine/monitoring/parsedBatch';
import { RawLines, RawStore } from '../../src/main/engine/monitoring/rawStore';
import { addRecord, probsOf } from '../../src/main/engine/monitoring/windowRecord';
import { WindowSketch } from '../../src/main/engine/monitoring/windowSketch';
import { tempDir } from '../helpers';
import { record as syntheticRecord, row, rng, syntheticProfile } from './synthetic';

/**
 * The ingest's columnar steps against their row-at-a-time meaning: the parse worker's windows built
 * from a batch's columns equal addRecord's on the records (exactly: the same sums in the same order),
 * a batch's rows read back as parsed, and raw lines appended as the bytes received.
 */

const dir = tempDir('lathe-ingest-cols-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;

/** Synthetic records with every kind of cell the encoder codes, missing and extra features, and rows the worker leaves alone. */
function awkward(n: number): PredictionRecord[] {
  const r = rng(3);
  return Array.from({ length: n }, (_, i) => {
    const rec = syntheticRecord(row(r), i, T + Math.floor((i / n) * 3 * HOUR));
    const f = rec.features as Record<string, unknown>;
    if (i % 7 === 0) delete f.x3;
    if (i % 11 === 0) f.x1 = null;
    if (i % 13 === 0) f.x2 = '1.5';
    if (i % 17 === 0) f.x4 = true;
    if (i % 19 === 0) f.c1 = 4;
    if (i % 23 === 0) f.c0 = '';
    if (i % 29 === 0) f.extra = 'é';
    if (i % 31 === 0) rec.output = { prediction: '1' };
    if (i % 37 === 0) rec.output = { prediction: '0', probabilities: { '1': 0.2 } };
    if (i % 41 === 0) rec.version = 2;
    if (i % 43 === 0) rec.alias = null;
    if (i % 47 === 0) delete rec.latencyMs;
    return rec;
  });
}

describe('the ingest on columns', () => {
  it("builds from a batch's columns exactly the windows addRecord builds from its records", async () => {
    const profile = await syntheticProfile(3000);
    const recs = awkward(3000);
    const enc = new BatchEncoder();
    recs.forEach((rec, i) => {
      const line = Buffer.from(JSON.stringify(rec));
      enc.add('f', i + 1, rec, rec.time as number, line, 0, line.length);
    });
    const b = enc.take();
    const { sketched, windows } = sketchBatch(b, { 1: profile }, HOUR);
    expect([...sketched]).toEqual(recs.map((x) => (x.version === 1 ? 1 : 0)));
    const inline = new Map<string, WindowSketch>();
    for (const x of recs) {
      if (x.version !== 1) continue;
      const key = `${Math.floor((x.time as number) / HOUR) * HOUR}|1|${x.alias ?? ''}`;
      const w = inline.get(key) ?? new WindowSketch(profile);
      inline.set(key, w);
      addRecord(w, profile, x, probsOf(profile, x));
    }
    expect(windows.map((w) => w.key).sort()).toEqual([...inline.keys()].sort());
    for (const w of windows) expect(w.sketch).toEqual(inline.get(w.key)!.toJSON());
    expect(windows.some((w) => w.sketch.quality.missingFields > 0 && w.sketch.quality.extraFields > 0)).toBe(true);
  });

  it("reads a batch's rows back as parsed: records, probabilities in a profile's order, text and bytes", () => {
    const recs = awkward(500);
    const texts = recs.map((x, i) => JSON.stringify(x) + (i % 5 === 0 ? ' ü€𝄞' : ''));
    const enc = new BatchEncoder();
    recs.forEach((rec, i) => {
      const line = Buffer.from(texts[i]);
      enc.add('f', i + 1, rec, rec.time as number, line, 0, line.length);
    });
    const b = enc.take();
    // Categories repeat: each distinct string is sent once.
    expect(new Set(b.strings).size).toBe(b.strings.length);
    const labels = ['0', '1'];
    recs.forEach((rec, i) => {
      const { alias, latencyMs, ...rest } = rec;
      expect(rowOf(b, i, 'synthetic').rec).toEqual({ ...rest, alias: alias ?? null, ...(latencyMs === undefined ? {} : { latencyMs }) });
      expect(probsAt(b, i, labels)).toEqual(probsOf({ labels } as never, rec));
      expect(textAt(b, i)).toBe(texts[i]);
      expect(Buffer.from(lineBytesAt(b, i)).toString('utf8')).toBe(texts[i] + '\n');
    });
    expect(Buffer.from(b.bytes).toString('utf8')).toBe(texts.join('\n') + '\n');
  });

  it('appends raw lines given as text and as byte ranges in order, consecutive ranges as one chunk', () => {
    const a = Buffer.from('one\ntwo ü\nthree\n');
    const lines = new RawLines();
    lines.addBytes(a, 0, 4);
    lines.addBytes(a, 4, 11);
    lines.addText('inline {"x":1}');
    lines.addText('again');
    lines.addBytes(a, 11, a.length);
    const chunks = lines.take();
    expect(lines.rows).toBe(5);
    expect(chunks).toHaveLength(3);
    const store = new RawStore(dir);
    fs.mkdirSync(path.join(dir, 'monitoring', 'm', 'raw'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'monitoring', 'm', 'raw', '0.ndjson'), 'before\n');
    const seg = store.appendBytes('m', 0, chunks);
    const want = 'one\ntwo ü\ninline {"x":1}\nagain\nthree\n';
    expect(fs.readFileSync(path.join(dir, 'monitoring', 'm', 'raw', '0.ndjson'), 'utf8')).toBe('before\n' + want);
    expect(seg.key).toBe(`${path.join('monitoring', 'm', 'raw', '0.ndjson')}#7-${7 + Buffer.byteLength(want)}`);
    expect(seg.end).toBe(7 + Buffer.byteLength(want));
  });
});

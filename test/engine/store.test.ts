import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nextChunkLength, StreamChunker, DEFAULT_CHUNKING } from '../../src/main/engine/store/fastcdc';
import { tempDir, tempEngine } from '../helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function engine() {
  const t = await tempEngine();
  cleanups.push(t.cleanup);
  return t;
}

function stage(e: Awaited<ReturnType<typeof engine>>['engine'], file: string) {
  const s = e.store.beginStage();
  return s.addFile(file).then((blob) => {
    e.db.transaction(() => e.store.commit(s))();
    return { blob, newBytes: s.newBytes };
  });
}

describe('content-defined chunking', () => {
  it('cuts chunks between min and max and reassembles the input exactly', () => {
    const data = randomBytes(3 * 1024 * 1024);
    const chunker = new StreamChunker();
    const parts = [...chunker.push(data.subarray(0, 1_000_000)), ...chunker.push(data.subarray(1_000_000)), ...chunker.finish()].map((b) => Buffer.from(b));
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    for (const p of parts.slice(0, -1)) {
      expect(p.length).toBeGreaterThanOrEqual(DEFAULT_CHUNKING.min);
      expect(p.length).toBeLessThanOrEqual(DEFAULT_CHUNKING.max);
    }
    const mean = data.length / parts.length;
    expect(mean).toBeGreaterThan(DEFAULT_CHUNKING.avg / 2);
    expect(mean).toBeLessThan(DEFAULT_CHUNKING.avg * 2);
  });

  it('finds the same boundaries whatever the read size', () => {
    const data = randomBytes(2 * 1024 * 1024);
    const cut = (piece: number) => {
      const c = new StreamChunker();
      const out: number[] = [];
      for (let i = 0; i < data.length; i += piece) out.push(...c.push(data.subarray(i, i + piece)).map((b) => b.length));
      out.push(...c.finish().map((b) => b.length));
      return out;
    };
    expect(cut(4096)).toEqual(cut(1_000_003));
  });

  it('returns the remaining length for input shorter than the minimum', () => {
    expect(nextChunkLength(new Uint8Array(100), 0, 100)).toBe(100);
  });
});

describe('object store', () => {
  it('stores a file, reads it back verified, and keeps identical content once', async () => {
    const { engine: e } = await engine();
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'a.bin');
    const data = randomBytes(1_500_000);
    fs.writeFileSync(file, data);
    const first = await stage(e, file);
    expect(first.newBytes).toBe(data.length);
    expect(e.store.readBlob(first.blob.hash).equals(data)).toBe(true);
    expect(e.store.readRange(first.blob.hash, 1000, 300_000).equals(data.subarray(1000, 300_000))).toBe(true);
    const again = await stage(e, file);
    expect(again.blob.hash).toBe(first.blob.hash);
    expect(again.newBytes).toBe(0);
  });

  it('stores only a small share of a file when 1% is appended', async () => {
    const { engine: e } = await engine();
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const base = randomBytes(8 * 1024 * 1024);
    fs.writeFileSync(path.join(dir, 'v1'), base);
    fs.writeFileSync(path.join(dir, 'v2'), Buffer.concat([base, randomBytes(base.length / 100)]));
    await stage(e, path.join(dir, 'v1'));
    const v2 = await stage(e, path.join(dir, 'v2'));
    expect(v2.newBytes / base.length).toBeLessThan(0.05);
  });

  it('catches a flipped byte on read and in verifyAll', async () => {
    const { engine: e, home } = await engine();
    const hash = e.store.putBuffer(randomBytes(100_000));
    const packs = fs.readdirSync(path.join(home, 'objects', 'packs'));
    const pack = path.join(home, 'objects', 'packs', packs[0]);
    const bytes = fs.readFileSync(pack);
    bytes[500] ^= 0xff;
    fs.writeFileSync(pack, bytes);
    expect(() => e.store.readBlob(hash)).toThrow(/damaged/);
    const report = e.store.verifyAll();
    expect(report.problems.length).toBeGreaterThan(0);
  });

  it('gc frees unreferenced blobs and orphan packs', async () => {
    const { engine: e, home } = await engine();
    e.store.putBuffer(randomBytes(200_000));
    fs.writeFileSync(path.join(home, 'objects', 'packs', 'orphan.pack'), randomBytes(1000));
    const r = e.store.gc();
    expect(r.blobsRemoved).toBe(1);
    expect(r.bytesFreed).toBeGreaterThanOrEqual(201_000);
    expect(fs.readdirSync(path.join(home, 'objects', 'packs'))).toEqual([]);
  });
});

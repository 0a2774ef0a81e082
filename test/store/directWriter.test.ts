/**
 * Direct (O_DIRECT) pack writes (store/directWriter.ts) and a staging session using them: the file
 * holds exactly the bytes appended (pieces, in-flight writes, the padded tail cut back), a staged
 * stream reads back verified, and an aborted session leaves no temp pack behind.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectWriter } from '../../src/main/engine/store/directWriter';
import { tempDir, tempEngine } from '../helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function scratch(): string {
  const dir = tempDir('lathe-direct-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Direct writes need Linux and a file system that takes them; elsewhere the page-cache path is used.
const probe = (() => {
  const dir = tempDir('lathe-direct-probe-');
  try {
    const w = DirectWriter.open(path.join(dir, 'p'));
    w?.finish({ fsync: false });
    return w !== null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
if (!probe) console.log('directWriter tests skipped: O_DIRECT is not available on this platform or in the temp folder');

/** `total` random bytes, in pieces of random odd sizes. */
function pieces(total: number): Buffer[] {
  const all = randomBytes(total);
  const out: Buffer[] = [];
  for (let p = 0; p < total; ) {
    const n = Math.min(total - p, 1 + Math.floor(Math.random() * 3 * 1024 * 1024));
    out.push(all.subarray(p, p + n));
    p += n;
  }
  return out;
}

/** Yields the pieces, a turn of the event loop between them (as a file stream does). */
async function* slowly(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) {
    await new Promise((r) => setImmediate(r));
    yield p;
  }
}

describe('DirectWriter', () => {
  it.skipIf(!probe)('writes exactly the bytes appended, across pieces in flight and an unaligned tail', async () => {
    const file = path.join(scratch(), 'out.bin');
    const w = DirectWriter.open(file);
    expect(w).not.toBeNull();
    const writer = w as DirectWriter;
    const parts = pieces(21 * 1024 * 1024 + 12_345);
    for (const p of parts) {
      writer.append(p);
      await writer.ready();
    }
    await writer.settle();
    writer.finish({ fsync: true });
    expect(fs.readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
  });

  it.skipIf(!probe)('writes the same bytes when nobody awaits ready() (no free piece: a write on the spot)', async () => {
    const file = path.join(scratch(), 'out.bin');
    const writer = DirectWriter.open(file) as DirectWriter;
    const parts = pieces(30 * 1024 * 1024 + 7);
    for (const p of parts) writer.append(p);
    await writer.settle();
    writer.finish({ fsync: false });
    expect(fs.readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
  });

  it.skipIf(!probe)('a staging session with direct writes reads back what it staged; an aborted one leaves no temp pack', async () => {
    const t = await tempEngine();
    cleanups.push(t.cleanup);
    const store = t.engine.store;
    const parts = pieces(9 * 1024 * 1024 + 999);
    const s = store.beginStage();
    s.directWrites = true;
    const blob = await s.addStream(slowly(parts));
    await s.settle();
    s.seal({ durable: true });
    t.engine.db.transaction(() => store.commit(s))();
    expect(store.readBlob(blob.hash).equals(Buffer.concat(parts))).toBe(true);
    expect(fs.statSync(store.packPath(s.packId)).size).toBe(s.newBytes);

    const a = store.beginStage();
    a.directWrites = true;
    await a.addStream(slowly(pieces(13 * 1024 * 1024)));
    a.abort();
    await new Promise((r) => setTimeout(r, 200));
    expect(fs.readdirSync(store.tmpDir).filter((f) => f.endsWith('.pack.tmp'))).toEqual([]);
  });
});

/**
 * The hashing thread (store/hashWorker.ts, the `hash` worker entry) against the inline hasher: the same
 * digests and the same first bad chunk, across the ring's wrap-around, and a clean close.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashWorker, InlineHasher, type Hasher } from '../../src/main/engine/store/hashWorker';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const CHUNK = 256 * 1024;

/** A piece of `n` chunks with their checks; `spoil` gives chunk `k` a wrong hash. */
function piece(n: number, spoil?: number): { bytes: Buffer; checks: [number, number, string][] } {
  const bytes = randomBytes(n * CHUNK);
  const checks: [number, number, string][] = [];
  for (let k = 0; k < n; k++) checks.push([k * CHUNK, CHUNK, k === spoil ? 'f'.repeat(64) : sha(bytes.subarray(k * CHUNK, (k + 1) * CHUNK))]);
  return { bytes, checks };
}

async function feed(h: Hasher, pieces: { bytes: Buffer; checks: [number, number, string][] }[]) {
  for (const p of pieces) await h.piece(p.bytes, p.checks);
  return h.digestAndChecks();
}

describe('HashWorker', () => {
  it('gives the digest and first bad chunk the inline hasher gives, across the ring wrapping around', async () => {
    // 12 pieces of 3 MiB: 36 MiB through a 32 MiB ring, so it wraps (and skips its tail once).
    const pieces = Array.from({ length: 12 }, (_, i) => piece(12, i === 7 ? 5 : undefined));
    const worker = HashWorker.start();
    expect(worker).not.toBeNull();
    try {
      const onThread = await feed(worker as HashWorker, pieces);
      const inline = await feed(new InlineHasher(), pieces);
      expect(onThread).toEqual(inline);
      expect(onThread.hash).toBe(sha(Buffer.concat(pieces.map((p) => p.bytes))));
      expect(onThread.bad).toBe(pieces[7].checks[5][2]);
      // The digest started a new stream: the next one is of the new bytes only, with no stale mismatch.
      const next = piece(2);
      expect(await feed(worker as HashWorker, [next])).toEqual({ hash: sha(next.bytes), bad: null });
    } finally {
      worker?.close();
    }
  });

  it('checks listed chunks (chunks + settle) like the inline hasher', async () => {
    const good = piece(4);
    const list = good.checks.map(([, len, hash]) => [hash, len] as const);
    const worker = HashWorker.start() as HashWorker;
    try {
      await worker.chunks(good.bytes, list);
      expect(await worker.settle()).toBeNull();
      const lying = list.map(([h, len], k) => [k === 2 ? '0'.repeat(64) : h, len] as const);
      await worker.chunks(good.bytes, lying);
      expect(await worker.settle()).toBe('0'.repeat(64));
      const inline = new InlineHasher();
      await inline.chunks(good.bytes, lying);
      expect(await inline.settle()).toBe('0'.repeat(64));
    } finally {
      worker.close();
    }
  });

  it('checks bytes filled into reserved ring space (reserve + chunksIn) across the wrap-around, like the inline hasher', async () => {
    // 14 pieces of 3 MiB (42 MiB through the 32 MiB ring); piece 9 has a flipped byte in its chunk 4.
    const pieces = Array.from({ length: 14 }, () => piece(12));
    const list = (p: (typeof pieces)[number]) => p.checks.map(([, len, hash]) => [hash, len] as const);
    const flipped = 4 * CHUNK + 17;
    for (const h of [HashWorker.start() as HashWorker, new InlineHasher()]) {
      try {
        for (const [i, p] of pieces.entries()) {
          const view = await h.reserve(p.bytes.length);
          p.bytes.copy(view);
          if (i === 9) view[flipped] ^= 1;
          await h.chunksIn(view, list(p));
        }
        expect(await h.settle()).toBe(pieces[9].checks[4][2]);
        const ok = piece(3);
        const view = await h.reserve(ok.bytes.length);
        ok.bytes.copy(view);
        await h.chunksIn(view, list(ok));
        expect(await h.settle()).toBeNull();
      } finally {
        h.close();
      }
    }
  });

  it('after close, a call rejects instead of hanging', async () => {
    const worker = HashWorker.start() as HashWorker;
    await worker.whole(Buffer.from('abc'));
    expect(await worker.digest()).toBe(sha(Buffer.from('abc')));
    worker.close();
    await expect(worker.digest()).rejects.toThrow(/closed/);
  });
});

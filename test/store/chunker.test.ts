import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNKING, nextChunkLength, StreamChunker } from '../../src/main/engine/store/fastcdc';

/** The sequential chunker's cuts over the whole input at once: the reference every other path must match. */
function referenceCuts(data: Buffer): number[] {
  const cuts: number[] = [];
  for (let pos = 0; pos < data.length; ) {
    pos += nextChunkLength(data, pos, data.length);
    cuts.push(pos);
  }
  return cuts;
}

/** Streams `data` through a StreamChunker in pieces of the given sizes, reusing one read buffer as addFile does. */
function streamedCuts(data: Buffer, sizes: () => number): number[] {
  const chunker = new StreamChunker();
  const piece = Buffer.alloc(9 * 1024 * 1024);
  const cuts: number[] = [];
  let at = 0;
  const take = (chunks: Buffer[]) => {
    for (const c of chunks) {
      // Chunks are views: check their bytes now, before the read buffer is overwritten.
      expect(c.equals(data.subarray(at, at + c.length))).toBe(true);
      at += c.length;
      cuts.push(at);
    }
  };
  for (let i = 0; i < data.length; ) {
    const n = Math.min(sizes(), data.length - i, piece.length);
    data.copy(piece, 0, i, i + n);
    take(chunker.push(piece.subarray(0, n)));
    piece.fill(0xa5, 0, n); // what the next read would do to the buffer
    i += n;
  }
  take(chunker.finish());
  return cuts;
}

describe('StreamChunker: the same cuts as one pass over the whole input', () => {
  const { max } = DEFAULT_CHUNKING;
  // Random bytes with long runs of a byte that never cuts, so chunks of exactly `max` bytes (the
  // ones that reach furthest past a read's end) occur too, at every phase against the reads.
  const flat = [...Array(256).keys()].find((b) => nextChunkLength(Buffer.alloc(2 * max, b), 0, 2 * max) === max) as number;
  const data = randomBytes(20 * 1024 * 1024);
  for (let at = 1_000_000, k = 0; at < data.length - 3 * max; at += 1_500_000 + 7919 * k++) data.fill(flat, at, at + max + 4099 * k);
  const want = referenceCuts(data);

  it('has chunks of the largest size to cut', () => {
    expect(want.filter((c, i) => c - (want[i - 1] ?? 0) === max).length).toBeGreaterThan(5);
  });

  it('with 8 MiB reads (addFile), reads just under, at and over the largest chunk, and tiny reads', () => {
    for (const size of [8 * 1024 * 1024, max - 1, max, max + 1, 65_521]) expect(streamedCuts(data, () => size), `reads of ${size}`).toEqual(want);
  });

  it('with reads of random sizes', () => {
    let x = 7;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 3; round++) expect(streamedCuts(data, () => 1 + Math.floor(rnd() * (round === 0 ? 2 * max : 3 * 1024 * 1024)))).toEqual(want);
  });
});

/**
 * FastCDC with normalised chunking as first written, one byte at a time: the definition the cuts
 * must keep forever (a cut that moves breaks dedup against every stored version).
 */
function bytewiseChunkLength(buf: Uint8Array, start: number, end: number): number {
  const { min, avg, max } = DEFAULT_CHUNKING;
  const remaining = end - start;
  if (remaining <= min) return remaining;
  let x = 0x9e3779b9;
  const gear = new Int32Array(256).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  });
  const bits = Math.round(Math.log2(avg));
  const top = (n: number) => (0xffffffff << (32 - n)) | 0;
  const limit = Math.min(remaining, max);
  const normal = Math.min(limit, avg);
  let hash = 0;
  let i = min;
  for (; i < normal; i++) {
    hash = ((hash << 1) + gear[buf[start + i]]) | 0;
    if ((hash & top(bits + 2)) === 0) return i + 1;
  }
  for (; i < limit; i++) {
    hash = ((hash << 1) + gear[buf[start + i]]) | 0;
    if ((hash & top(bits - 2)) === 0) return i + 1;
  }
  return limit;
}

describe('nextChunkLength: the cuts of the byte-by-byte definition', () => {
  it('on random bytes, text and runs that never cut, from every start phase and near the end', () => {
    const { min, max } = DEFAULT_CHUNKING;
    const text = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `${i},Isle${i % 20},${(i * 0.37).toFixed(2)}\n`).join(''));
    const flat = Buffer.alloc(2 * max + 3, 7);
    for (const data of [randomBytes(3 * 1024 * 1024), text, flat]) {
      let cuts = 0;
      for (let pos = 0; pos < data.length; cuts++) {
        const want = bytewiseChunkLength(data, pos, data.length);
        expect(nextChunkLength(data, pos, data.length), `at ${pos}`).toBe(want);
        // Odd ends too (a read that stops mid-word): every tail length modulo 4.
        for (const cut of [1, 2, 3, min + 1, min + 6]) if (data.length - cut > pos) expect(nextChunkLength(data, pos, data.length - cut)).toBe(bytewiseChunkLength(data, pos, data.length - cut));
        pos += want + (cuts % 3); // shifted starts: every alignment of the 4-byte steps
      }
      expect(cuts).toBeGreaterThan(2);
    }
  });
});

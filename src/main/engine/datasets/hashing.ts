/**
 * Fast non-cryptographic hashes for profiling (distinct counts) and diffs (row identity). Two
 * independent 32-bit lanes make a 53-bit key: exact enough to count a few million distinct values
 * without collisions in practice, and cheap (no allocation, no string for byte input).
 */

/**
 * The 32-bit lanes of the last hash (the exact distinct counter keys on both), as int32: small
 * integers stay unboxed in a hot loop. Read them with `>>> 0` for the unsigned value.
 */
export const lastHash = { lo: 0, hi: 0 };

/** The 53-bit key of the lanes in `lastHash`. */
function lastKey(): number {
  return (lastHash.hi >>> 11) * 0x100000000 + (lastHash.lo >>> 0);
}

function finishLanes(h1: number, h2: number): void {
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  lastHash.lo = h1 | 0;
  lastHash.hi = h2 | 0;
}

/** The lanes of bytes [start, end) into `lastHash`, without making the key (no number to box per cell). */
export function hashBytesLanes(buf: Uint8Array, start: number, end: number): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c ^ (end - start);
  for (let i = start; i < end; i++) {
    const b = buf[i];
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  finishLanes(h1, h2);
}

export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  hashBytesLanes(buf, start, end);
  return lastKey();
}

/** Same lanes over UTF-16 code units; equal to hashBytes for ASCII text. */
export function hashString(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  finishLanes(h1, h2);
  return lastKey();
}

/** Order-sensitive combination of cell hashes into a row hash. */
export function combineHash(acc: number, cell: number): number {
  const lo = Math.imul((acc % 0x100000000) ^ (cell % 0x100000000), 0x9e3779b1) >>> 0;
  const hi = Math.imul(Math.floor(acc / 0x100000000) ^ Math.floor(cell / 0x100000000) ^ lo, 0x85ebca6b) >>> 11;
  return hi * 0x100000000 + lo;
}

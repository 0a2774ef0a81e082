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

/** Two lanes, mixed (murmur3's finalisers), into `lastHash`. */
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

/**
 * The profile's value hash: the lanes of bytes [start, end) into `lastHash`, four bytes a step (a
 * field of a CSV is hashed once per cell, so this is its hot loop; byte by byte cost twice as much).
 * `textLanes` gives the same lanes for a string as for its UTF-8 bytes.
 */
export function valueLanes(buf: Uint8Array, start: number, end: number): void {
  let h1 = 0x811c9dc5 ^ (end - start);
  let h2 = 0x9747b28c;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 ^ w, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  let w = 0;
  for (let shift = 0; i < end; i++, shift += 8) w |= buf[i] << shift;
  finishLanes(Math.imul(h1 ^ w, 0x01000193), Math.imul(h2 ^ w, 0x5bd1e995));
}

let utf8Scratch = Buffer.allocUnsafe(256);

/** `valueLanes` of a string's UTF-8 bytes (ASCII hashed from its code units, others encoded first). */
export function textLanes(text: string): void {
  const n = text.length;
  let h1 = 0x811c9dc5 ^ n;
  let h2 = 0x9747b28c;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if ((a | b | c | d) >= 0x80) return utf8Lanes(text);
    const w = a | (b << 8) | (c << 16) | (d << 24);
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 ^ w, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  let w = 0;
  for (let shift = 0; i < n; i++, shift += 8) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return utf8Lanes(text);
    w |= c << shift;
  }
  finishLanes(Math.imul(h1 ^ w, 0x01000193), Math.imul(h2 ^ w, 0x5bd1e995));
}

function utf8Lanes(text: string): void {
  const most = text.length * 3;
  if (most > utf8Scratch.length) utf8Scratch = Buffer.allocUnsafe(Math.max(most, 2 * utf8Scratch.length));
  valueLanes(utf8Scratch, 0, utf8Scratch.write(text, 0, 'utf8'));
}

/** FNV-style lanes over UTF-16 code units (row identity in diffs). */
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

/**
 * Two independent 32-bit hash lanes of a value (murmur3's finaliser over UTF-16 code units, or over the
 * two words of a float64), enough for HyperLogLog: one lane picks the register, the other gives the rank.
 * Deterministic across processes and machines, so sketches made anywhere merge.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixWord(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hash lanes of a string. */
export function hashString(s: string): [number, number] {
  let a = 0x9747b28c;
  let b = 0x3c6ef372;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = mixWord(a, c);
    b = mixWord(b, c ^ 0x5bd1e995);
  }
  return [fmix(a ^ s.length), fmix(b ^ (s.length * 31))];
}

/** Hash lanes of a number (by its float64 bits; -0 and 0 hash alike). */
export function hashNumber(x: number): [number, number] {
  const lanes = new Uint32Array(2);
  hashNumberInto(x, lanes);
  return [lanes[0], lanes[1]];
}

/** `hashNumber`'s lanes written into `out` (no array made per value: HyperLogLog's hot path). */
export function hashNumberInto(x: number, out: Uint32Array): void {
  f64[0] = x === 0 ? 0 : x;
  const lo = u32[0];
  const hi = u32[1];
  out[0] = fmix(mixWord(mixWord(0x9747b28c, lo), hi));
  out[1] = fmix(mixWord(mixWord(0x3c6ef372, hi), lo ^ 0x5bd1e995));
}

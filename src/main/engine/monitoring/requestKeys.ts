/**
 * The request index's integer key: a 53-bit hash of (model, request id). An integer key is a short
 * B-tree entry with no text to compare or store twice (docs/MONITORING.md, "Request index"); 53
 * bits keep it a JS number (no BigInt per row). Two ids may share a key: the index probes the next
 * key (key + 1, wrapping) until it finds the id or a free key, and compares stored ids only when a
 * key is taken, so a collision costs a lookup, never a wrong answer.
 */

const TWO_53 = 2 ** 53;
let bits = 53;

/**
 * Narrows keys to `n` bits (tests force collisions with this); 53 restores the full width. Only
 * for tests on a fresh workspace: keys stored under another width would not be found again.
 */
export function setRequestKeyBits(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 53) throw new Error('key bits must be 1..53');
  bits = n;
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two independent 32-bit lanes over the UTF-16 code units of `s`, continuing from (a, b). */
function lanes(s: string, a: number, b: number): [number, number] {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul((b ^ c) + 0x9e3779b9, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a, b];
}

/** The keys of one model's request ids: the model's lanes are computed once. */
export function requestKeyer(model: string): (requestId: string) => number {
  // A separator no model name holds, so ("ab", "c") and ("a", "bc") differ.
  const [a0, b0] = lanes(`${model}\u0000`, 0x811c9dc5, 0x2545f491);
  return (requestId) => {
    const [a, b] = lanes(requestId, a0, b0);
    const hi = fmix(a ^ Math.imul(requestId.length, 0x27d4eb2d));
    const lo = fmix(b + hi);
    const key = hi * 2 ** 21 + (lo >>> 11);
    return bits === 53 ? key : key % 2 ** bits;
  };
}

/** The key probed after `key` when it holds another id. */
export function nextKey(key: number): number {
  const k = key + 1;
  return k >= (bits === 53 ? TWO_53 : 2 ** bits) ? 0 : k;
}

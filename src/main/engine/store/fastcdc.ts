/**
 * Content-defined chunking (FastCDC, Xia et al. 2016, with normalised chunking).
 * Boundaries depend on the bytes around them, not on offsets, so inserting or appending data moves
 * only the chunks near the edit: identical regions of two files yield identical chunks, which the store
 * then keeps once.
 */
export interface ChunkerOptions {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNKING: ChunkerOptions = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };

/** 256 pseudo-random 32-bit values from a fixed seed: chunk boundaries must be the same forever. */
const GEAR = (() => {
  const table = new Int32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table[i] = x | 0;
  }
  return table;
})();

/** A mask of `bits` one-bits at the top of a 32-bit word (the gear hash's freshest bits). */
function topMask(bits: number): number {
  return bits <= 0 ? 0 : (0xffffffff << (32 - bits)) | 0;
}

/**
 * Length of the first chunk of `buf[start..end)`. Returns `end - start` when no boundary was found
 * before `max` or the end (the caller decides whether the tail is final).
 */
export function nextChunkLength(buf: Uint8Array, start: number, end: number, o: ChunkerOptions = DEFAULT_CHUNKING): number {
  const remaining = end - start;
  if (remaining <= o.min) return remaining;
  const bits = Math.round(Math.log2(o.avg));
  const limit = start + Math.min(remaining, o.max);
  const normal = Math.min(limit, start + o.avg);
  // Harder to hit before the average size, easier after it: sizes cluster around avg.
  let cut = scanForCut(buf, 0, start + o.min, normal, topMask(bits + 2));
  if (cut < 0) cut = scanForCut(buf, scanned.hash, normal, limit, topMask(bits - 2));
  return (cut < 0 ? limit : cut) - start;
}

/** The gear hash where `scanForCut` stopped without a cut (the next scan goes on from it). */
const scanned = { hash: 0 };

/**
 * The gear hash over buf[from..to) from `hash`: the index just after the first byte at which
 * hash & mask is 0, or -1 (then `scanned.hash` holds the hash at `to`). Four bytes a step, each
 * still tested in turn: the same cuts as byte by byte, ~40% less time (measured on the bench CSV).
 */
function scanForCut(buf: Uint8Array, hash: number, from: number, to: number, mask: number): number {
  const g = GEAR;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const h1 = ((hash << 1) + g[buf[i]]) | 0;
    const h2 = ((h1 << 1) + g[buf[i + 1]]) | 0;
    const h3 = ((h2 << 1) + g[buf[i + 2]]) | 0;
    const h4 = ((h3 << 1) + g[buf[i + 3]]) | 0;
    if ((h1 & mask) === 0) return i + 1;
    if ((h2 & mask) === 0) return i + 2;
    if ((h3 & mask) === 0) return i + 3;
    if ((h4 & mask) === 0) return i + 4;
    hash = h4;
  }
  for (; i < to; i++) {
    hash = ((hash << 1) + g[buf[i]]) | 0;
    if ((hash & mask) === 0) return i + 1;
  }
  scanned.hash = hash;
  return -1;
}

/**
 * Feeds a stream of buffers and yields complete chunks. Data after the last boundary is carried to
 * the next push; `finish()` flushes it.
 */
export class StreamChunker {
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly opts: ChunkerOptions = DEFAULT_CHUNKING) {}

  /** Returns the chunks completed by this piece of input (views into internal buffers: copy to keep). */
  push(piece: Buffer): Buffer[] {
    const { max } = this.opts;
    const out: Buffer[] = [];
    let buf = piece;
    let pos = 0;
    const carried = this.carry.length;
    if (carried > 0 && piece.length < max) buf = Buffer.concat([this.carry, piece]);
    else if (carried > 0) {
      // Only the chunks that start in the carry need it joined to the piece, and each of them ends
      // within `max` bytes of its start: join the carry to the piece's first `max` bytes (not the
      // whole 8 MiB piece) and cut there, then go on in the piece itself.
      const head = Buffer.concat([this.carry, piece.subarray(0, max)]);
      while (pos < carried) {
        const len = nextChunkLength(head, pos, head.length, this.opts);
        out.push(head.subarray(pos, pos + len));
        pos += len;
      }
      pos -= carried;
    }
    // Only cut while at least `max` bytes remain: a cut nearer the end could move once more data arrives.
    while (buf.length - pos >= max) {
      const len = nextChunkLength(buf, pos, buf.length, this.opts);
      out.push(buf.subarray(pos, pos + len));
      pos += len;
    }
    this.carry = Buffer.from(buf.subarray(pos));
    return out;
  }

  finish(): Buffer[] {
    const out: Buffer[] = [];
    const buf = this.carry;
    let pos = 0;
    while (pos < buf.length) {
      const len = nextChunkLength(buf, pos, buf.length, this.opts);
      out.push(buf.subarray(pos, pos + len));
      pos += len;
    }
    this.carry = Buffer.alloc(0);
    return out;
  }
}

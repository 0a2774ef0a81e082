import { createHash } from 'node:crypto';

/**
 * What the hashing thread (workers/hash.worker.ts) and its parent (hashWorker.ts) say to each other,
 * and the chunk check both run. Bytes travel through a shared ring, so a command names a place in it
 * ([offset, length]), and each command that consumed ring bytes is answered by `freed` with their count.
 */
export interface HashJob {
  /** The ring the parent copies bytes into. */
  sab: SharedArrayBuffer;
}

/** [hash, length] of consecutive chunks; [offset in the piece, length, hash] of a chunk inside a piece. */
export type ChunkList = readonly (readonly [string, number])[];
export type ChunkChecks = readonly (readonly [number, number, string])[];

export type HashCommand =
  | { t: 'whole'; parts: [number, number][]; n: number }
  | { t: 'chunks'; off: number; list: ChunkList; n: number }
  | { t: 'piece'; off: number; checks: ChunkChecks; n: number }
  | { t: 'digest' }
  | { t: 'settle' };

export type HashReply = { t: 'freed'; n: number } | { t: 'digest'; hex: string; bad: string | null } | { t: 'settled'; bad: string | null };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The first chunk of `list`, laid end to end from the start of `bytes`, whose hash does not match. */
export function firstBadInList(bytes: Buffer, list: ChunkList): string | null {
  let at = 0;
  for (const [hash, len] of list) {
    if (sha256(bytes.subarray(at, at + len)) !== hash) return hash;
    at += len;
  }
  return null;
}

/** The first chunk at [offset, length, hash] in `bytes` whose hash does not match. */
export function firstBadInChecks(bytes: Buffer, checks: ChunkChecks): string | null {
  for (const [rel, len, hash] of checks) if (sha256(bytes.subarray(rel, rel + len)) !== hash) return hash;
  return null;
}

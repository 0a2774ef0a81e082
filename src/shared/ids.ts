import { z } from 'zod';

/**
 * Ids of things Lathe makes (runs, sweeps, evaluations, model versions, pipeline runs, alert rules):
 * 32 lower-case hex digits (a UUID without dashes), global, so bundles from other workstations merge
 * without renumbering. Content hashes (dataset versions, blobs) are 64 hex digits. Made by
 * `newId()` in src/main/engine/ids.ts; checked here, once.
 */
export const ID_PATTERN = /^[0-9a-f]{32}$/;

export function isLatheId(s: string): boolean {
  return ID_PATTERN.test(s);
}

/** A zod schema for one kind of id, its message naming the kind ("a run id is 32 hex digits"). */
export function idSchema(what: string) {
  return z.string().regex(ID_PATTERN, `${what} is 32 hex digits`);
}

/** Content hashes (sha256: blobs, dataset versions, bundle manifests): 64 lower-case hex digits. */
export const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** A zod schema for one kind of content hash ("an object hash is 64 lower-case hex digits"). */
export function hashSchema(what: string) {
  return z.string().regex(HASH_PATTERN, `${what} is 64 lower-case hex digits`);
}

/** A lineage node's id: an id (runs, model versions, exports) or a content hash (dataset versions). */
export function idOrHashSchema(what: string) {
  return z.string().refine((s) => ID_PATTERN.test(s) || HASH_PATTERN.test(s), `${what} is 32 or 64 hex digits`);
}

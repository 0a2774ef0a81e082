import { createHash } from 'node:crypto';

/**
 * A version's id: sha256 over its files' relative paths and blob hashes, sorted by path. Names,
 * times and messages are left out, so the same content has the same id in every workspace.
 */
export function versionId(files: { path: string; blobHash: string }[]): string {
  const h = createHash('sha256');
  h.update('lathe-dataset-manifest-v1\n');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.blobHash} ${f.path}\n`);
  }
  return h.digest('hex');
}

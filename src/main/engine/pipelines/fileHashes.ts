import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { PipelinesRepo } from '../db/pipelinesRepo';

/**
 * Content hashes of declared files (command deps, code, outs; watched files), with a stat cache:
 * a file whose size, mtime and inode are those recorded with its hash is not read again (the same
 * trade git's index and DVC make). A file that changed re-reads once and the new hash is recorded.
 */
export class FileHashes {
  constructor(private readonly repo: PipelinesRepo) {}

  /** sha256 of the file, or null when it does not exist (or is not a file). */
  hash(file: string): string | null {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const known = this.repo.fileHash(file);
    if (known && known.size === st.size && known.mtime_ms === st.mtimeMs && known.ino === st.ino) return known.hash;
    const hash = hashFile(file);
    this.repo.setFileHash({ path: file, size: st.size, mtime_ms: st.mtimeMs, ino: st.ino, hash });
    return hash;
  }
}

export function hashFile(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

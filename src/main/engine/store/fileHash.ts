import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { LatheError } from '../../../shared/errors';

/** Files are read in pieces of this size (hashing, staging, streaming a blob out). */
export const READ_PIECE = 8 * 1024 * 1024;

/**
 * A file's sha256 (its blob name) and the stat it was taken under. `addFile` may reuse it instead of
 * hashing the file a second time, as long as the file's size, mtime and inode still match (the same
 * racy-stat rule git uses); the chunks are always hashed from the bytes actually stored.
 */
export interface FileHash {
  hash: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export function sameStat(a: { size: number; mtimeMs: number; ino: number }, b: { size: number; mtimeMs: number; ino: number }): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

export function changedWhileReading(file: string): LatheError {
  return new LatheError('CONFLICT', `${file} changed while Lathe was reading it`, {
    where: file,
    hint: 'Wait until whatever is writing the file has finished, then add it again.',
  });
}

/** sha256 of a whole file, streamed in large reads; refuses a file that changes while it is read. */
export async function hashFile(file: string, onBytes?: (done: number) => void): Promise<FileHash> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const before = await fd.stat();
    const whole = createHash('sha256');
    const piece = Buffer.allocUnsafe(READ_PIECE);
    let done = 0;
    for (;;) {
      const { bytesRead } = await fd.read(piece, 0, READ_PIECE, null);
      if (bytesRead === 0) break;
      whole.update(piece.subarray(0, bytesRead));
      done += bytesRead;
      onBytes?.(done);
    }
    const after = await fd.stat();
    if (!sameStat(before, after) || done !== after.size) throw changedWhileReading(file);
    return { hash: whole.digest('hex'), size: done, mtimeMs: after.mtimeMs, ino: after.ino };
  } finally {
    await fd.close();
  }
}


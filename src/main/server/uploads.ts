import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { LatheError } from '../../shared/errors';

/**
 * Browser uploads: a page cannot hand us a local path, so files are streamed into the workspace's
 * tmp/uploads/<batch>/ and the call that imports them (datasets.add) gets that path. The relative path
 * is checked segment by segment so nothing lands outside the batch folder.
 */
export function safeRelativePath(rel: string): string {
  if (rel.length === 0 || rel.length > 1024) throw new LatheError('INVALID_INPUT', 'Upload path must have 1 to 1024 characters', { where: 'path' });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(rel)) throw new LatheError('INVALID_INPUT', 'Upload path contains a control character or a backslash', { where: 'path' });
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) throw new LatheError('INVALID_INPUT', 'Upload path must be relative', { where: 'path' });
  const segments = rel.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw new LatheError('INVALID_INPUT', `Upload path has an empty, "." or ".." segment: ${rel}`, { where: 'path' });
  }
  return segments.join('/');
}

export function safeBatchId(batch: string): string {
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(batch)) throw new LatheError('INVALID_INPUT', 'Upload batch id must be 6-64 letters, digits, "_" or "-"', { where: 'batch' });
  return batch;
}

export async function receiveUpload(req: IncomingMessage, tmpDir: string, batch: string, rel: string): Promise<{ file: string; folder: string; bytes: number }> {
  const dir = path.join(tmpDir, 'uploads', safeBatchId(batch));
  const relative = safeRelativePath(rel);
  const target = path.join(dir, ...relative.split('/'));
  if (!target.startsWith(dir + path.sep)) throw new LatheError('INVALID_INPUT', 'Upload path escapes its folder', { where: 'path' });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await pipeline(req, fs.createWriteStream(target, { flags: 'wx' })).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') throw new LatheError('ALREADY_EXISTS', `Upload ${relative} was already sent in this batch`, { where: 'path' });
    throw e;
  });
  return { file: target, folder: dir, bytes: fs.statSync(target).size };
}

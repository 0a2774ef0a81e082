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

/** A file where a folder is wanted or the reverse: the upload's paths contradict each other. */
const CLASH_CODES = new Set(['EEXIST', 'ENOTDIR', 'EISDIR']);

function clash(relative: string): LatheError {
  // Only the path the client sent: never the workspace folder it lands in.
  return new LatheError('ALREADY_EXISTS', `Upload ${relative} clashes with a file or folder already sent in this batch`, {
    where: 'path',
    hint: 'Each file of a batch needs its own path, and no path may be both a file and a folder (a, then a/b); start a new batch to send the files again.',
  });
}

export async function receiveUpload(req: IncomingMessage, tmpDir: string, batch: string, rel: string): Promise<{ file: string; folder: string; bytes: number }> {
  const dir = path.join(tmpDir, 'uploads', safeBatchId(batch));
  const relative = safeRelativePath(rel);
  const target = path.join(dir, ...relative.split('/'));
  if (!target.startsWith(dir + path.sep)) throw new LatheError('INVALID_INPUT', 'Upload path escapes its folder', { where: 'path' });
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
  } catch (e) {
    if (CLASH_CODES.has((e as NodeJS.ErrnoException).code ?? '')) throw clash(relative);
    throw e;
  }
  let created = false;
  const out = fs.createWriteStream(target, { flags: 'wx' });
  out.once('open', () => (created = true));
  try {
    await pipeline(req, out);
  } catch (e) {
    // A half-written file must not look like a complete upload to the call that imports the batch.
    if (created) fs.rmSync(target, { force: true });
    if (CLASH_CODES.has((e as NodeJS.ErrnoException).code ?? '')) throw clash(relative);
    throw e;
  }
  return { file: target, folder: dir, bytes: fs.statSync(target).size };
}

import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/errors';

/**
 * A full disk reaches Lathe as Node's `ENOSPC` (or `EDQUOT`), SQLite's `SQLITE_FULL` ("database or
 * disk is full") or one of its `SQLITE_IOERR_*` ("disk I/O error": SQLite hits ENOSPC while growing
 * the WAL or the shared-memory file). None of those says which disk or whether anything was lost, so
 * every door turns them into DISK_FULL (or DISK_ERROR for an I/O error while space is left) naming
 * the disk. "Nothing was lost" holds by design: SQLite rolls the transaction back, the object store
 * writes packs to tmp/ and records them only after they are complete (ARCHITECTURE.md, object store).
 */

type Kind = 'full' | 'io';

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
const FULL_TEXT = /\bENOSPC\b|\bEDQUOT\b|no space left on device|database or disk is full|SQLITE_FULL/i;
const IO_TEXT = /\bSQLITE_IOERR\w*\b|disk I\/O error/i;

/** Below this much free space an I/O error is taken to be the disk filling up. */
const NEARLY_FULL_BYTES = 16 * 1024 * 1024;

function kindOf(e: unknown, depth = 0): Kind | null {
  if (e === null || typeof e !== 'object' || depth > 4) return null;
  // A LatheError that already says what went wrong keeps its code; INTERNAL ones (a worker's
  // rebuilt error) are looked into by their message.
  if (e instanceof LatheError && e.code !== 'INTERNAL') return null;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : '';
  if ((typeof code === 'string' && FULL_CODES.has(code)) || FULL_TEXT.test(message)) return 'full';
  if ((typeof code === 'string' && code.startsWith('SQLITE_IOERR')) || IO_TEXT.test(message)) return 'io';
  return kindOf((e as { cause?: unknown }).cause, depth + 1);
}

/** The folder where the file system holding `p` is mounted: the highest ancestor on the same device. */
export function mountPointOf(p: string): string {
  let dir = path.resolve(p);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    dir = fs.realpathSync(dir);
    const dev = fs.statSync(dir).dev;
    for (let up = path.dirname(dir); up !== dir; dir = up, up = path.dirname(up)) {
      if (fs.statSync(up).dev !== dev) break;
    }
  } catch {
    // A folder we cannot stat: name the nearest one we know.
  }
  return dir;
}

function freeBytes(p: string): number | null {
  try {
    const s = fs.statfsSync(p);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The DISK_FULL / DISK_ERROR LatheError for a disk failure, or null when `e` is something else.
 * `workspace` is the workspace folder; an fs error's own `path` (an export target, say) wins when
 * it names another disk.
 */
export function diskError(e: unknown, workspace: string): LatheError | null {
  let kind = kindOf(e);
  if (kind === null) return null;
  const errPath = (e as { path?: unknown }).path;
  const target = typeof errPath === 'string' && !path.resolve(errPath).startsWith(path.resolve(workspace) + path.sep) ? errPath : workspace;
  const mount = mountPointOf(target);
  const free = freeBytes(mount);
  if (kind === 'io' && free !== null && free < NEARLY_FULL_BYTES) kind = 'full';
  const isWorkspace = target === workspace;
  const disk = isWorkspace ? `the disk holding the workspace (${workspace}, mounted at ${mount})` : `the disk holding ${target} (mounted at ${mount})`;
  const freeText = free === null ? '' : ` ${mb(free)} free.`;
  const safe = 'Nothing was lost: the change was not recorded, and the workspace is as it was before it.';
  if (kind === 'full') {
    return new LatheError('DISK_FULL', `${disk[0].toUpperCase()}${disk.slice(1)} is full.${freeText} ${safe}`, {
      where: mount,
      hint: `Free some space on ${mount} (\`lathe gc\` frees stored bytes nothing uses any more) and try again.`,
      cause: e,
    });
  }
  return new LatheError('DISK_ERROR', `${disk[0].toUpperCase()}${disk.slice(1)} reported an I/O error.${freeText} ${safe}`, {
    where: mount,
    hint: `Check the disk at ${mount} (is it full, read-only or disconnected?), then try again; \`lathe doctor\` checks the workspace.`,
    cause: e,
  });
}

import path from 'node:path';
import { LatheError, toLatheError } from '../../shared/errors';
import { diskError } from '../engine/diskErrors';

/**
 * What the HTTP door answers for a failure: a LatheError whose text names no folder inside the
 * workspace. Pages and scripts only ever name paths relative to what they sent (an upload's own
 * path); the workspace's location is the operator's business. A full disk keeps naming the disk:
 * that is the one fact the user needs. Raw file-system errors (an errno and an absolute path)
 * become INTERNAL with the errno only, and the original goes to the server's log.
 */
export function httpError(e: unknown, home: string): LatheError {
  const disk = diskError(e, home);
  if (disk) return disk;
  if (!(e instanceof LatheError)) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      console.error('lathe serve:', e);
      return new LatheError('INTERNAL', `A file operation in the workspace failed (${code})`, {
        hint: 'The server log has the details; `lathe doctor` checks the workspace.',
      });
    }
  }
  const err = toLatheError(e);
  const clean = redactor(home);
  return new LatheError(err.code, clean(err.message) ?? err.message, { where: clean(err.where), hint: clean(err.hint), cause: e });
}

/** Removes the workspace folder from text: an upload's own path stays, anything else becomes `<workspace>/...`. */
function redactor(home: string): (text: string | undefined) => string | undefined {
  const root = path.resolve(home);
  const uploads = new RegExp(`${escape(path.join(root, 'tmp', 'uploads'))}[\\\\/][A-Za-z0-9_-]+[\\\\/]?`, 'g');
  const rest = new RegExp(escape(root), 'g');
  return (text) => (text === undefined ? undefined : text.replace(uploads, '').replace(rest, '<workspace>'));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

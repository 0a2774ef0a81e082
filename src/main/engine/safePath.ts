import fs from 'node:fs';
import path from 'node:path';
import { relativePathProblem } from '../../shared/bundles';
import { LatheError } from '../../shared/errors';

/**
 * Where bytes leave the workspace. Paths stored in the workspace (a dataset's files, a model's files,
 * a run's artifacts) are checked when they come in (the contract's schemas, the bundle gate), and again
 * here, where they become file system paths: every target is resolved and must stay inside the folder
 * the user chose, also through a symbolic link already in that folder. One helper for every export.
 */

function outside(root: string, rel: string, what: string, why: string): LatheError {
  // eslint-disable-next-line no-control-regex
  const shown = rel.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
  return new LatheError('BAD_FILE', `Refused to write ${what} "${shown}": ${why}. Nothing was written for it outside ${root}.`, {
    where: shown,
    hint: 'The workspace holds a path that would leave the export folder (from an old bundle?). Run `lathe doctor` to find it.',
  });
}

/** The real path of `p`, resolving links in the part of it that exists. */
function realOfExisting(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return p;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

const inside = (base: string, target: string) => {
  const r = path.relative(base, target);
  return r !== '' && !r.startsWith(`..${path.sep}`) && r !== '..' && !path.isAbsolute(r);
};

/**
 * The file system path of stored relative path `rel` ('/'-separated) under `root`, or a BAD_FILE error
 * when it would land outside `root` (`..`, absolute, drive, backslash, or a link inside `root` that
 * points elsewhere). `what` names the thing for the message ("dataset file", "model file").
 */
export function targetInside(root: string, rel: string, what: string): string {
  const problem = relativePathProblem(rel);
  if (problem) throw outside(root, rel, what, problem);
  const base = path.resolve(root);
  const target = path.resolve(base, ...rel.split('/'));
  if (!inside(base, target)) throw outside(root, rel, what, 'it resolves outside the chosen folder');
  if (!inside(realOfExisting(base), realOfExisting(target))) throw outside(root, rel, what, 'a link inside the chosen folder leads outside it');
  return target;
}

/** A stored path handed to a client that will write it under a folder of its own (artifact listings). */
export function storedPathOk(rel: string, what: string): string {
  const problem = relativePathProblem(rel);
  if (problem) throw outside('the folder it is downloaded to', rel, what, problem);
  return rel;
}

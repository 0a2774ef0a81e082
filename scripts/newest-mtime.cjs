'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * Newest mtime (ms) of the files under the given paths; missing paths count as 0. Skips node_modules and
 * dot-folders. CommonJS so that bin/lathe.cjs can require it at every start (an ES module import costs
 * Node's ESM loader); directory entries come with their types, so only files are stat'ed.
 */
function newestMtime(paths) {
  let newest = 0;
  const mtimeOf = (p) => fs.statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = dir + path.sep + e.name;
      // A symbolic link is followed, as stat follows it: to a folder it is walked, to a file it counts.
      if (e.isDirectory() || (e.isSymbolicLink() && fs.statSync(p, { throwIfNoEntry: false })?.isDirectory())) walk(p);
      else newest = Math.max(newest, mtimeOf(p));
    }
  };
  for (const p of [paths].flat()) {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) walk(p);
    else if (st) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

module.exports = { newestMtime };

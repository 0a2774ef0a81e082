import fs from 'node:fs';
import path from 'node:path';

/** Newest mtime (ms) of the files under the given paths; missing paths count as 0. Skips node_modules and dot-folders. */
export function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) if (name !== 'node_modules' && !name.startsWith('.')) walk(path.join(p, name));
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of [paths].flat()) walk(p);
  return newest;
}

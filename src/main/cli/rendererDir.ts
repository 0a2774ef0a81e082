import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/renderer, found by walking up from this module (sources, bundle and packaged app alike). */
export function rendererDir(): string | undefined {
  if (process.env.LATHE_RENDERER_DIR) return process.env.LATHE_RENDERER_DIR;
  let dir = typeof __dirname !== 'undefined' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'dist', 'renderer');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (fs.existsSync(path.join(dir, 'renderer', 'index.html'))) return path.join(dir, 'renderer');
    dir = path.dirname(dir);
  }
  return undefined;
}

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding Lathe's shipped files (sample data). `LATHE_RESOURCES` wins (the packaged
 * Electron app sets it to process.resourcesPath); else it is found by walking up from this module,
 * which works from the sources (tsx, vitest) and from the bundle in dist/.
 */
export function resourcesDir(): string {
  if (process.env.LATHE_RESOURCES) return process.env.LATHE_RESOURCES;
  let dir = typeof __dirname !== 'undefined' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'resources');
    if (fs.existsSync(path.join(candidate, 'sample'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('Lathe resources folder not found; set LATHE_RESOURCES');
}

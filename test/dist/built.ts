import fs from 'node:fs';
import path from 'node:path';
import { buildMain, ENTRIES } from '../../scripts/build-main.mjs';
import { newestMtime } from '../../scripts/newest-mtime.mjs';

/**
 * The bundles the tests run are the ones that ship: dist/main, rebuilt here only when it is missing or
 * older than what it is built from (`npm test` builds it first, so this is usually a no-op). Test files
 * run in parallel forks, so a build takes a lock folder and others wait for it.
 */

export const ROOT = path.resolve(__dirname, '..', '..');
export const DIST_MAIN = path.join(ROOT, 'dist', 'main');
const INPUTS = ['src/main', 'src/shared', 'scripts/build-main.mjs', 'package.json'].map((p) => path.join(ROOT, p));
const LOCK = path.join(ROOT, 'dist', '.test-build-lock');

function outputs(): string[] {
  return Object.values(ENTRIES).map((e) => path.join(DIST_MAIN, e.out));
}

function isStale(): boolean {
  const times = outputs().map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0));
  const oldest = Math.min(...times);
  return oldest === 0 || newestMtime(INPUTS) > oldest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function takeLock(): Promise<boolean> {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (let waited = 0; waited < 120_000; waited += 200) {
    try {
      fs.mkdirSync(LOCK);
      return true;
    } catch {
      // A lock left by a killed run is older than any build takes.
      const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(LOCK, { recursive: true, force: true });
      await sleep(200);
      if (!isStale()) return false; // someone else built it meanwhile
    }
  }
  throw new Error(`test/dist: ${LOCK} is held for over two minutes`);
}

/** dist/main, built from the current sources. */
export async function ensureMainBuilt(): Promise<string> {
  if (!isStale()) return DIST_MAIN;
  if (!(await takeLock())) return DIST_MAIN;
  try {
    if (isStale()) await buildMain({ quiet: true });
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
  return DIST_MAIN;
}

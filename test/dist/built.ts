import { spawn } from 'node:child_process';
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

export interface Serving {
  base: string;
  token: string;
  stderr: () => string;
  /** SIGTERM, then its exit code. */
  stop: () => Promise<number | null>;
}

/** `lathe serve --json --port 0` from `entry` (a bundle or bin/lathe.mjs), once it has printed where it listens. */
export async function startServe(entry: string, env: NodeJS.ProcessEnv): Promise<Serving> {
  const child = spawn(process.execPath, [entry, 'serve', '--json', '--port', '0'], { env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const stop = (): Promise<number | null> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
    });
    const { port, token } = JSON.parse(line) as { port: number; token: string };
    return { base: `http://127.0.0.1:${port}`, token, stderr: () => stderr, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

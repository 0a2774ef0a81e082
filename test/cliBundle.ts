import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ENTRIES } from '../scripts/build-main.mjs';
import { newestMtime } from '../scripts/newest-mtime.mjs';

/**
 * The CLI tests run `lathe` as it ships: the built bundle (dist/main/cli.cjs, its workers in
 * dist/main/workers) in a real Node process. That is also what makes them quick: a command through tsx
 * started Node twice and compiled the TypeScript sources each time (1.5-10 s a command on a busy
 * machine), the bundle starts in a few hundred milliseconds. `npm test` builds it before vitest; run on
 * its own, a test file fails at once when the bundle is missing or older than its sources, saying so.
 */

const ROOT = path.resolve(__dirname, '..');
export const CLI_BUNDLE = path.join(ROOT, 'dist', 'main', 'cli.cjs');
const OUTPUTS = Object.entries(ENTRIES)
  .filter(([name]) => name === 'cli' || name.startsWith('worker-'))
  .map(([, e]) => path.join(ROOT, 'dist', 'main', e.out));
const INPUTS = ['src/main', 'src/shared', 'scripts/build-main.mjs'].map((p) => path.join(ROOT, p));

let checked = false;

/** Throws unless dist/main has a CLI bundle (and worker bundles) at least as new as every source.
 * Checked once per test file (a source edited while it runs does not fail it half-way). */
export function requireCliBundle(): string {
  if (checked) return CLI_BUNDLE;
  const times = OUTPUTS.map((f) => fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  const missing = OUTPUTS.filter((_, i) => times[i] === 0).map((f) => path.relative(ROOT, f));
  const why = missing.length
    ? `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`
    : newestMtime(INPUTS) > Math.min(...times)
      ? 'dist/main is older than src/main or src/shared'
      : null;
  if (why) throw new Error(`The CLI tests run the built CLI, and ${why}: run \`npm run build:main\` first (npm test does).`);
  checked = true;
  return CLI_BUNDLE;
}

export interface LatheResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LatheOptions {
  home: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeout?: number;
}

function latheEnv(o: LatheOptions): NodeJS.ProcessEnv {
  return { ...process.env, LATHE_HOME: o.home, ...o.env };
}

/** `lathe <args>` to completion. */
export function latheSync(args: string[], o: LatheOptions): LatheResult {
  const r = spawnSync(process.execPath, [requireCliBundle(), ...args], { cwd: o.cwd, env: latheEnv(o), encoding: 'utf8', timeout: o.timeout ?? 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `lathe <args>` as a child the test can watch (stderr as it comes) and signal. */
export function latheAsync(args: string[], o: LatheOptions & { onStderr?: (text: string, child: ChildProcess) => void }): Promise<LatheResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [requireCliBundle(), ...args], { cwd: o.cwd, env: latheEnv(o), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      o.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

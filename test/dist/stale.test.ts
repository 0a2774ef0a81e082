import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { ROOT } from './built';

/**
 * bin/lathe.cjs never runs a stale bundle silently: from a checkout (a copy of this one in a temp
 * folder: bin, scripts, src, resources, package.json, node_modules linked), a missing bundle is built, a
 * current one runs as it is, and one older than any file under src/main or src/shared is rebuilt first,
 * said on stderr.
 */

let tree: string;
let home: string;
const REBUILT = /the sources changed; bundling the CLI/;

beforeAll(() => {
  tree = tempDir('lathe-stale-tree-');
  for (const dir of ['bin', 'scripts', 'src/main', 'src/shared', 'resources']) fs.cpSync(path.join(ROOT, dir), path.join(tree, dir), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(tree, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
  home = tempDir('lathe-stale-home-');
});
afterAll(() => {
  fs.rmSync(tree, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

function lathe(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(tree, 'bin', 'lathe.cjs'), ...args], { env: { ...process.env, LATHE_HOME: home }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

it('builds a missing bundle, runs a current one, rebuilds after a source edit', () => {
  const first = lathe('runs', 'list', '--json');
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toMatch(REBUILT);
  const bundle = path.join(tree, 'dist', 'main', 'cli.cjs');
  const built = fs.statSync(bundle).mtimeMs;

  const again = lathe('runs', 'list', '--json');
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr).not.toMatch(REBUILT);
  expect(fs.statSync(bundle).mtimeMs).toBe(built);

  // An edit deep in the tree (a file, not a folder: its mtime alone changes), a second after the build.
  const edited = path.join(tree, 'src', 'shared', 'errors.ts');
  const later = new Date(built + 1000);
  fs.utimesSync(edited, later, later);
  const after = lathe('runs', 'list', '--json');
  expect(after.code, after.stderr).toBe(0);
  expect(after.stderr).toMatch(REBUILT);
  expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);
  // --version never looks at the bundle.
  expect(lathe('--version').stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
}, 240_000);

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { ensureMainBuilt, ROOT, startServe } from './built';

/**
 * `lathe` as a user runs it (bin/lathe.cjs, which compiles the bundle as a code-cached vm.Script) prints
 * no Node warning: its importModuleDynamically option made Node print "ExperimentalWarning:
 * vm.USE_MAIN_CONTEXT_DEFAULT_LOADER" as soon as the bundle's code ran an import(). Each run starts without
 * the code cache, and once with it, since the two paths compile the bundle differently.
 */

const BIN = path.join(ROOT, 'bin', 'lathe.cjs');
let home: string;

beforeAll(async () => {
  await ensureMainBuilt();
  home = tempDir('lathe-dist-warn-');
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

it('the CLI bundle has no import() for a vm.Script to resolve (build-main turns each into require())', () => {
  const code = fs.readFileSync(path.join(ROOT, 'dist', 'main', 'cli.cjs'), 'utf8');
  // esbuild prints a call as `import(`; text such as "bundle import (--force)" is not one.
  const calls = code.split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l) && /(^|[^\w$.])import\((?!\))/.test(l));
  expect(calls).toEqual([]);
});

const env = () => ({ ...process.env, LATHE_HOME: home, NODE_OPTIONS: '' });

it('lathe --version and lathe runs list print no warning', () => {
  for (const args of [['--version'], ['runs', 'list'], ['runs', 'list']]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Warning/);
  }
});

it('lathe serve prints no warning while it serves and stops', async () => {
  const serving = await startServe(BIN, env());
  try {
    const call = await fetch(`${serving.base}/api/call/datasets.list`, { method: 'POST', headers: { Authorization: `Bearer ${serving.token}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(call.status).toBe(200);
    // The door warms the compute backend while idle (TF.js and its wasm backend load then).
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await serving.stop();
  }
  expect(serving.stderr()).not.toMatch(/ExperimentalWarning|Warning:/);
});

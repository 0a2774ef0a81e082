import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinsOnDemand } from '../../scripts/build-main.mjs';
import { tempDir } from '../helpers';
import { ensureMainBuilt } from './built';

/**
 * How the CLI bundle takes Node's built-ins (build-main's builtinsOnDemand): one shared copy of each
 * built-in's exports instead of one per importing module, and child_process, worker_threads, zlib, ...
 * loaded the first time they are used, so `lathe runs list` loads none of them.
 */

describe('builtinsOnDemand on a small bundle', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = tempDir('lathe-builtins-');
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(
      entry,
      [
        "import zlib from 'node:zlib';",
        "import { execFileSync } from 'node:child_process';",
        "import fs from 'node:fs';",
        "import * as fs2 from 'node:fs';",
        "export const zlibLoaded = () => process.moduleLoadList.includes('NativeModule zlib');",
        "export const gz = () => zlib.gunzipSync(zlib.gzipSync('round trip')).toString();",
        "export const child = () => execFileSync(process.execPath, ['-e', 'process.stdout.write(\"ok\")']).toString();",
        'export const sameFs = () => fs.readFileSync === fs2.readFileSync && typeof fs2.statSync === "function";',
      ].join('\n'),
    );
    out = path.join(dir, 'out.cjs');
    await build({ entryPoints: [entry], outfile: out, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error' });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rewrites the requires, and the code works the same; zlib loads when first used', () => {
    const lines = fs.readFileSync(out, 'utf8').split('\n').length;
    expect(builtinsOnDemand(out)).toBeGreaterThanOrEqual(4);
    const code = fs.readFileSync(out, 'utf8');
    expect(code.split('\n').length).toBe(lines); // the source map's lines stay true
    expect(code).not.toMatch(/__toESM\(require\("node:/);
    // Every require keeps its literal name (test/electron/bundles.test.ts reads them), inside a function.
    expect(code).not.toMatch(/(?<!=> )require\("node:(zlib|child_process)"\)/);
    const probe = `const m = require(${JSON.stringify(out)}); console.log(JSON.stringify([m.zlibLoaded(), m.gz(), m.zlibLoaded(), m.child(), m.sameFs()]))`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }))).toEqual([false, 'round trip', true, 'ok', true]);
  });
});

it('the built CLI bundle takes its built-ins that way', async () => {
  const code = fs.readFileSync(path.join(await ensureMainBuilt(), 'cli.cjs'), 'utf8');
  expect(code.match(/__toESM\(require\("node:[\w/]+"\), 1\)/g) ?? []).toEqual([]);
  expect((code.match(/__lathe_builtin\("node:fs", \(\) => require\("node:fs"\)\)/g) ?? []).length).toBeGreaterThan(10);
  expect(code).not.toMatch(/(?<!=> )require\("node:(child_process|worker_threads|zlib)"\)/);
  expect(code.split('\n').find((l) => l.includes('__lathe_builtin = '))).toMatch(/^var __lathe_lazy = .*var __toESM = /);
});

it('lathe runs list loads neither zlib nor child_process or worker_threads', async () => {
  const dir = tempDir('lathe-builtins-home-');
  try {
    const hook = path.join(dir, 'hook.cjs');
    const list = path.join(dir, 'loaded.txt');
    fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));`);
    const cli = path.join(await ensureMainBuilt(), 'cli.cjs');
    const env = { ...process.env, LATHE_HOME: path.join(dir, 'home') };
    execFileSync(process.execPath, [cli, 'runs', 'list'], { env }); // a new workspace imports the sample (hashes, zlib)
    execFileSync(process.execPath, ['-r', hook, cli, 'runs', 'list'], { env });
    const loaded = fs.readFileSync(list, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule fs');
    expect(loaded.filter((m) => /^NativeModule (zlib|child_process|worker_threads)$/.test(m))).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

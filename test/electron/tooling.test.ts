/**
 * The tooling around the Electron door: runtime detection (never requiring the electron package, which
 * would download), the Electron-ABI sqlite binary bookkeeping, the electron-builder config, `npm start`'s
 * browser fallback with signal forwarding, and the `lathe` bin.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronRuntime, expectedBuild, sqliteBindingStatus } from '../../scripts/electron-native.mjs';
import { electronSqliteBinding, nativeLoadHint } from '../../src/main/electron/nativeBinding';

const root = path.resolve(__dirname, '..', '..');
const temps: string[] = [];
function tmp(prefix = 'lathe-tooling-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fakeProject(opts: { pathTxt?: string; binary?: boolean; electron?: boolean } = {}): string {
  const dir = tmp();
  const pkg = path.join(dir, 'node_modules', 'electron');
  if (opts.electron !== false) {
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'electron', version: '45.5.0' }));
    fs.writeFileSync(path.join(pkg, 'abi_version'), '150');
  }
  if (opts.pathTxt) fs.writeFileSync(path.join(pkg, 'path.txt'), opts.pathTxt);
  if (opts.binary) {
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'dist', opts.pathTxt ?? 'electron'), '');
  }
  const bsq = path.join(dir, 'node_modules', 'better-sqlite3');
  fs.mkdirSync(bsq, { recursive: true });
  fs.writeFileSync(path.join(bsq, 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: '12.11.1' }));
  return dir;
}

describe('electronRuntime', () => {
  it('is missing without path.txt, without the binary, or without the package', () => {
    expect(electronRuntime(fakeProject())).toMatchObject({ installed: false, version: '45.5.0', abi: '150', reason: expect.stringMatching(/path\.txt/) });
    expect(electronRuntime(fakeProject({ pathTxt: 'electron' }))).toMatchObject({ installed: false, reason: expect.stringMatching(/binary/) });
    expect(electronRuntime(fakeProject({ electron: false }))).toMatchObject({ installed: false, version: null });
  });
  it('is installed when path.txt names an existing binary under dist/', () => {
    const dir = fakeProject({ pathTxt: 'electron', binary: true });
    expect(electronRuntime(dir, {})).toEqual({
      installed: true,
      version: '45.5.0',
      abi: '150',
      executable: path.join(dir, 'node_modules', 'electron', 'dist', 'electron'),
      reason: null,
    });
  });
  it('matches this machine: reports the runtime without downloading it', () => {
    const before = fs.existsSync(path.join(root, 'node_modules', 'electron', 'path.txt'));
    const r = electronRuntime(root);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'));
    expect(r.version).toBe(pkg.version);
    expect(r.installed ? r.executable : r.reason).toBeTruthy();
    expect(fs.existsSync(path.join(root, 'node_modules', 'electron', 'path.txt'))).toBe(before);
  });
});

describe('Electron-ABI better-sqlite3 bookkeeping', () => {
  it('is stale until build-info matches electron, better-sqlite3, platform and arch', () => {
    const dir = fakeProject({ pathTxt: 'electron', binary: true });
    const out = path.join(dir, '.lathe-electron');
    expect(sqliteBindingStatus(dir)).toMatchObject({ exists: false, upToDate: false });
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'better_sqlite3.node'), '');
    expect(sqliteBindingStatus(dir).upToDate).toBe(false);
    const info = { ...expectedBuild(dir), runtime: 'electron' };
    fs.writeFileSync(path.join(out, 'build-info.json'), JSON.stringify(info));
    expect(sqliteBindingStatus(dir).upToDate).toBe(true);
    fs.writeFileSync(path.join(out, 'build-info.json'), JSON.stringify({ ...info, electron: '44.0.0' }));
    expect(sqliteBindingStatus(dir).upToDate).toBe(false);
    fs.writeFileSync(path.join(out, 'build-info.json'), JSON.stringify({ ...info, runtime: 'node' }));
    expect(sqliteBindingStatus(dir).upToDate).toBe(false);
  });

  it('the main process picks the Electron copy, never node_modules, when it exists', () => {
    const present = new Set(['/proj/.lathe-electron/better_sqlite3.node', '/res/native/better_sqlite3.node']);
    const exists = (f: string) => present.has(f);
    expect(electronSqliteBinding({ isPackaged: false, resourcesPath: '/res', projectRoot: '/proj', env: {}, exists })).toBe('/proj/.lathe-electron/better_sqlite3.node');
    expect(electronSqliteBinding({ isPackaged: true, resourcesPath: '/res', projectRoot: '/proj', env: {}, exists })).toBe('/res/native/better_sqlite3.node');
    expect(electronSqliteBinding({ isPackaged: false, resourcesPath: '/res', projectRoot: '/other', env: {}, exists })).toBeUndefined();
    expect(electronSqliteBinding({ isPackaged: true, resourcesPath: '/r', projectRoot: '/p', env: { LATHE_SQLITE_BINDING: '/x/b.node' }, exists })).toBe(path.resolve('/x/b.node'));
  });

  it('explains an ABI mismatch', () => {
    const e = new Error("The module 'better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 150.");
    expect(nativeLoadHint(e)).toMatch(/electron-native\.mjs/);
    expect(nativeLoadHint(new Error('disk full'))).toBeUndefined();
  });
});

describe('electron-builder.yml', () => {
  const require = createRequire(path.join(root, 'package.json'));
  const yaml = require('js-yaml') as { load(s: string): Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));

  it("validates against electron-builder's own schema", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, electronFuses: { runAsnode: false } }, new DebugLogger(false))).rejects.toThrow();
  });

  it('locks the packaged app down and ships resources and the Electron sqlite build', () => {
    expect(config.appId).toBe('dev.lathe.app');
    expect(config.productName).toBe('Lathe');
    expect(config.publish).toBeNull();
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(config.files).toEqual(expect.arrayContaining(['dist/main/**', 'dist/renderer/**', 'package.json']));
    expect(config.extraResources).toEqual(
      expect.arrayContaining([
        { from: 'resources', to: 'resources' },
        { from: '.lathe-electron/better_sqlite3.node', to: 'native/better_sqlite3.node' },
      ]),
    );
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/better-sqlite3/**', 'node_modules/@duckdb/**', 'node_modules/sharp/**']));
    expect(config.npmRebuild).toBe(false); // node_modules keeps Node's ABI
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('package.json points at the bundles', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('dist/main/electron.cjs');
    expect(pkg.bin.lathe).toBe('bin/lathe.cjs');
    expect(pkg.scripts.start).toBe('node scripts/start.mjs');
  });
});

describe('npm start without the Electron runtime', () => {
  it('says so in one line, serves in the browser, and forwards Ctrl-C', async () => {
    const home = tmp('lathe-start-home-');
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: { ...process.env, LATHE_HOME: home, LATHE_NO_ELECTRON: '1', LATHE_SKIP_BUILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 45_000;
    while (!/http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(out) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out.split('\n')[0]).toMatch(/serving Lathe in your browser instead:$/);
    expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const url = out.match(/(http:\/\/127\.0\.0\.1:\d+)\//)![1];
    child.kill('SIGINT');
    const code = await exited;
    expect(code === 0 || code === 130).toBe(true);
    // the server went away with it: Ctrl-C reached the child
    await expect(fetch(`${url}/`)).rejects.toThrow();
  }, 60_000);
});

describe('bin/lathe.cjs', () => {
  it('runs the CLI, and so does the old entry bin/lathe.mjs', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const entry of ['lathe.cjs', 'lathe.mjs']) {
      const out = execFileSync(process.execPath, [path.join(root, 'bin', entry), '--version'], { encoding: 'utf8', cwd: os.tmpdir() });
      expect(out.trim()).toBe(pkg.version);
    }
  });
});

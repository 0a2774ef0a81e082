#!/usr/bin/env node
/**
 * Builds better-sqlite3 for ELECTRON's ABI into .lathe-electron/better_sqlite3.node, leaving
 * node_modules/better-sqlite3 (Node's ABI: CLI, tests, HTTP door) untouched.
 *
 * How: copy node_modules/better-sqlite3 (sources + bundled SQLite) to a temp folder, run
 * `node-gyp rebuild --target=<electron version> --runtime=electron --dist-url=https://electronjs.org/headers`
 * there, copy the .node out, record what it was built for in .lathe-electron/build-info.json.
 * Fetching Electron's headers needs network once (they are cached in ~/.electron-gyp).
 *
 * Run by `npm start` (only when the Electron runtime is installed and the binary is missing or stale)
 * and by `npm run dist` (electron-builder copies it into the app's resources; npmRebuild is off so
 * node_modules is never rebuilt in place). See docs/ELECTRON.md.
 *
 * Usage: node scripts/electron-native.mjs [--force] [--check] [--arch <arch>] [--out <dir>]
 *        [--node-headers <dir>]   (development check only: build against Node headers from a local
 *                                  folder instead of Electron's, to exercise the copy/rebuild offline)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs as parseCliArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NATIVE_DIR = '.lathe-electron';
export const SQLITE_BINARY = 'better_sqlite3.node';

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function readJson(file) {
  const text = readText(file);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The Electron runtime, found WITHOUT requiring the electron package (its index.js downloads the
 * runtime when missing; we never trigger that). Installed = path.txt exists and names a binary under
 * node_modules/electron/dist (or under ELECTRON_OVERRIDE_DIST_PATH).
 */
export function electronRuntime(projectRoot = root, env = process.env) {
  const pkgDir = path.join(projectRoot, 'node_modules', 'electron');
  const pkg = readJson(path.join(pkgDir, 'package.json'));
  const version = pkg?.version ?? null;
  const abi = readText(path.join(pkgDir, 'abi_version'));
  if (!version) return { installed: false, version, abi, executable: null, reason: 'the electron package is not installed' };
  const relative = readText(path.join(pkgDir, 'path.txt'));
  if (!relative) {
    return { installed: false, version, abi, executable: null, reason: 'node_modules/electron/path.txt is missing (runtime never downloaded)' };
  }
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkgDir, 'dist');
  const executable = path.join(distDir, relative);
  if (!fs.existsSync(executable)) {
    return { installed: false, version, abi, executable: null, reason: `the Electron binary ${executable} is missing` };
  }
  return { installed: true, version, abi, executable, reason: null };
}

export function sqliteBindingPath(projectRoot = root, outDir = path.join(projectRoot, NATIVE_DIR)) {
  return path.join(outDir, SQLITE_BINARY);
}

function betterSqliteVersion(projectRoot) {
  return readJson(path.join(projectRoot, 'node_modules', 'better-sqlite3', 'package.json'))?.version ?? null;
}

/** What the binary in `outDir` must have been built for to be usable now. */
export function expectedBuild(projectRoot = root, arch = process.arch) {
  const e = electronRuntime(projectRoot);
  return { electron: e.version, abi: e.abi, betterSqlite3: betterSqliteVersion(projectRoot), platform: process.platform, arch };
}

/** Is .lathe-electron/better_sqlite3.node present and built for this electron + better-sqlite3 + arch? */
export function sqliteBindingStatus(projectRoot = root, { outDir = path.join(projectRoot, NATIVE_DIR), arch = process.arch } = {}) {
  const file = sqliteBindingPath(projectRoot, outDir);
  const info = readJson(path.join(outDir, 'build-info.json'));
  const want = expectedBuild(projectRoot, arch);
  const exists = fs.existsSync(file);
  const upToDate =
    exists && info !== null && ['electron', 'betterSqlite3', 'platform', 'arch'].every((k) => info[k] === want[k]) && info.runtime === 'electron';
  return { file, exists, upToDate, info, want };
}

function findNodeGyp(projectRoot) {
  const candidates = [
    path.join(projectRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

/**
 * Builds the binary. Returns { file, skipped }. Throws with a readable message when it cannot (no
 * electron package, no compiler, no network for the headers).
 */
export function buildElectronSqlite({
  projectRoot = root,
  outDir = path.join(projectRoot, NATIVE_DIR),
  force = false,
  arch = process.arch,
  nodeHeaders = null,
  log = (m) => console.log(m),
} = {}) {
  const status = sqliteBindingStatus(projectRoot, { outDir, arch });
  if (!force && !nodeHeaders && status.upToDate) return { file: status.file, skipped: true };

  const electron = electronRuntime(projectRoot);
  if (!electron.version && !nodeHeaders) throw new Error('electron is not in node_modules: run npm install first');
  const source = path.join(projectRoot, 'node_modules', 'better-sqlite3');
  if (!fs.existsSync(path.join(source, 'binding.gyp'))) throw new Error('node_modules/better-sqlite3 is missing: run npm install first');
  const nodeGyp = findNodeGyp(projectRoot);
  if (!nodeGyp) throw new Error('node-gyp not found (it ships with npm; reinstall npm or add node-gyp as a dev dependency)');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-sqlite-electron-'));
  try {
    // Sources only: never the Node-ABI build/ folder, so nothing of it can leak into ours.
    fs.cpSync(source, work, {
      recursive: true,
      filter: (src) => {
        const rel = path.relative(source, src);
        return !(rel === 'build' || rel.startsWith(`build${path.sep}`) || rel === 'node_modules' || rel.startsWith(`node_modules${path.sep}`));
      },
    });
    const args = nodeHeaders
      ? [nodeGyp, 'rebuild', '--release', `--arch=${arch}`, `--nodedir=${nodeHeaders}`]
      : [
          nodeGyp,
          'rebuild',
          '--release',
          `--target=${electron.version}`,
          `--arch=${arch}`,
          '--runtime=electron',
          '--dist-url=https://electronjs.org/headers',
          // Electron's headers cached apart from Node's (~/.cache/node-gyp), as Electron's docs advise.
          `--devdir=${path.join(os.homedir(), '.electron-gyp')}`,
        ];
    log(
      nodeHeaders
        ? `Building better-sqlite3 against Node headers in ${nodeHeaders} (check mode) ...`
        : `Building better-sqlite3 ${betterSqliteVersion(projectRoot)} for Electron ${electron.version} (ABI ${electron.abi}, ${arch}) — needs network once for the headers ...`,
    );
    const result = spawnSync(process.execPath, args, {
      cwd: work,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, npm_config_runtime: nodeHeaders ? 'node' : 'electron' },
    });
    if (result.error) throw result.error;
    if (result.status !== 0) {
      throw new Error(
        `node-gyp failed (exit ${result.status}). It needs a C++ toolchain (python3, make, g++) and, the first time, ` +
          'network access to https://electronjs.org/headers.',
      );
    }
    const built = path.join(work, 'build', 'Release', SQLITE_BINARY);
    if (!fs.existsSync(built)) throw new Error(`node-gyp reported success but ${built} is missing`);
    fs.mkdirSync(outDir, { recursive: true });
    const target = sqliteBindingPath(projectRoot, outDir);
    fs.copyFileSync(built, `${target}.tmp`);
    fs.renameSync(`${target}.tmp`, target);
    const info = {
      ...expectedBuild(projectRoot, arch),
      ...(nodeHeaders ? { electron: null, abi: process.versions.modules } : {}),
      runtime: nodeHeaders ? 'node' : 'electron',
      builtAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(outDir, 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
    log(`Wrote ${path.relative(process.cwd(), target) || target}`);
    return { file: target, skipped: false };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const { values } = parseCliArgs({
    args: argv,
    options: { force: { type: 'boolean' }, check: { type: 'boolean' }, arch: { type: 'string' }, out: { type: 'string' }, 'node-headers': { type: 'string' } },
  });
  return {
    force: values.force,
    check: values.check,
    arch: values.arch,
    outDir: values.out && path.resolve(values.out),
    nodeHeaders: values['node-headers'] && path.resolve(values['node-headers']),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.nodeHeaders && !opts.outDir) throw new Error('--node-headers builds a Node-ABI copy: give it its own --out folder');
    if (opts.check) {
      const s = sqliteBindingStatus(root, opts);
      console.log(s.upToDate ? `up to date: ${s.file}` : `missing or stale: ${s.file} (want ${JSON.stringify(s.want)})`);
      process.exit(s.upToDate ? 0 : 1);
    }
    const { file, skipped } = buildElectronSqlite(opts);
    if (skipped) console.log(`better-sqlite3 for Electron is up to date: ${path.relative(process.cwd(), file)}`);
  } catch (e) {
    console.error(`electron-native: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}

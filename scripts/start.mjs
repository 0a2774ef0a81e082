#!/usr/bin/env node
/**
 * `npm start`: build what is missing or outdated, then open Lathe.
 * - Electron runtime installed (node_modules/electron/path.txt + its binary): make sure the
 *   Electron-ABI better-sqlite3 exists (scripts/electron-native.mjs), bundle the main process, and run
 *   the desktop app.
 * - Otherwise (or LATHE_NO_ELECTRON=1): say so in one line and serve Lathe to the browser through the
 *   CLI's `serve` command (the HTTP door), which prints the URL with its token.
 * Never triggers Electron's lazy runtime download: no network unless the user asks for it.
 * Extra arguments go to `lathe serve` in browser mode (e.g. `npm start -- --port 7000`).
 * LATHE_NO_ELECTRON=1 forces the browser; LATHE_SKIP_BUILD=1 runs what is built without rebuilding.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMain } from './build-main.mjs';
import { buildElectronSqlite, electronRuntime, sqliteBindingStatus } from './electron-native.mjs';
import { newestMtime } from './newest-mtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function isStale(outputs, inputs) {
  const oldestOutput = Math.min(...outputs.map(mtime));
  return oldestOutput === 0 || newestMtime(inputs) > oldestOutput;
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`lathe: ${what} failed${r.error ? `: ${r.error.message}` : ''}`);
    process.exit(r.status ?? 1);
  }
}

function ensureRenderer() {
  const index = path.join(root, 'dist', 'renderer', 'index.html');
  const inputs = ['src/renderer', 'src/shared', 'index.html', 'vite.config.ts', 'package.json'].map((p) => path.join(root, p));
  if (!fs.existsSync(path.join(root, 'src', 'renderer'))) {
    if (!fs.existsSync(index)) console.warn('lathe: src/renderer is missing and dist/renderer is not built; the UI will not load');
    return;
  }
  if (isStale([index], inputs)) {
    console.log('Building the UI (vite build) ...');
    run(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], 'vite build');
  }
}

async function ensureMain() {
  const outputs = ['electron.cjs', 'preload.cjs'].map((f) => path.join(root, 'dist', 'main', f));
  if (isStale(outputs, [path.join(root, 'src', 'main'), path.join(root, 'src', 'shared'), path.join(root, 'package.json')])) {
    console.log('Bundling the main process (esbuild) ...');
    await buildMain({ only: ['electron', 'preload'] });
  }
}

/** Runs the child with our stdio, forwards SIGINT/SIGTERM to it, and exits with its code. */
function supervise(cmd, args, env) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  child.on('error', (e) => {
    console.error(`lathe: could not start ${cmd}: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
  });
}

function serveInBrowser(extraArgs) {
  // bin/lathe.cjs: the bundled CLI, rebuilt when the sources changed (what ships is what runs).
  supervise(process.execPath, [path.join(root, 'bin', 'lathe.cjs'), 'serve', ...extraArgs], process.env);
}

async function main() {
  const extraArgs = process.argv.slice(2);
  // LATHE_SKIP_BUILD=1: run what is already built (tests, or while someone else's sources are mid-edit).
  const skipBuild = process.env.LATHE_SKIP_BUILD === '1';
  if (!skipBuild) ensureRenderer();

  const runtime = electronRuntime(root);
  if (process.env.LATHE_NO_ELECTRON === '1' || !runtime.installed) {
    const why =
      process.env.LATHE_NO_ELECTRON === '1'
        ? 'LATHE_NO_ELECTRON=1'
        : 'Electron runtime not installed (run "npx install-electron" to get it)';
    console.log(`${why} — serving Lathe in your browser instead:`);
    serveInBrowser(extraArgs);
    return;
  }

  const binding = sqliteBindingStatus(root);
  if (!binding.upToDate) {
    try {
      buildElectronSqlite({ projectRoot: root });
    } catch (e) {
      console.error(`lathe: could not build better-sqlite3 for Electron: ${e instanceof Error ? e.message : e}`);
      console.log('Serving Lathe in your browser instead:');
      serveInBrowser(extraArgs);
      return;
    }
  }
  if (!skipBuild) await ensureMain();

  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would turn the app into a plain Node process
  console.log(`Starting Lathe (Electron ${runtime.version}) ...`);
  // `electron .` runs package.json "main" (dist/main/electron.cjs) with the app's name and version.
  supervise(runtime.executable, ['.'], env);
}

main().catch((e) => {
  console.error(`lathe: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});

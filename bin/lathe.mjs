#!/usr/bin/env node
/**
 * The `lathe` command. Runs the bundled CLI (dist/main/cli.cjs, from `npm run build:main`) when it is
 * built and not older than the sources; otherwise runs src/main/cli/main.ts through tsx. Either way the
 * CLI runs under Node, with node_modules' Node-ABI better-sqlite3.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newestMtime } from '../scripts/newest-mtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'main', 'cli.cjs');
const source = path.join(root, 'src', 'main', 'cli', 'main.ts');

function bundleIsCurrent() {
  if (!fs.existsSync(bundle)) return false;
  if (!fs.existsSync(source)) return true; // installed without sources: the bundle is all there is
  const built = fs.statSync(bundle).mtimeMs;
  return newestMtime(path.join(root, 'src', 'main')) <= built && newestMtime(path.join(root, 'src', 'shared')) <= built;
}

function tsxArgs() {
  const loader = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  if (!fs.existsSync(loader)) {
    console.error('lathe: the CLI is not built (npm run build:main) and tsx is not installed (npm install)');
    process.exit(2);
  }
  return ['--import', pathToFileURL(loader).href, source];
}

const args = bundleIsCurrent() ? [bundle] : tsxArgs();
const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('error', (e) => {
  console.error(`lathe: ${e.message}`);
  process.exit(2);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));

#!/usr/bin/env node
'use strict';
/**
 * The `lathe` command. Runs the bundled CLI (dist/main/cli.cjs) in this process:
 * - from a checkout, the bundle is rebuilt first when src/main or src/shared is newer than it (esbuild,
 *   about a second, said on stderr); without esbuild it falls back to the sources through tsx;
 * - installed without sources, the bundle is all there is.
 * Starting fast matters (see test/bench/cli.bench.ts): this file is CommonJS because an ES module entry
 * first starts Node's ESM loader (about 17M instructions, 3% of `node -e 0`, measured with callgrind),
 * and it loads nothing but the built-ins Node has loaded already until it needs more (child_process alone
 * pulls in net and streams). bin/lathe.mjs, the old entry, runs this file.
 * `--version` answers from package.json without loading the bundle, and the bundle is compiled through
 * a V8 code cache kept beside it (or in the temp folder when dist/ is read-only), so later starts skip
 * parsing its 2 MB.
 * The CLI runs under Node, with node_modules' Node-ABI better-sqlite3.
 */
const fs = require('node:fs');
const path = require('node:path');
const builtin = (name) => process.getBuiltinModule(name);

const root = path.resolve(__dirname, '..');
const mainDir = path.join(root, 'dist', 'main');
const bundle = path.join(mainDir, 'cli.cjs');
const sources = [path.join(root, 'src', 'main'), path.join(root, 'src', 'shared')];
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The same answer commander gives (APP_VERSION is kept equal to package.json's version by a test).
  // Written to fd 1 directly: process.stdout would first load Node's streams.
  try {
    fs.writeSync(1, `${JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version}\n`);
  } catch (e) {
    if (e.code !== 'EPIPE') throw e;
  }
  process.exit(0);
}

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

/** A checkout's bundle is current when no file under src/main or src/shared is newer (every start walks
 * them: about 270 files, a few milliseconds). */
function bundleIsCurrent() {
  const built = mtime(bundle);
  if (!fs.existsSync(sources[0])) return built > 0; // installed without sources
  if (built === 0) return false;
  return require('../scripts/newest-mtime.cjs').newestMtime(sources) <= built;
}

/** Rebuilds the CLI and its workers into a scratch folder, then renames the files into place, so another
 * `lathe` starting meanwhile never reads a half-written bundle. False when esbuild is not installed. */
async function rebuild() {
  let buildMain, ENTRIES;
  try {
    ({ buildMain, ENTRIES } = await import('../scripts/build-main.mjs'));
  } catch {
    return false;
  }
  process.stderr.write('lathe: the sources changed; bundling the CLI (esbuild) ...\n');
  fs.mkdirSync(mainDir, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(root, 'dist', '.cli-build-'));
  try {
    const only = Object.keys(ENTRIES).filter((name) => name === 'cli' || name.startsWith('worker-'));
    const files = await buildMain({ outdir: scratch, only, quiet: true });
    for (const file of files.flatMap((f) => [f, `${f}.map`]).filter((f) => fs.existsSync(f))) {
      const target = path.join(mainDir, path.relative(scratch, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(file, target);
    }
    return true;
  } catch (e) {
    // Someone's half-finished edit, say: run the last good bundle rather than nothing.
    process.stderr.write(`lathe: could not bundle the CLI (${e instanceof Error ? e.message.split('\n')[0] : e})\n`);
    if (!fs.existsSync(bundle)) process.exit(2);
    process.stderr.write('lathe: running the previous bundle\n');
    return true;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function cacheFile() {
  const st = fs.statSync(bundle);
  const os = builtin('node:os');
  // V8 only checks a cache against the source's length: key it by size and mtime too.
  const name = `cli-${process.version}-${st.size}-${Math.floor(st.mtimeMs)}.v8cache`;
  const local = path.join(mainDir, '.v8cache');
  try {
    fs.mkdirSync(local, { recursive: true });
    fs.accessSync(local, fs.constants.W_OK);
    return path.join(local, name);
  } catch {
    return path.join(os.tmpdir(), `lathe-v8cache-${process.getuid?.() ?? 'user'}`, name);
  }
}

function saveCache(file, script, folder) {
  try {
    fs.mkdirSync(folder, { recursive: true });
    for (const old of fs.readdirSync(folder)) if (old.startsWith('cli-')) fs.rmSync(path.join(folder, old), { force: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, file);
  } catch {
    /* a cache is an optimisation: never fail a command over it */
  }
}

/** require(bundle), compiled with a V8 code cache. Returns the bundle's exports. */
function loadBundle() {
  const Module = builtin('node:module');
  const vm = builtin('node:vm');
  const file = cacheFile();
  let cached;
  try {
    cached = fs.readFileSync(file);
  } catch {
    cached = undefined;
  }
  const source = fs.readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
  // No importModuleDynamically: the bundle has no import() (build-main turns each into require()), and
  // USE_MAIN_CONTEXT_DEFAULT_LOADER made Node print an ExperimentalWarning whenever one ran.
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData: cached });
  if (!cached || script.cachedDataRejected) process.once('exit', () => saveCache(file, script, path.dirname(file)));
  const mod = new Module(bundle, null);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(mainDir);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, mainDir);
  mod.loaded = true;
  return mod.exports;
}

function runSourcesWithTsx() {
  const loader = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  if (!fs.existsSync(loader)) {
    console.error('lathe: the CLI is not built (npm run build:main) and neither esbuild nor tsx is installed (npm install)');
    process.exit(2);
  }
  const child = builtin('node:child_process').spawn(process.execPath, ['--import', builtin('node:url').pathToFileURL(loader).href, path.join(sources[0], 'cli', 'main.ts'), ...argv], { stdio: 'inherit' });
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
}

async function start() {
  if (bundleIsCurrent() || (await rebuild())) {
    const { main } = loadBundle();
    process.exitCode = await main(argv);
  } else {
    runSourcesWithTsx();
  }
}

// A failure here is an unhandled rejection: Node prints it and exits with 1, as it did for the ES module entry.
void start();

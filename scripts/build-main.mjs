#!/usr/bin/env node
/**
 * Bundles the main-process entries with esbuild:
 *   src/main/electron/entry.ts   -> dist/main/electron.cjs   (Electron main, package.json "main"; --cli runs the CLI)
 *   src/main/electron/preload.ts -> dist/main/preload.cjs    (sandboxed preload: its only require is 'electron')
 *   src/main/cli/main.ts         -> dist/main/cli.cjs        (the `lathe` CLI, run by bin/lathe.mjs)
 *   src/main/engine/workers/<name>.worker.ts -> dist/main/workers/<name>.cjs
 *                                (worker_threads entries; engine/workers/runWorker.ts finds them beside
 *                                 the bundle that starts them, so every main bundle shares them)
 *
 * Native and optional modules stay external (loaded from node_modules at run time); everything else
 * (zod, hyparquet, papaparse, commander, ...) is bundled.
 *
 * Usage: node scripts/build-main.mjs [--outdir <dir>] [--only electron,preload,cli,worker-analyze]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs as parseCliArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Resolved at run time from node_modules: native addons, Electron itself, optional accelerators. */
export const MAIN_EXTERNALS = [
  'electron',
  'better-sqlite3',
  '@duckdb/*',
  'sharp',
  '@img/*',
  '@tensorflow/*',
  'onnxruntime-node',
  // optional native helpers some libraries try to require
  'bufferutil',
  'utf-8-validate',
  'fsevents',
];

// import.meta in a CJS bundle: engine/resources.ts and cli/rendererDir.ts prefer __dirname, and the
// few import.meta fields are mapped onto their CJS equivalents so nothing resolves to undefined.
const IMPORT_META_SHIM = 'var __lathe_import_meta_url = require("node:url").pathToFileURL(__filename).href;';
// jsonc-parser's "main" is a UMD build that requires './impl/format' at run time, which a bundle no
// longer has; its ESM build ("module") bundles whole. Resolve the package to it in every entry.
const ALIASES = { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' };

const IMPORT_META_DEFINE = {
  'import.meta.url': '__lathe_import_meta_url',
  'import.meta.dirname': '__dirname',
  'import.meta.filename': '__filename',
};

/** A Node bundle: natives external, import.meta mapped onto CJS. */
const NODE_BUNDLE = { platform: 'node', external: MAIN_EXTERNALS, banner: { js: IMPORT_META_SHIM }, define: IMPORT_META_DEFINE };

// The CLI builds its ~3,000 zod schemas on first use, not at start (src/main/cli/lazyZod.ts says why and
// how): `zod` resolves to that module everywhere in the CLI bundle except in the module itself.
const LAZY_ZOD_MODULE = path.join(root, 'src', 'main', 'cli', 'lazyZod.ts');
export const LAZY_ZOD = {
  name: 'lazy-zod',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, (args) => (args.importer === LAZY_ZOD_MODULE ? undefined : { path: LAZY_ZOD_MODULE }));
  },
};

export const ENTRIES = {
  electron: {
    // entry.ts: the window (main.ts), or the CLI with --cli (cliMode.ts)
    entry: 'src/main/electron/entry.ts',
    out: 'electron.cjs',
    options: NODE_BUNDLE,
  },
  preload: {
    entry: 'src/main/electron/preload.ts',
    out: 'preload.cjs',
    // platform browser: any Node built-in sneaking in fails the build instead of failing in the sandbox.
    options: { platform: 'browser', external: ['electron'] },
  },
  cli: {
    entry: 'src/main/cli/main.ts',
    out: 'cli.cjs',
    options: { ...NODE_BUNDLE, plugins: [LAZY_ZOD] },
    ascii: true,
    builtinsOnDemand: true,
  },
  // One per name in WORKER_ENTRIES (src/main/engine/workers/protocol.ts; test/electron/bundles.test.ts checks they match).
  ...Object.fromEntries(
    ['analyze', 'train', 'evaluate', 'hash', 'monitorParse'].map((name) => [
      `worker-${name}`,
      { entry: `src/main/engine/workers/${name}.worker.ts`, out: `workers/${name}.cjs`, options: NODE_BUNDLE },
    ]),
  ),
};

/**
 * esbuild escapes non-ASCII characters in strings, but not inside template literals (zod's generated
 * code has a few in comments). One such character makes V8 hold the whole 2 MB source as a two-byte
 * string, which the CLI reads at every start: escape them (\\uXXXX means the same character in a string,
 * a template, a regex or a comment; only those lines' source-map columns shift, by a few characters).
 */
function escapeNonAscii(file) {
  const text = fs.readFileSync(file, 'utf8');
  // eslint-disable-next-line no-control-regex -- the complement of ASCII, on purpose
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) fs.writeFileSync(file, ascii);
}

/**
 * How the CLI bundle takes Node's built-ins, so a short command loads only those it uses:
 * - esbuild gives each module that imports a built-in by default or as a namespace its own copy of the
 *   built-in's exports (`__toESM(require("node:fs"), 1)` defines a getter per export): about 100 copies
 *   in the CLI bundle (fs 46, path 41, os 12, ...), each made at start. A built-in's exports never
 *   change, so one copy per built-in serves every module alike.
 * - The built-ins in LAZY_BUILTINS load on first use instead of at start (each of them, with what it
 *   pulls in, is a few milliseconds of compiling Node's own code; `lathe runs list` uses none of them):
 *   each `require` of one gets a stand-in that loads the module the first time anything reads from it.
 */
const LAZY_BUILTINS = ['node:child_process', 'node:worker_threads', 'node:zlib', 'node:stream/promises', 'node:http'];
// Each call keeps its literal require inside a function (a bundle's requires stay readable to
// test/electron/bundles.test.ts): `load` runs when the module is first needed.
const BUILTIN_HELPERS = [
  'var __lathe_lazy = (load, ns) => { let m; const real = () => m ??= load();',
  ' return new Proxy({}, { get: (_, k) => ns && k === "default" ? real() : real()[k], has: (_, k) => k in real(),',
  ' ownKeys: () => Reflect.ownKeys(real()), getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(real(), k); return d && { ...d, configurable: true }; } }); },',
  ` __lathe_lazyIds = new Set(${JSON.stringify(LAZY_BUILTINS)}), __lathe_builtins = {},`,
  ' __lathe_builtin = (id, load) => __lathe_builtins[id] ??= __lathe_lazyIds.has(id) ? __lathe_lazy(load, true) : __toESM(load(), 1);',
].join('');

export function builtinsOnDemand(file) {
  const text = fs.readFileSync(file, 'utf8');
  const at = text.indexOf('\nvar __toESM = ');
  if (at < 0) return 0;
  let rewritten = 0;
  const lazy = new Set(LAZY_BUILTINS);
  // One pass: a namespace copy (with or without esbuild's node-mode flag: a built-in has no __esModule,
  // so its copy is the same either way), or a plain require of a lazy built-in.
  const code = text.slice(at).replace(/__toESM\((require\("(node:[\w/]+)"\))(?:, 1)?\)|(?<![\w$.])require\("(node:[\w/]+)"\)/g, (match, call, id, plainId) => {
    if (call) return rewritten++, `__lathe_builtin("${id}", () => ${call})`;
    return lazy.has(plainId) ? (rewritten++, `__lathe_lazy(() => ${match})`) : match;
  });
  // On the line of esbuild's helper (no line added: the source map stays true), which every module's code runs after.
  fs.writeFileSync(file, `${text.slice(0, at)}\n${BUILTIN_HELPERS}${code.slice(1)}`);
  return rewritten;
}

export async function buildMain({ outdir = path.join(root, 'dist', 'main'), only = Object.keys(ENTRIES), quiet = false } = {}) {
  fs.mkdirSync(outdir, { recursive: true });
  const built = [];
  for (const name of only) {
    const spec = ENTRIES[name];
    if (!spec) throw new Error(`build-main: unknown entry "${name}" (known: ${Object.keys(ENTRIES).join(', ')})`);
    const entry = path.join(root, spec.entry);
    const outfile = path.join(outdir, spec.out);
    const result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'cjs',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: quiet ? 'error' : 'warning',
      legalComments: 'none',
      absWorkingDir: root,
      alias: ALIASES,
      // import() becomes require(): bin/lathe.mjs runs the CLI bundle as a vm.Script with a V8 code
      // cache, and Node 20 loses a cached script's dynamic-import callback ("A dynamic import callback
      // was not specified": onnxruntime, tfjs-node). Every external here is CommonJS-loadable.
      supported: { 'dynamic-import': false },
      ...spec.options,
    });
    if (result.errors.length) throw new Error(`build-main: ${name} failed`);
    if (spec.builtinsOnDemand) builtinsOnDemand(outfile);
    if (spec.ascii) escapeNonAscii(outfile);
    built.push(outfile);
    if (!quiet) console.log(`built ${path.relative(process.cwd(), outfile)} (${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB)`);
  }
  return built;
}

function parseArgs(argv) {
  const { values } = parseCliArgs({ args: argv, options: { outdir: { type: 'string' }, only: { type: 'string' }, quiet: { type: 'boolean' } } });
  return {
    outdir: values.outdir && path.resolve(values.outdir),
    only: values.only?.split(',').filter(Boolean),
    quiet: values.quiet,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildMain(parseArgs(process.argv.slice(2))).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

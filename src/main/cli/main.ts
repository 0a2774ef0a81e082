#!/usr/bin/env node
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { contract, isCallName, type CallName, type CallOutput, type TaskProgress } from '../../shared/contract';
import { describeError, ERROR_CODES, LatheError, toLatheError } from '../../shared/errors';
import { dispatch } from '../engine/dispatch';
import { createEngine, type Engine } from '../engine/engine';
import { APP_VERSION } from '../engine/version';
import { defaultHome } from '../engine/workspace';
import { rendererDir } from './rendererDir';
import * as f from './format';

/**
 * The CLI door: `lathe <command>`. Each command maps its arguments onto one contract call, which is
 * validated by the same schema as IPC and HTTP. `--json` prints the call's output as JSON.
 * Exit codes: 0 ok, 1 the user's input was wrong, 2 Lathe failed.
 */

interface JsonOpt {
  json?: boolean;
}

let engine: Engine | null = null;
async function getEngine(): Promise<Engine> {
  engine ??= await createEngine({ home: defaultHome(), door: 'cli' });
  return engine;
}

function showProgress(e: Engine): () => void {
  if (!process.stderr.isTTY) return () => {};
  let last = 0;
  const off = e.events.subscribe((ev) => {
    if (ev.type !== 'task.progress') return;
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const d = ev.data as TaskProgress;
    const pct = d.total > 0 ? ` ${Math.floor((100 * d.done) / d.total)}%` : '';
    process.stderr.write(`\r\x1b[2K${d.label}: ${d.phase}${pct}`);
  });
  return () => {
    off();
    process.stderr.write('\r\x1b[2K');
  };
}

async function callAndPrint<K extends CallName>(name: K, input: unknown, opts: JsonOpt, human: (out: CallOutput<K>) => string): Promise<CallOutput<K>> {
  const e = await getEngine();
  const stop = showProgress(e);
  let out: CallOutput<K>;
  try {
    out = (await dispatch(e, name, input)) as CallOutput<K>;
  } finally {
    stop();
  }
  process.stdout.write((opts.json ? JSON.stringify(out, null, 2) : human(out)) + '\n');
  return out;
}

async function run<K extends CallName>(name: K, input: unknown, opts: JsonOpt, human: (out: CallOutput<K>) => string): Promise<void> {
  await callAndPrint(name, input, opts, human);
}

function build(): Command {
  const program = new Command('lathe')
    .description('Lathe: version data, track experiments, train, register and export models — on this machine.')
    .version(APP_VERSION)
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ outputError: (s, write) => write(s) });

  const data = program.command('data').description('Versioned datasets');
  data
    .command('add <name> <path>')
    .description('Import a file or folder as a new version of a dataset')
    .option('-m, --message <message>', 'what changed', '')
    .option('--tag <tag>', 'tag the new version')
    .option('--format <format>', 'csv, tsv, jsonl, parquet or images (default: detected)')
    .option('--json', 'machine-readable output')
    .action((name: string, p: string, o: JsonOpt & { message: string; tag?: string; format?: string }) =>
      run('datasets.add', { name, path: path.resolve(p), message: o.message, tag: o.tag, format: o.format }, o, f.formatAdd),
    );
  data
    .command('list')
    .description('List datasets')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt) => run('datasets.list', {}, o, f.formatDatasetList));
  data
    .command('versions <name>')
    .description("List a dataset's versions, newest first")
    .option('--json', 'machine-readable output')
    .action((name: string, o: JsonOpt) => run('datasets.versions', { name }, o, f.formatVersions));
  data
    .command('show <ref>')
    .description('Show a version and its profile (ref: name, name@v2, name@<tag>, name@<hash>)')
    .option('--json', 'machine-readable output')
    .action((ref: string, o: JsonOpt) => run('datasets.show', { ref }, o, f.formatShow));
  data
    .command('diff <from> <to>')
    .description('Compare two versions')
    .option('--key <column>', 'match rows by this column')
    .option('--json', 'machine-readable output')
    .action((from: string, to: string, o: JsonOpt & { key?: string }) => run('datasets.diff', { from, to, key: o.key }, o, f.formatDiff));
  data
    .command('get <ref>')
    .description('Write a version back to files, byte-identical to the import')
    .requiredOption('--out <dir>', 'folder to write into')
    .option('--json', 'machine-readable output')
    .action((ref: string, o: JsonOpt & { out: string }) =>
      run('datasets.export', { ref, out: path.resolve(o.out) }, o, (r) => `Wrote ${r.files.length} file(s), ${f.bytes(r.bytes)}, to ${r.outDir}`),
    );
  data
    .command('tag <ref> <tag>')
    .description('Put a movable tag on a version')
    .option('--json', 'machine-readable output')
    .action((ref: string, tag: string, o: JsonOpt) => run('datasets.tag', { ref, tag }, o, (v) => `Tagged ${v.dataset}@v${v.number} as ${tag}`));
  data
    .command('rm <ref>')
    .description('Delete a version (refused while anything uses it); `lathe gc` frees its bytes')
    .option('--json', 'machine-readable output')
    .action((ref: string, o: JsonOpt) =>
      run('datasets.remove', { ref }, o, (r) => `Removed ${r.removed.dataset}@v${r.removed.number} (${r.removed.id.slice(0, 12)}). Run \`lathe gc\` to free its storage.`),
    );

  program
    .command('gc')
    .description('Free stored objects nothing references')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt) => run('store.gc', {}, o, f.formatGc));
  program
    .command('doctor')
    .description("Check the database's integrity and re-hash every stored object")
    .option('--json', 'machine-readable output')
    .action(async (o: JsonOpt) => {
      const report = await callAndPrint('store.doctor', {}, o, f.formatDoctor);
      if (!report.ok) process.exitCode = 1;
    });
  program
    .command('serve')
    .description('Serve the UI and the API on 127.0.0.1 with a token')
    .option('--port <n>', 'port (default: a free one)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print the URL and token as JSON')
    .action(async (o: JsonOpt & { port?: number }) => {
      if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
        throw new LatheError('INVALID_INPUT', 'The port must be a whole number from 0 to 65535', { where: '--port' });
      }
      const { startServer } = await import('../server/server');
      const e = await getEngine();
      const server = await startServer({ engine: e, port: o.port, rendererDir: rendererDir() });
      if (o.json) process.stdout.write(JSON.stringify({ url: server.url, token: server.token, port: server.port, home: e.home }) + '\n');
      else process.stdout.write(`Lathe is serving ${e.home}\nOpen: ${server.url}\n(Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
  program
    .command('call <name> [json]')
    .description('Call any contract entry directly with a JSON input (see `lathe calls`)')
    .action(async (name: string, json: string | undefined) => {
      if (!isCallName(name)) throw new LatheError('NOT_FOUND', `Unknown call "${name}"`, { hint: 'Run `lathe calls` to list them.' });
      let input: unknown = {};
      try {
        input = json ? JSON.parse(json) : {};
      } catch (e) {
        throw new LatheError('INVALID_INPUT', `The input is not valid JSON: ${(e as Error).message}`, { where: 'json' });
      }
      await run(name, input, { json: true }, () => '');
    });
  program
    .command('calls')
    .description('List every call of the contract')
    .action(() => {
      process.stdout.write(f.table(Object.entries(contract).map(([n, c]) => [n, c.summary])) + '\n');
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = build();
  const wantsJson = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 1; // usage errors are the user's; commander already printed them
    }
    const err = toLatheError(e);
    if (wantsJson) process.stdout.write(JSON.stringify({ error: err.toJSON() }, null, 2) + '\n');
    process.stderr.write(`lathe: ${describeError(err.toJSON())}\n`);
    if (err.code === 'INTERNAL' && process.env.LATHE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return ERROR_CODES[err.code].exit;
  } finally {
    engine?.close();
    engine = null;
  }
}

const isEntry = (() => {
  const arg = process.argv[1] ?? '';
  return /cli[\\/]main\.ts$|cli\.cjs$|lathe(\.mjs)?$/.test(arg);
})();
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

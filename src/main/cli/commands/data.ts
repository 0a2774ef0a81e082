import path from 'node:path';
import type { Command } from 'commander';
import { run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe data ...`: versioned datasets. */
export function registerDataCommands(program: Command): void {
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

}

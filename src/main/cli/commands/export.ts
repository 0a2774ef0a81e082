import path from 'node:path';
import type { Command } from 'commander';
import { EXPORT_FORMATS } from '../../../shared/registry';
import { run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe export <ref> --format tfjs|onnx|serving|card --out <dir>` and `lathe exports [ref]`. */
export function registerExportCommand(program: Command): void {
  program
    .command('export <ref>')
    .description(`Export a model version (${EXPORT_FORMATS.join(', ')})`)
    .requiredOption('--format <format>', EXPORT_FORMATS.join(' | '))
    .requiredOption('--out <dir>', 'a new or empty folder')
    .option('--json', 'machine-readable output')
    .action((ref: string, o: JsonOpt & { format: string; out: string }) =>
      run('export.run', { ref, format: o.format, out: path.resolve(o.out) }, o, (r) => {
        const lines = [`Exported ${r.model}@${r.number} as ${r.format} to ${r.outDir}: ${r.files.length} file(s), ${f.bytes(r.bytes)}, content ${r.contentHash.slice(0, 16)}`];
        const check = r.report.check as { rows: number; maxAbsDiff: number; source: string } | undefined;
        if (check) lines.push(`  onnxruntime vs TF.js on ${check.rows} rows (${check.source}): max abs difference ${check.maxAbsDiff.toExponential(2)}`);
        if (r.report.run) lines.push(`  run it:     ${String(r.report.run)}`, `  smoke test: ${String(r.report.smokeTest)}`);
        return lines.join('\n');
      }),
    );
  program
    .command('exports [ref]')
    .description('History of exports (of one model version, or all)')
    .option('--json', 'machine-readable output')
    .action((ref: string | undefined, o: JsonOpt) =>
      run('export.history', { ref }, o, (list) =>
        list.length === 0 ? 'No exports yet.' : f.table([['WHEN', 'MODEL', 'FORMAT', 'HASH', 'SIZE', 'FOLDER'], ...list.map((e) => [new Date(e.createdAt).toISOString().slice(0, 19).replace('T', ' '), `${e.model}@${e.number}`, e.format, e.contentHash.slice(0, 12), f.bytes(e.bytes), e.outDir])]),
      ),
    );
}

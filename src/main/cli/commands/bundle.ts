import path from 'node:path';
import type { Command } from 'commander';
import { run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe bundle export|import`: registry bundles for sharing and air-gapped transfer. */
export function registerBundleCommands(program: Command): void {
  const bundle = program.command('bundle').description('Registry bundles: models, runs, lineage (and data) in one file');
  bundle
    .command('export')
    .description('Write a bundle (default: every model)')
    .requiredOption('--out <file>', 'the bundle file to write')
    .option('--models <ref...>', 'models or versions to include (model, model@3, model@champion)')
    .option('--runs <query>', 'runs to include (the run query language), with their model versions')
    .option('--with-data', 'include the dataset versions the runs read')
    .option('--gzip', 'compress the bundle')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt & { out: string; models?: string[]; runs?: string; withData?: boolean; gzip?: boolean }) =>
      run('bundle.export', { out: path.resolve(o.out), models: o.models, runs: o.runs, withData: o.withData ?? false, gzip: o.gzip ?? false }, o, (s) =>
        `Wrote ${s.file} (${f.bytes(s.bytes)}): ${s.versions} model version(s) of ${s.models} model(s), ${s.runs} run(s), ${s.datasetVersions} dataset version(s), ${s.objects} object(s)`,
      ),
    );
  bundle
    .command('import <file>')
    .description('Check a bundle in quarantine, then merge it all or nothing')
    .option('--dry-run', 'say what would change, change nothing')
    .option('--force', 'move local aliases to where the bundle points them')
    .option('--json', 'machine-readable output')
    .action((file: string, o: JsonOpt & { dryRun?: boolean; force?: boolean }) =>
      run('bundle.import', { file: path.resolve(file), dryRun: o.dryRun ?? false, force: o.force ?? false }, o, (r) => {
        const counts = (t: Record<string, number>) => Object.entries(t).map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing';
        const lines = [`${r.dryRun ? 'Would add' : 'Added'}: ${counts(r.added)}`, `Already here: ${counts(r.unchanged)}`, `Objects: ${r.objects.new} new of ${r.objects.total} (${f.bytes(r.objects.bytes)})`];
        for (const c of r.renumbered) lines.push(`  ${c.model} version ${c.from} from the bundle is number ${c.to} here (${c.from} was taken)`);
        for (const c of r.conflicts) lines.push(`  conflict: ${c.model}@${c.alias} is ${c.local} here, ${c.bundle} in the bundle: ${c.resolution === 'kept-local' ? 'kept local (use --force to move it)' : 'moved'}`);
        return lines.join('\n');
      }),
    );
}

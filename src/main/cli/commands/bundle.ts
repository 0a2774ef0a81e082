import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { run, type JsonOpt } from '../context';
import * as f from '../format';
import { LatheError } from '../../../shared/errors';
import type { BundleSigner, SigningKey } from '../../../shared/bundles';
import { formatFingerprint } from '../../engine/bundles/keyring';

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
        `Wrote ${s.file} (${f.bytes(s.bytes)}): ${s.versions} model version(s) of ${s.models} model(s), ${s.runs} run(s), ${s.datasetVersions} dataset version(s), ${s.objects} object(s)\nSigned by "${s.signer.name}" (${formatFingerprint(s.signer.fingerprint)})`,
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
        const lines = [signerLine(r.signer), `${r.dryRun ? 'Would add' : 'Added'}: ${counts(r.added)}`, `Already here: ${counts(r.unchanged)}`, `Objects: ${r.objects.new} new of ${r.objects.total} (${f.bytes(r.objects.bytes)})`];
        for (const c of r.renumbered) lines.push(`  ${c.model} version ${c.from} from the bundle is number ${c.to} here (${c.from} was taken)`);
        for (const c of r.conflicts) lines.push(`  conflict: ${c.model}@${c.alias} is ${c.local} here, ${c.bundle} in the bundle: ${c.resolution === 'kept-local' ? 'kept local (use --force to move it)' : 'moved'}`);
        for (const w of r.warnings ?? []) lines.push(`warning: ${w}`);
        return lines.join('\n');
      }),
    );
}

function signerLine(s: BundleSigner | undefined): string {
  if (!s?.signed) return 'Signer: none (unsigned bundle)';
  const who = `"${s.name}" (${formatFingerprint(s.fingerprint ?? '')})`;
  return `Signer: ${who}, ${s.self ? 'this workspace' : s.known ? 'trusted' : 'UNKNOWN'}`;
}

function readKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new LatheError('NOT_FOUND', `No public key file at ${path.resolve(file)}`, { where: '--key', hint: 'Save the output of `lathe keys self --public` from the signer to a file.' });
  }
}

/** `lathe keys ...`: this workspace's signing key and the keyring of signers it trusts. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Bundle signing: this workspace\'s key and the signers you trust');
  const show = (k: SigningKey) => `${k.name}\n  fingerprint ${formatFingerprint(k.fingerprint)}  (${k.fingerprint})`;
  keys
    .command('self')
    .description("This workspace's signing key (made on first use)")
    .option('--public', 'print only the public key (PEM), to give to colleagues')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt & { public?: boolean }) => run('keys.self', {}, o, (k) => (o.public ? k.publicKey.trimEnd() : `${show(k)}\n${k.publicKey.trimEnd()}`)));
  keys
    .command('list')
    .description('The signers this workspace trusts')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt) => run('keys.list', {}, o, (list) => (list.length ? list.map(show).join('\n') : 'No trusted signers yet: `lathe keys trust --bundle <file>` or `--key <file>`.')));
  keys
    .command('trust')
    .description('Trust a signer: from a bundle they signed, or from their public key (a PEM file)')
    .option('--bundle <file>', 'a bundle signed by them')
    .option('--key <file>', 'their public key, PEM (`lathe keys self --public` on their side)')
    .option('--name <name>', 'what to call them here')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt & { bundle?: string; key?: string; name?: string }) =>
      run('keys.trust', { bundle: o.bundle && path.resolve(o.bundle), publicKey: o.key && readKeyFile(o.key), name: o.name }, o, (k) => `Trusted ${show(k)}`),
    );
  keys
    .command('remove <fingerprint>')
    .description('Stop trusting a signer (a fingerprint or its first 8+ hex digits)')
    .option('--json', 'machine-readable output')
    .action((fingerprint: string, o: JsonOpt) => run('keys.remove', { fingerprint: fingerprint.replace(/:/g, '').toLowerCase() }, o, (r) => (r.removed ? 'Removed.' : 'No such key in the keyring.')));
}

import type { Command } from 'commander';
import type { AliasMove, LineageGraph, ModelVersion } from '../../../shared/registry';
import { run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe models ...`: the model registry. */

const { when } = f;

function formatVersion(v: ModelVersion): string {
  const lines = [
    `${v.model}@${v.number}  ${v.id}${v.aliases.length ? `  [${v.aliases.join(', ')}]` : ''}`,
    `  registered ${when(v.createdAt)} by ${v.createdBy}   lathe ${v.appVersion}   backend ${v.backend ?? '-'}`,
    `  run        ${v.runName ?? '-'} (${v.runId ?? 'none'})`,
    `  data       ${v.datasets.map((d) => (d.dataset ? `${d.dataset}@v${d.number}` : d.id.slice(0, 12))).join(', ') || '-'}`,
  ];
  if (v.description) lines.push(`  ${v.description}`);
  const params = Object.entries(v.params);
  if (params.length) lines.push('', 'params:', f.table(params.map(([k, x]) => [`  ${k}`, x])));
  const metrics = Object.entries(v.metrics);
  if (metrics.length) lines.push('', 'metrics:', f.table(metrics.map(([k, x]) => [`  ${k}`, String(x)])));
  lines.push('', 'files:', f.table(v.files.map((x) => [`  ${x.path}`, f.bytes(x.size), x.blobHash.slice(0, 12)])));
  return lines.join('\n');
}

function formatLineage(g: LineageGraph): string {
  const label = new Map(g.nodes.map((n) => [n.key, `${n.kind} ${n.label}`]));
  if (g.edges.length === 0) return 'No lineage recorded.';
  return g.edges.map((e) => `${label.get(e.from)}  --${e.relation}-->  ${label.get(e.to)}`).join('\n');
}

const formatMove = (m: AliasMove) => `${when(m.at)}  ${m.alias}: ${m.from ?? '-'} -> ${m.to ?? '(removed)'}  by ${m.by}${m.reason ? `  "${m.reason}"` : ''}`;

export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('Model registry: versions, aliases, lineage, cards');
  models
    .command('register <run>')
    .description("Register a run's model as the next version of a model")
    .requiredOption('--name <model>', 'the model name')
    .option('-d, --description <text>', 'what this version is', '')
    .option('--json', 'machine-readable output')
    .action((runId: string, o: JsonOpt & { name: string; description: string }) =>
      run('models.register', { runId, name: o.name, description: o.description }, o, (v) => `Registered ${v.model}@${v.number} (${v.id}) from run ${v.runId}`),
    );
  models
    .command('list')
    .description('List registered models')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt) =>
      run('models.list', {}, o, (list) =>
        list.length === 0
          ? 'No models yet. Register one: lathe models register <run> --name <model>'
          : f.table([['MODEL', 'VERSIONS', 'LATEST', 'ALIASES'], ...list.map((m) => [m.name, String(m.versionCount), String(m.latest ?? '-'), Object.entries(m.aliases).map(([a, n]) => `${a}=${n}`).join(', ') || '-'])]),
      ),
    );
  models
    .command('versions <model>')
    .description('List the versions of a model')
    .option('--json', 'machine-readable output')
    .action((name: string, o: JsonOpt) =>
      run('models.versions', { name }, o, (vs) => f.table([['VERSION', 'ID', 'REGISTERED', 'BY', 'RUN', 'ALIASES'], ...vs.map((v) => [String(v.number), v.id.slice(0, 12), when(v.createdAt), v.createdBy, v.runName ?? '-', v.aliases.join(',') || '-'])])),
    );
  models
    .command('show <ref>')
    .description('Show a version (ref: model, model@3, model@latest, model@champion)')
    .option('--json', 'machine-readable output')
    .action((ref: string, o: JsonOpt) => run('models.show', { ref }, o, formatVersion));
  models
    .command('alias <ref> <alias>')
    .description('Point an alias (champion, challenger, ...) at a version')
    .option('--reason <why>', 'why it moves (kept in the history)', '')
    .option('--json', 'machine-readable output')
    .action((ref: string, alias: string, o: JsonOpt & { reason: string }) =>
      run('models.alias', { ref, alias, reason: o.reason }, o, (r) => (r.move ? `${r.version.model}@${alias} -> ${r.version.number} (was ${r.move.from ?? 'unset'})` : `${r.version.model}@${alias} already points at ${r.version.number}`)),
    );
  models
    .command('unalias <model> <alias>')
    .description('Remove an alias')
    .option('--reason <why>', 'why (kept in the history)', '')
    .option('--json', 'machine-readable output')
    .action((name: string, alias: string, o: JsonOpt & { reason: string }) => run('models.unalias', { name, alias, reason: o.reason }, o, (r) => (r.removed ? `Removed ${name}@${alias}` : `${name} has no alias ${alias}`)));
  models
    .command('history <model> [alias]')
    .description('Every move of the aliases of a model')
    .option('--json', 'machine-readable output')
    .action((name: string, alias: string | undefined, o: JsonOpt) => run('models.aliasHistory', { name, alias }, o, (ms) => ms.map(formatMove).join('\n') || 'No alias moves yet.'));
  models
    .command('lineage <ref>')
    .description('Dataset versions -> run -> model version -> exports')
    .option('--json', 'machine-readable output')
    .action((ref: string, o: JsonOpt) => run('models.lineage', { ref }, o, formatLineage));
  models
    .command('card <ref>')
    .description('Print the model card (Markdown; --html for HTML)')
    .option('--html', 'print the HTML version')
    .option('--json', 'machine-readable output')
    .action((ref: string, o: JsonOpt & { html?: boolean }) => run('models.card', { ref }, o, (c) => (o.html ? c.html : c.markdown)));
  models
    .command('compare <a> <b>')
    .description('Two versions side by side')
    .option('--json', 'machine-readable output')
    .action((a: string, b: string, o: JsonOpt) =>
      run('models.compare', { a, b }, o, (c) =>
        [
          f.table([['', ...c.versions.map((v) => `${v.model}@${v.number}`)], ...c.params.map((p) => [`${p.differs ? '*' : ' '} ${p.key}`, ...p.values.map((x) => x ?? '-')]), ...c.metrics.map((m) => [`  ${m.key}`, ...m.values.map((x) => (x === null ? '-' : String(x)))])]),
          ...c.sameData.map((s) => `\non ${s.datasetVersion.slice(0, 12)}:\n` + f.table(s.metrics.map((m) => [`  ${m.key}`, ...m.values.map((x) => (x === null ? '-' : String(x)))]))),
        ].join('\n'),
      ),
    );
}

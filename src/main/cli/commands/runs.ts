import fs from 'node:fs';
import type { Command } from 'commander';
import { LatheError } from '../../../shared/errors';
import { isLatheId } from '../../../shared/ids';
import type { MetricSummary, MetricValue, Run, RunComparison, RunPage } from '../../../shared/tracking';
import { dispatch, invoke } from '../../engine/dispatch';
import { getEngine, run as runCall, type JsonOpt } from '../context';
import * as f from '../format';
import { trackCommand } from '../trackCommand';

/** `lathe run -- <command>` and `lathe runs ...`: experiment tracking from the terminal. */

const { short, when, duration } = f;

function num(v: MetricValue | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}

/** A full id, or a unique prefix of one (at least 4 hex digits). */
async function resolveRunId(prefix: string): Promise<string> {
  const p = prefix.toLowerCase();
  if (isLatheId(p)) return p;
  if (!/^[0-9a-f]{4,31}$/.test(p)) throw new LatheError('INVALID_INPUT', `"${prefix}" is not a run id (32 hex digits, or a prefix of at least 4)`, { where: 'id' });
  const e = await getEngine();
  const page = (await dispatch(e, 'runs.search', { query: `id like "${p}%"`, lifecycle: 'all', limit: 3 })) as RunPage;
  if (page.runs.length === 0) throw new LatheError('NOT_FOUND', `No run id starts with ${p}`, { where: 'id' });
  if (page.runs.length > 1) throw new LatheError('INVALID_INPUT', `${p} matches several runs; give more of the id`, { where: 'id' });
  return page.runs[0].id;
}

function formatRunList(page: RunPage, metricKeys: string[]): string {
  if (page.runs.length === 0) return page.total === 0 ? 'No runs match. Track one: lathe run -- <command>' : 'No runs on this page.';
  const keys = metricKeys.length
    ? metricKeys
    : [...new Set(page.runs.flatMap((r) => Object.keys(r.metrics)))].sort().slice(0, 4);
  const rows = [
    ['ID', 'NAME', 'STATUS', 'EXPERIMENT', 'STARTED', 'DURATION', ...keys],
    ...page.runs.map((r) => [
      short(r.id),
      r.name.length > 40 ? `${r.name.slice(0, 39)}…` : r.name,
      r.lifecycle === 'deleted' ? `${r.status} (trash)` : r.status,
      r.experimentName,
      when(r.startTime),
      duration(r.duration),
      ...keys.map((k) => num(r.metrics[k]?.last)),
    ]),
  ];
  const more = page.nextOffset !== null ? `\n${page.runs.length} of ${page.total} runs (--offset ${page.nextOffset} for more)` : `\n${page.total} run(s)`;
  return f.table(rows) + more;
}

function formatRun(r: Run): string {
  const lines = [
    `${r.name}  ${r.id}`,
    `  status     ${r.status}${r.lifecycle === 'deleted' ? ' (in the trash)' : ''}   source ${r.source}`,
    `  experiment ${r.experimentName} (${r.experimentId})`,
    `  started    ${when(r.startTime)}   ended ${when(r.endTime)}   duration ${duration(r.duration)}`,
  ];
  const env = r.environment;
  if (env.command) lines.push(`  command    ${env.command.join(' ')}`);
  if (env.cwd) lines.push(`  folder     ${env.cwd}`);
  if (env.gitCommit) lines.push(`  git        ${env.gitCommit.slice(0, 12)}${env.gitDirty ? ' (dirty)' : ''}`);
  if (env.host) lines.push(`  host       ${env.host}  ${env.os ?? ''}  lathe ${env.appVersion ?? ''}`);
  if (r.inputs.length) lines.push(`  inputs     ${r.inputs.map((i) => (i.dataset ? `${i.dataset}@v${i.number}` : short(i.id))).join(', ')}`);
  if (r.notes) lines.push('', r.notes);
  const params = Object.entries(r.params);
  if (params.length) lines.push('', 'params:', f.table(params.map(([k, v]) => [`  ${k}`, v])));
  const metrics = Object.entries(r.metrics);
  if (metrics.length) {
    lines.push('', 'metrics:', f.table([['  KEY', 'LAST', 'MIN', 'MAX', 'STEP', 'POINTS'], ...metrics.map(([k, m]) => [`  ${k}`, num(m.last), num(m.min), num(m.max), String(m.step), String(m.count)])]));
  }
  const tags = Object.entries(r.tags);
  if (tags.length) lines.push('', 'tags:', f.table(tags.map(([k, v]) => [`  ${k}`, v])));
  return lines.join('\n');
}

function formatCompare(c: RunComparison, all: boolean): string {
  const head = ['', ...c.runs.map((r) => `${r.name.slice(0, 24)} (${r.id.slice(0, 6)})`)];
  const rows: string[][] = [head];
  const params = all ? c.params : c.params.filter((p) => p.differs);
  if (params.length) {
    rows.push([`params${all ? '' : ' (differing)'}`, ...c.runs.map(() => '')]);
    for (const p of params) rows.push([`  ${p.key}${p.differs ? ' *' : ''}`, ...p.values.map((v) => v ?? '-')]);
  }
  if (c.metrics.length) {
    rows.push(['metrics (last)', ...c.runs.map(() => '')]);
    for (const m of c.metrics) rows.push([`  ${m.key}`, ...m.values.map((v: MetricSummary | null) => num(v?.last))]);
  }
  const hidden = c.params.length - params.length;
  return f.table(rows) + (hidden > 0 ? `\n(${hidden} equal param(s) hidden; --all shows them)` : '');
}

/** A CSV cell; text a spreadsheet would run as a formula (=, +, @, -x) gets a leading apostrophe. */
function csvCell(v: string): string {
  const s = /^[=+@\t\r]/.test(v) || /^-[^\d.]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function allRuns(input: Record<string, unknown>): Promise<Run[]> {
  const e = await getEngine();
  const out: Run[] = [];
  let offset = 0;
  for (;;) {
    const page = (await dispatch(e, 'runs.search', { ...input, offset, limit: 1000 })) as RunPage;
    out.push(...page.runs);
    if (page.nextOffset === null) return out;
    offset = page.nextOffset;
  }
}

export function runsToCsv(runs: Run[]): string {
  const params = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const tags = [...new Set(runs.flatMap((r) => Object.keys(r.tags)))].sort();
  const header = ['id', 'name', 'status', 'experiment', 'source', 'start_time', 'end_time', 'duration_ms', ...params.map((k) => `params.${k}`), ...metrics.map((k) => `metrics.${k}`), ...tags.map((k) => `tags.${k}`)];
  const lines = [header.map(csvCell).join(',')];
  for (const r of runs) {
    lines.push(
      [
        r.id,
        r.name,
        r.status,
        r.experimentName,
        r.source,
        new Date(r.startTime).toISOString(),
        r.endTime === null ? '' : new Date(r.endTime).toISOString(),
        String(r.duration),
        ...params.map((k) => r.params[k] ?? ''),
        ...metrics.map((k) => (r.metrics[k] ? String(r.metrics[k].last) : '')),
        ...tags.map((k) => r.tags[k] ?? ''),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

interface ListOpts extends JsonOpt {
  experiment?: string;
  filter?: string;
  orderBy?: string;
  limit: number;
  offset: number;
  deleted?: boolean;
}

export function registerRunsCommands(program: Command): void {
  program
    .command('run')
    .description('Run a command as a tracked run: lathe run [--experiment <name>] [--name <run>] -- <command...>')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('-e, --experiment <name>', 'experiment to log into (created if missing; default: Default)')
    .option('-n, --name <name>', 'run name (default: a generated one)')
    .option('--json', 'print the finished run as JSON on stdout')
    .action(async (command: string[], o: JsonOpt & { experiment?: string; name?: string }) => {
      const e = await getEngine();
      const result = await trackCommand(e, {
        command,
        experiment: o.experiment,
        name: o.name,
        onStart: (r) => process.stderr.write(`lathe: tracking run ${r.id} (${r.name}) in ${r.experimentName}\n`),
      });
      process.stderr.write(`lathe: run ${short(result.run.id)} ${result.status} (exit ${result.exitCode}) after ${duration(result.run.duration)}\n`);
      if (o.json) process.stdout.write(JSON.stringify(result.run, null, 2) + '\n');
      process.exitCode = result.exitCode;
    });

  const runs = program.command('runs').description('Tracked runs: list, show, compare, trash, export');
  runs
    .command('list')
    .description('List runs, filtered and sorted with the run query language')
    .option('-e, --experiment <name>', 'only this experiment')
    .option('-f, --filter <query>', 'e.g. metrics.val_acc > 0.9 and params.optimizer = "adam"')
    .option('-o, --order-by <order>', 'e.g. "metrics.loss asc" or "max(metrics.acc) desc"')
    .option('--limit <n>', 'runs per page', (v) => Number.parseInt(v, 10), 50)
    .option('--offset <n>', 'skip this many', (v) => Number.parseInt(v, 10), 0)
    .option('--deleted', 'list the trash instead')
    .option('--json', 'machine-readable output')
    .action(async (o: ListOpts) => {
      const input = { query: o.filter ?? '', orderBy: o.orderBy, experiment: o.experiment, lifecycle: o.deleted ? 'deleted' : 'active', limit: o.limit, offset: o.offset };
      const keys = [...(o.filter ?? '').matchAll(/metrics\.([A-Za-z0-9_\-./:]+)/g), ...(o.orderBy ?? '').matchAll(/metrics\.([A-Za-z0-9_\-./:]+)/g)].map((m) => m[1]);
      await runCall('runs.search', input, o, (page) => formatRunList(page, [...new Set(keys)]));
    });
  runs
    .command('show <id>')
    .description('Show a run: status, environment, params, metrics, tags (id or a unique prefix)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: JsonOpt) => {
      const full = await resolveRunId(id);
      await runCall('runs.get', { id: full }, o, (r) => {
        return formatRun(r);
      });
      if (!o.json) {
        const e = await getEngine();
        const files = await invoke(e, 'runs.artifacts.list', { runId: full, recursive: true });
        if (files.length) process.stdout.write(`\nartifacts:\n${f.table(files.map((a) => [`  ${a.path}`, f.bytes(a.size)]))}\n`);
      }
    });
  runs
    .command('compare <ids...>')
    .description('Compare 2 to 50 runs: params that differ, last metric values')
    .option('--all', 'show equal params too')
    .option('--json', 'machine-readable output')
    .action(async (ids: string[], o: JsonOpt & { all?: boolean }) => {
      const full = [];
      for (const id of ids) full.push(await resolveRunId(id));
      await runCall('runs.compare', { ids: full }, o, (c) => formatCompare(c, !!o.all));
    });
  runs
    .command('rm <ids...>')
    .description('Move runs to the trash (lathe runs restore brings them back)')
    .option('--json', 'machine-readable output')
    .action(async (ids: string[], o: JsonOpt) => {
      const full = [];
      for (const id of ids) full.push(await resolveRunId(id));
      await runCall('runs.delete', { ids: full }, o, (r) => `Moved ${r.count} run(s) to the trash. \`lathe runs restore <id>\` undoes it; \`lathe runs purge\` empties the trash.`);
    });
  runs
    .command('restore <ids...>')
    .description('Bring runs back from the trash')
    .option('--json', 'machine-readable output')
    .action(async (ids: string[], o: JsonOpt) => {
      const full = [];
      for (const id of ids) full.push(await resolveRunId(id));
      await runCall('runs.restore', { ids: full }, o, (r) => `Restored ${r.count} run(s).`);
    });
  runs
    .command('purge')
    .description('Empty the trash for good (then `lathe gc` frees their artifacts)')
    .option('--older-than <days>', 'only runs trashed at least this many days ago', (v) => Number(v), 0)
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt & { olderThan: number }) =>
      runCall('runs.purge', { olderThanDays: o.olderThan }, o, (r) => `Purged ${r.purged} run(s). Run \`lathe gc\` to free their storage.`),
    );
  runs
    .command('export')
    .description('Export runs as CSV (or JSON): one row per run, params, last metric values, tags')
    .option('-e, --experiment <name>', 'only this experiment')
    .option('-f, --filter <query>', 'run query language filter')
    .option('-o, --order-by <order>', 'sort order')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: { experiment?: string; filter?: string; orderBy?: string; format: string; out?: string }) => {
      if (o.format !== 'csv' && o.format !== 'json') throw new LatheError('INVALID_INPUT', `Unknown format "${o.format}": use csv or json`, { where: '--format' });
      const list = await allRuns({ query: o.filter ?? '', orderBy: o.orderBy, experiment: o.experiment });
      const text = o.format === 'csv' ? runsToCsv(list) : JSON.stringify(list, null, 2) + '\n';
      if (o.out) {
        fs.writeFileSync(o.out, text);
        process.stderr.write(`Wrote ${list.length} run(s) to ${o.out}\n`);
      } else process.stdout.write(text);
    });
}

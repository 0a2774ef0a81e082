import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { GateDecision, PipelineRun, PipelineSummary, StageExplanation } from '../../../shared/pipelines';
import { LatheError } from '../../../shared/errors';
import { isLatheId } from '../../../shared/ids';
import { dispatch, invoke } from '../../engine/dispatch';
import { callAndPrint, getEngine, run, type JsonOpt } from '../context';
import * as f from '../format';

/**
 * `lathe pipeline run <file|name> [--force] [--from <stage>] | list | status | history | explain | check | decision`.
 * A file argument is stored first (a changed file updates the pipeline), then run by its name.
 * Exit codes of `run`: 0 succeeded, 1 blocked (a gate did not pass), 2 a stage failed.
 */

const { when } = f;
const secs = (a: number | null, b: number | null) => (a === null || b === null ? '-' : `${((b - a) / 1000).toFixed(2)}s`);

/** A file path becomes a stored pipeline (its name); anything else is taken as a pipeline name. */
async function nameOf(arg: string): Promise<string> {
  const looksLikeFile = /\.ya?ml$/i.test(arg) || arg.includes('/') || arg.includes(path.sep);
  if (!looksLikeFile && !fs.existsSync(arg)) return arg;
  const abs = path.resolve(arg);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new LatheError('NOT_FOUND', `There is no pipeline file at ${abs}`, { where: arg });
  }
  return (await invoke(await getEngine(), 'pipelines.save', { text, sourcePath: abs })).name;
}

export function formatRun(r: PipelineRun): string {
  const head = `Pipeline ${r.pipeline} run ${r.id}: ${r.state} (trigger ${r.trigger}${r.triggerDetail ? `: ${r.triggerDetail}` : ''}; definition ${r.definitionHash.slice(0, 12)})`;
  const rows = [['STAGE', 'TYPE', 'STATE', 'TIME', 'WHY'], ...r.stages.map((s) => [s.stage, s.type, s.state, secs(s.startedAt, s.endedAt), s.why])];
  const errors = r.stages.filter((s) => s.error).map((s) => `  ${s.stage}: ${s.error}`);
  return `${head}\n${f.table(rows)}${errors.length ? `\n${errors.join('\n')}` : ''}${r.error && !errors.length ? `\n  ${r.error}` : ''}`;
}

function formatList(list: PipelineSummary[]): string {
  if (list.length === 0) return 'No pipelines yet. Run one from a file: lathe pipeline run <file.yaml>';
  return f.table([
    ['NAME', 'STAGES', 'TRIGGERS', 'LAST RUN', 'STATE', 'NEXT SCHEDULED'],
    ...list.map((p) => [p.name, String(p.stages.length), p.triggers.map((t) => t.kind).join(', ') || 'manual', when(p.lastRun?.createdAt ?? null), p.lastRun?.state ?? '-', when(p.nextRunAt)]),
  ]);
}

function formatHistory(runs: PipelineRun[]): string {
  if (runs.length === 0) return 'No runs yet.';
  return runs
    .map((r) => {
      const reran = r.stages.filter((s) => s.state === 'ran' || s.state === 'failed').map((s) => `    ${s.stage}: ${s.why}`);
      return `${when(r.createdAt)}  ${r.id.slice(0, 12)}  ${r.state.padEnd(9)} ${r.trigger}${r.triggerDetail ? ` (${r.triggerDetail})` : ''}  ${r.stages.filter((s) => s.state === 'cached').length}/${r.stages.length} cached${reran.length ? `\n${reran.join('\n')}` : ''}`;
    })
    .join('\n');
}

function formatExplain(list: StageExplanation[]): string {
  return f.table([['STAGE', 'TYPE', 'VERDICT', 'WHY'], ...list.map((s) => [s.stage, s.type, s.verdict, s.why])]);
}

export function formatDecision(d: GateDecision): string {
  const n = d.numbers;
  const lines = [`Gate ${d.stage} of run ${d.pipelineRun}: ${d.verdict.toUpperCase()}`, `  ${d.reason}`, `  challenger run ${d.challengerRun}, champion ${d.championVersion ?? '(none)'}, ${d.rows} rows of ${d.dataVersion.slice(0, 12)}`];
  if (n) {
    lines.push(`  ${n.metric}: champion ${n.champion ?? '-'}  challenger ${n.challenger}  difference ${n.difference ?? '-'}`);
    if (n.interval) lines.push(`  ${Math.round(n.interval.confidence * 100)}% paired bootstrap interval [${n.interval.lo}, ${n.interval.hi}] (${n.interval.resamples} resamples)`);
    for (const g of n.guards) lines.push(`  guard ${g.metric}: change ${g.change} (tolerance ${g.tolerance}) ${g.ok ? 'ok' : 'REGRESSED'}`);
  }
  return lines.join('\n');
}

export function registerPipelineCommands(program: Command): void {
  const p = program.command('pipeline').alias('pipelines').description('Pipelines: declared stages, a stage cache, triggers, a champion gate');
  p.command('run <fileOrName>')
    .description('Run a pipeline (stages whose inputs did not change are cached)')
    .option('--force', 'run every stage')
    .option('--from <stage>', 'run this stage and everything downstream of it')
    .option('--json', 'machine-readable output')
    .action(async (arg: string, o: JsonOpt & { force?: boolean; from?: string }) => {
      const name = await nameOf(arg);
      const e = await getEngine();
      const off = o.json
        ? () => {}
        : e.events.subscribe((ev) => {
            if (ev.type === 'pipelines.changed' && ev.data.name === name && ev.data.stage && ev.data.state === 'running') process.stderr.write(`  ${ev.data.stage}: running\n`);
          });
      try {
        const r = (await dispatch(e, 'pipelines.run', { name, force: !!o.force, from: o.from })) as PipelineRun;
        process.stdout.write((o.json ? JSON.stringify(r, null, 2) : formatRun(r)) + '\n');
        process.exitCode = r.state === 'succeeded' ? 0 : r.state === 'blocked' ? 1 : 2;
      } finally {
        off();
      }
    });
  p.command('list').description('Pipelines, their last run and next scheduled run').option('--json', 'machine-readable output').action((o: JsonOpt) => run('pipelines.list', {}, o, formatList));
  p.command('status <nameOrRunId>')
    .description('The latest run of a pipeline (or one run by id), stage by stage')
    .option('--json', 'machine-readable output')
    .action((arg: string, o: JsonOpt) => run('pipelines.status', isLatheId(arg) ? { runId: arg } : { name: arg }, o, formatRun));
  p.command('history <name>')
    .description('Runs of a pipeline, newest first, with why each stage re-ran')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'machine-readable output')
    .action((name: string, o: JsonOpt & { limit: number }) => run('pipelines.history', { name, limit: o.limit }, o, formatHistory));
  p.command('explain <fileOrName>')
    .description('For each stage: cached (key ...) or would run, and because of which input')
    .option('--force', 'as with run --force')
    .option('--from <stage>', 'as with run --from')
    .option('--json', 'machine-readable output')
    .action(async (arg: string, o: JsonOpt & { force?: boolean; from?: string }) => run('pipelines.explain', { name: await nameOf(arg), force: !!o.force, from: o.from }, o, formatExplain));
  p.command('check <file>')
    .description('Check a pipeline file without storing it (problems at line:column)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: JsonOpt) => {
      const text = fs.readFileSync(path.resolve(file), 'utf8');
      const r = await callAndPrint('pipelines.check', { text }, o, (c) => (c.issues.length === 0 ? `${file}: ok (definition ${c.definitionHash?.slice(0, 12)})` : c.issues.map((i) => `${file}:${i.line}:${i.column}: ${i.message}`).join('\n')));
      if (r.issues.length) process.exitCode = 1;
    });
  p.command('resume <runId>').description('Resume a failed run from its failed stage').option('--json', 'machine-readable output').action((runId: string, o: JsonOpt) => run('pipelines.resume', { runId }, o, formatRun));
  p.command('decision <id>').description("A gate's decision: numbers, interval, verdict, reason").option('--json', 'machine-readable output').action((id: string, o: JsonOpt) => run('pipelines.decision', { id }, o, formatDecision));
}

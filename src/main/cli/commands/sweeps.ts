import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { LatheError } from '../../../shared/errors';
import type { Sweep, SweepSummary, SweepTrial } from '../../../shared/sweeps';
import { dispatch, invoke } from '../../engine/dispatch';
import { getEngine, run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe sweep <file.yaml>` (start, follow, print the trials) and `lathe sweeps list|show|cancel`. */

export function readSweepFile(file: string): unknown {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new LatheError('NOT_FOUND', `There is no sweep file at ${abs}`, { where: file });
  }
  try {
    return parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0];
      throw new LatheError('INVALID_INPUT', `${file}${at ? `:${at.line}:${at.col}` : ''}: ${e.message.split('\n')[0]}`, { where: at ? `${file}:${at.line}` : file });
    }
    throw e;
  }
}

const num = (v: number | null) => (v === null ? '-' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toPrecision(4));
const param = (v: unknown) => (typeof v === 'number' ? num(v) : JSON.stringify(v));

export function formatTrials(s: Sweep): string {
  const keys = [...new Set(s.trials.flatMap((t) => Object.keys(t.params)))];
  const short = (k: string) => k.replace(/^hyperparameters\./, '');
  const rows = [
    ['#', 'STATUS', 'RUN', ...keys.map(short), 'EPOCHS', s.spec.objective.metric.toUpperCase()],
    ...s.trials.map((t: SweepTrial) => [
      `${t.trial}${s.best?.trial === t.trial ? '*' : ''}`,
      t.status,
      t.runId ? t.runId.slice(0, 12) : '-',
      ...keys.map((k) => (k in t.params ? param(t.params[k]) : '-')),
      String(t.epochs),
      num(t.objective),
    ]),
  ];
  const head = `Sweep ${s.name} (${s.id}): ${s.status}; ${s.spec.strategy.kind}${s.spec.pruning ? ' + successive halving' : ''}, ${s.trials.length} trials, ${s.spec.objective.direction} ${s.spec.objective.metric}`;
  const best = s.best ? `\nbest: trial ${s.best.trial} (run ${s.best.runId}) ${s.spec.objective.metric} = ${num(s.best.objective)}` : '';
  return `${head}${s.error ? `\n  ${s.error}` : ''}\n${f.table(rows)}${best}`;
}

function formatList(list: SweepSummary[]): string {
  if (list.length === 0) return 'No sweeps yet. Start one: lathe sweep <file.yaml>';
  return f.table([
    ['ID', 'NAME', 'STATUS', 'STRATEGY', 'TRIALS', 'BEST'],
    ...list.map((s) => [
      s.id.slice(0, 12),
      s.name,
      s.status,
      s.strategy,
      `${s.counts.finished} done, ${s.counts.pruned} pruned, ${s.counts.failed} failed, ${s.counts.running + s.counts.queued} to go`,
      s.best ? `#${s.best.trial} ${s.objective.metric}=${num(s.best.objective)}` : '-',
    ]),
  ]);
}

export function registerSweepCommands(program: Command): void {
  program
    .command('sweep <file>')
    .description('Run a sweep from a YAML file and wait for it (Ctrl-C cancels it)')
    .option('--detach', 'start it and return (it stops with this process: use it from `lathe serve` or the app)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: JsonOpt & { detach?: boolean }) => {
      const spec = readSweepFile(file);
      const e = await getEngine();
      const started = (await dispatch(e, 'sweeps.start', { spec })) as Sweep;
      if (o.detach) {
        process.stdout.write((o.json ? JSON.stringify(started, null, 2) : formatTrials(started)) + '\n');
        return;
      }
      if (!o.json) process.stderr.write(`Sweep ${started.name} (${started.id}): ${started.trials.length} trials, ${started.spec.parallelism} at a time\n`);
      const off = e.events.subscribe((ev) => {
        if (o.json || ev.type !== 'sweeps.changed') return;
        const d = ev.data;
        if (d.id !== started.id || d.trial === undefined) return;
        const at = d.trial;
        void invoke(e, 'sweeps.get', { id: started.id }).then((s) => {
          const t = s.trials[at];
          if (t.status !== 'running' || t.epochs === 0) process.stderr.write(`  trial ${t.trial}: ${t.status}${t.objective !== null ? ` ${started.spec.objective.metric}=${num(t.objective)}` : ''}\n`);
        });
      });
      const stop = () => {
        process.stderr.write('\ncancelling the sweep...\n');
        void invoke(e, 'sweeps.cancel', { id: started.id }).catch((err: unknown) => process.stderr.write(`lathe: ${(err as Error).message}\n`));
      };
      process.once('SIGINT', stop);
      try {
        const done = await invoke(e, 'sweeps.wait', { id: started.id });
        process.stdout.write((o.json ? JSON.stringify(done, null, 2) : formatTrials(done)) + '\n');
        if (done.status !== 'finished') process.exitCode = done.status === 'cancelled' ? 130 : 2;
      } finally {
        off();
        process.removeListener('SIGINT', stop);
      }
    });
  const sweeps = program.command('sweeps').description('Sweeps and their trials');
  sweeps
    .command('list')
    .description('Sweeps, newest first')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt) => run('sweeps.list', {}, o, formatList));
  sweeps
    .command('show <id>')
    .description("A sweep's trials and best trial")
    .option('--json', 'machine-readable output')
    .action((id: string, o: JsonOpt) => run('sweeps.get', { id }, o, formatTrials));
  sweeps
    .command('cancel <id>')
    .description('Stop a sweep')
    .option('--json', 'machine-readable output')
    .action((id: string, o: JsonOpt) => run('sweeps.cancel', { id }, o, formatTrials));
}

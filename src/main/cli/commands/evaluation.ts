import fs from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  EVALUATION_SPLITS,
  matrixCostSchema,
  type BinaryCost,
  type MatrixCost,
  type Evaluation,
  type EvaluationComparison,
  type EvaluationSplit,
  type EvaluationSummary,
  type MetricInterval,
} from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import { isLatheId } from '../../../shared/ids';
import type { Run, RunPage } from '../../../shared/tracking';
import { dispatch } from '../../engine/dispatch';
import { getEngine, run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe eval <run> --data <ref>` and `lathe evals ...`: evaluations from the terminal. */

/** A full run id, or a unique prefix of at least 4 hex digits. */
export async function resolveRunPrefix(prefix: string): Promise<string> {
  const p = prefix.toLowerCase();
  if (isLatheId(p)) return p;
  if (!/^[0-9a-f]{4,31}$/.test(p)) throw new LatheError('INVALID_INPUT', `"${prefix}" is not a run id (32 hex digits, or a prefix of at least 4)`, { where: 'run' });
  const page = (await dispatch(await getEngine(), 'runs.search', { query: `id like "${p}%"`, lifecycle: 'all', limit: 3 })) as RunPage;
  if (page.runs.length === 0) throw new LatheError('NOT_FOUND', `No run id starts with ${p}`, { where: 'run' });
  if (page.runs.length > 1) throw new LatheError('INVALID_INPUT', `${p} matches several runs; give more of the id`, { where: 'run' });
  return page.runs[0].id;
}

/** The dataset version a run trained on, as a ref (`name@<version id>`), from its recorded params. */
async function trainingVersionRef(runId: string): Promise<string> {
  const r = (await dispatch(await getEngine(), 'runs.get', { id: runId })) as Run;
  const version = r.params.data_version;
  const data = r.params.data;
  if (!version || !data) throw new LatheError('INVALID_INPUT', `Run ${runId.slice(0, 12)} records no training data version`, { where: '--data', hint: 'Name the data to evaluate on: --data <dataset@version>.' });
  return `${data.split('@')[0]}@${version}`;
}

/** `tp=100,fp=-10,fn=-120,tn=0` (any order, all four needed). */
export function parseBinaryCost(text: string): BinaryCost {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(tp|fp|fn|tn)\s*=\s*(.+)$/i.exec(part);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v)) throw new LatheError('INVALID_INPUT', `"${part}" is not <outcome>=<number> (outcomes: tp, fp, fn, tn)`, { where: '--cost' });
    out[m[1].toLowerCase()] = v;
  }
  const missing = ['tp', 'fp', 'fn', 'tn'].filter((k) => !(k in out));
  if (missing.length) throw new LatheError('INVALID_INPUT', `--cost needs a value for ${missing.join(', ')} (e.g. tp=100,fp=-10,fn=-120,tn=0)`, { where: '--cost' });
  return { kind: 'binary', tp: out.tp, fp: out.fp, fn: out.fn, tn: out.tn };
}

/** A value matrix file (YAML or JSON): `classes: [a, b, c]` and `values: [[...], ...]` (rows actual, columns predicted). */
export function readCostMatrix(file: string): MatrixCost {
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LatheError('INVALID_INPUT', `Cannot read the cost matrix ${file}: ${(e as Error).message.split('\n')[0]}`, { where: '--cost-matrix' });
  }
  const parsed = matrixCostSchema.safeParse({ kind: 'matrix', ...(raw as object) });
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new LatheError('INVALID_INPUT', `${file}: ${i.path.join('.') || 'matrix'}: ${i.message}`, { where: '--cost-matrix', hint: 'classes: [a, b]\nvalues: [[1, -5], [-20, 0]]   # rows: actual, columns: predicted' });
  }
  return parsed.data;
}

const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
const money = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

/** "[0.8812, 0.9710]" for a bootstrap interval, '' when there is none. */
const interval = (i: MetricInterval | undefined, digits = 4) => (i && i.lo !== null && i.hi !== null ? `[${num(i.lo, digits)}, ${num(i.hi, digits)}]` : '');

/** The mark every view of an evaluation carries when it scored rows the model was trained on. */
export function trainingRowsMark(trainingRows: number | null | undefined): string {
  if (trainingRows === null || trainingRows === undefined) return 'training rows: unknown';
  return trainingRows > 0 ? `includes ${trainingRows} training rows` : 'held out';
}

export function formatEvaluation(e: Evaluation): string {
  const r = e.report;
  const lines = [`Evaluation ${e.id} of ${e.runName} (${e.runId.slice(0, 12)}) on ${e.dataRef}: ${r.task}, ${r.n} rows${r.skippedRows ? ` (${r.skippedRows} left out)` : ''}, ${e.durationMs} ms`];
  if (r.selection) lines.push(`  rows: ${r.selection.summary}`);
  if (e.trainingRows !== 0) lines.push(`  WARNING: ${trainingRowsMark(e.trainingRows)}: these numbers are optimistic`);
  for (const n of r.notes ?? []) lines.push(`  note: ${n}`);
  const level = r.bootstrap ? `${Math.round(r.bootstrap.level * 100)}% CI (bootstrap, ${r.bootstrap.resamples} resamples)` : '';
  lines.push('', f.table([...(level ? [['  METRIC', 'VALUE', level]] : []), ...Object.entries(r.headline).map(([k, v]) => [`  ${k}`, num(v), interval(r.intervals?.[k])])]));
  if (r.task === 'classification') {
    lines.push('', `confusion (rows actual, columns predicted)${r.positiveClass ? `; positive class ${r.positiveClass}` : ''}:`);
    lines.push(f.table([['  ', ...r.classes], ...r.confusion.map((row, i) => [`  ${r.classes[i]}`, ...row.map(String)])]));
    lines.push('', f.table([['  CLASS', 'PRECISION', 'RECALL', 'F1', 'SUPPORT'], ...r.perClass.map((c) => [`  ${c.class}`, num(c.precision), num(c.recall), num(c.f1), String(c.support)])]));
  }
  const b = r.business;
  if (b?.kind === 'binary') {
    lines.push('', `business value (tp ${b.cost.tp}, fp ${b.cost.fp}, fn ${b.cost.fn}, tn ${b.cost.tn}):`);
    lines.push(
      f.table([
        ['  DECISION', 'THRESHOLD', 'VALUE/CASE', 'VALUE/1000', 'ACCURACY', r.intervals ? 'VALUE/1000 CI' : ''],
        ['  default', num(b.atDefault.threshold), money(b.atDefault.valuePerCase), money(b.atDefault.valuePer1000), num(b.atDefault.accuracy), interval(r.intervals?.value_per_1000, 0)],
        ['  value-optimal', num(b.best.threshold), money(b.best.valuePerCase), money(b.best.valuePer1000), num(b.best.accuracy), interval(r.intervals?.best_value_per_1000, 0)],
        ['  accuracy-optimal', num(b.accuracyOptimal.threshold), money(b.accuracyOptimal.valuePerCase), money(b.accuracyOptimal.valuePer1000), num(b.accuracyOptimal.accuracy)],
      ]),
    );
    if (b.best.interval) {
      lines.push(
        `  value-optimal threshold chosen on ${b.best.chosenOn === 'validation' ? `the run's ${b.best.chosenRows} validation rows` : 'the evaluated rows themselves (optimistic)'}; every threshold in (${num(b.best.interval.lo)}, ${num(b.best.interval.hi)}] is as good there, the middle is taken`,
      );
    }
  } else if (b?.kind === 'matrix') {
    lines.push('', 'business value (value matrix):');
    lines.push(
      f.table([
        ['  DECISION', 'VALUE/CASE', 'VALUE/1000'],
        ['  most probable class', money(b.atArgmax.valuePerCase), money(b.atArgmax.valuePer1000)],
        ['  highest expected value', money(b.valueOptimal.valuePerCase), money(b.valueOptimal.valuePer1000)],
      ]),
    );
  }
  if (r.slices) {
    const keys = ['accuracy', 'f1_macro', 'auc', 'log_loss', 'mae', 'rmse', 'r2'].filter((k) => k in (r.slices?.slices[0]?.headline ?? {}));
    lines.push('', `slices by ${r.slices.column}:`);
    lines.push(f.table([['  VALUE', 'ROWS', ...keys.map((k) => k.toUpperCase()), ...(b ? ['VALUE/CASE'] : [])], ...r.slices.slices.map((s) => [`  ${s.value}`, String(s.n), ...keys.map((k) => num(s.headline[k])), ...(b ? [money(s.businessValuePerCase ?? 0)] : [])])]));
  }
  return lines.join('\n');
}

function formatList(list: EvaluationSummary[]): string {
  if (list.length === 0) return 'No evaluations. Make one: lathe eval <run> --data <dataset@version>';
  const keys = [...new Set(list.flatMap((e) => Object.keys(e.headline)))].slice(0, 5);
  return f.table([
    ['ID', 'RUN', 'DATA', 'ROWS', 'CREATED', ...keys],
    ...list.map((e) => [e.id.slice(0, 12), e.runName, e.dataRef, `${e.split}${e.trainingRows !== 0 ? ` (${trainingRowsMark(e.trainingRows)})` : ''}`, new Date(e.createdAt).toISOString().replace('T', ' ').slice(0, 19), ...keys.map((k) => num(e.headline[k]))]),
  ]);
}

function formatComparison(c: EvaluationComparison): string {
  const head = ['METRIC', ...c.evaluations.map((e) => `${e.runName} @ ${e.dataRef} (${e.split}${e.trainingRows !== 0 ? `; ${trainingRowsMark(e.trainingRows)}` : ''})`)];
  const cell = (e: EvaluationSummary, m: string, i: number) => `${num(e.headline[m])}${c.best[m] === i ? ' *' : ''} ${interval(e.intervals?.[m], 3)}`.trim();
  const lines = [f.table([head, ...c.metrics.map((m) => [m, ...c.evaluations.map((e, i) => cell(e, m, i))])]), '(* best; [95% bootstrap interval])'];
  if (c.paired.length > 0) {
    lines.push('', `paired bootstrap on the rows both scored (first - other):`);
    lines.push(
      f.table([
        ['  METRIC', 'VS', 'ROWS', 'DIFFERENCE', '95% CI', 'VERDICT'],
        ...c.paired.map((p) => [`  ${p.metric}`, c.evaluations[p.b].runName, String(p.rows), num(p.delta), interval({ lo: p.lo, hi: p.hi }), p.inNoise ? 'inside the noise' : `${p.better === 'a' ? c.evaluations[p.a].runName : c.evaluations[p.b].runName} is better`]),
      ]),
    );
  }
  for (const u of c.unpaired) lines.push(`not paired with ${c.evaluations[u.index].runName}: ${u.reason}`);
  return lines.join('\n');
}

export function registerEvaluationCommands(program: Command): void {
  program
    .command('eval <run>')
    .description("Evaluate a run's model on a dataset version (metrics with 95% intervals, confusion, business value); its held-out test split by default")
    .option('--data <ref>', "dataset version: name, name@v2, name@<tag> (default: the version the run trained on)")
    .option('--split <part>', "on the run's own version: test (default), validation, train or all (train and all include training rows, and say so)")
    .option('--resamples <n>', 'bootstrap resamples behind the intervals (0: none)', (v) => Number(v))
    .option('--seed <n>', 'bootstrap seed', (v) => Number(v))
    .option('--slice <column>', 'also report the metrics per value of this column')
    .option('--cost <values>', 'binary value of each outcome: tp=..,fp=..,fn=..,tn=.. (gains positive, costs negative)')
    .option('--cost-matrix <file>', 'any number of classes: a YAML/JSON file with classes and values (rows actual, columns predicted)')
    .option('--positive <class>', 'binary: the class counted as positive')
    .option('--json', 'machine-readable output')
    .action(async (runRef: string, o: JsonOpt & { data?: string; split?: string; resamples?: number; seed?: number; slice?: string; cost?: string; costMatrix?: string; positive?: string }) => {
      if (o.cost && o.costMatrix) throw new LatheError('INVALID_INPUT', 'Give --cost or --cost-matrix, not both', { where: '--cost' });
      if (o.split !== undefined && !(EVALUATION_SPLITS as readonly string[]).includes(o.split)) {
        throw new LatheError('INVALID_INPUT', `--split must be one of ${EVALUATION_SPLITS.join(', ')}, not "${o.split}"`, { where: '--split' });
      }
      const runId = await resolveRunPrefix(runRef);
      const data = o.data ?? (await trainingVersionRef(runId));
      const cost = o.cost ? parseBinaryCost(o.cost) : o.costMatrix ? readCostMatrix(o.costMatrix) : undefined;
      await run('evaluation.run', { runId, data, split: o.split as EvaluationSplit | undefined, resamples: o.resamples, seed: o.seed, slice: o.slice, cost, positive: o.positive }, o, formatEvaluation);
    });
  const evals = program.command('evals').description('Stored evaluations');
  evals
    .command('list')
    .description('Evaluations, newest first')
    .option('--run <run>', 'only this run')
    .option('--data <ref>', 'only on this dataset version')
    .option('--json', 'machine-readable output')
    .action(async (o: JsonOpt & { run?: string; data?: string }) =>
      run('evaluation.list', { runId: o.run ? await resolveRunPrefix(o.run) : undefined, data: o.data }, o, formatList),
    );
  evals
    .command('show <id>')
    .description('One evaluation')
    .option('--json', 'machine-readable output')
    .action((id: string, o: JsonOpt) => run('evaluation.get', { id }, o, formatEvaluation));
  evals
    .command('compare <ids...>')
    .description('Evaluations side by side')
    .option('--json', 'machine-readable output')
    .action((ids: string[], o: JsonOpt) => run('evaluation.compare', { ids }, o, formatComparison));
}

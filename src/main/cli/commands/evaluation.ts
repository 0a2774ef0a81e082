import fs from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { matrixCostSchema, type BinaryCost, type MatrixCost, type Evaluation, EvaluationComparison, EvaluationSummary } from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import type { RunPage } from '../../../shared/tracking';
import { dispatch } from '../../engine/dispatch';
import { getEngine, run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe eval <run> --data <ref>` and `lathe evals ...`: evaluations from the terminal. */

/** A full run id, or a unique prefix of at least 4 hex digits. */
export async function resolveRunPrefix(prefix: string): Promise<string> {
  const p = prefix.toLowerCase();
  if (/^[0-9a-f]{32}$/.test(p)) return p;
  if (!/^[0-9a-f]{4,31}$/.test(p)) throw new LatheError('INVALID_INPUT', `"${prefix}" is not a run id (32 hex digits, or a prefix of at least 4)`, { where: 'run' });
  const page = (await dispatch(await getEngine(), 'runs.search', { query: `id like "${p}%"`, lifecycle: 'all', limit: 3 })) as RunPage;
  if (page.runs.length === 0) throw new LatheError('NOT_FOUND', `No run id starts with ${p}`, { where: 'run' });
  if (page.runs.length > 1) throw new LatheError('INVALID_INPUT', `${p} matches several runs; give more of the id`, { where: 'run' });
  return page.runs[0].id;
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

export function formatEvaluation(e: Evaluation): string {
  const r = e.report;
  const lines = [`Evaluation ${e.id} of ${e.runName} (${e.runId.slice(0, 12)}) on ${e.dataRef}: ${r.task}, ${r.n} rows${r.skippedRows ? ` (${r.skippedRows} left out)` : ''}, ${e.durationMs} ms`];
  for (const n of r.notes ?? []) lines.push(`  note: ${n}`);
  lines.push('', f.table(Object.entries(r.headline).map(([k, v]) => [`  ${k}`, num(v)])));
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
        ['  DECISION', 'THRESHOLD', 'VALUE/CASE', 'VALUE/1000', 'ACCURACY'],
        ['  default', num(b.atDefault.threshold), money(b.atDefault.valuePerCase), money(b.atDefault.valuePer1000), num(b.atDefault.accuracy)],
        ['  value-optimal', num(b.best.threshold), money(b.best.valuePerCase), money(b.best.valuePer1000), num(b.best.accuracy)],
        ['  accuracy-optimal', num(b.accuracyOptimal.threshold), money(b.accuracyOptimal.valuePerCase), money(b.accuracyOptimal.valuePer1000), num(b.accuracyOptimal.accuracy)],
      ]),
    );
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
    ['ID', 'RUN', 'DATA', 'CREATED', ...keys],
    ...list.map((e) => [e.id.slice(0, 12), e.runName, e.dataRef, new Date(e.createdAt).toISOString().replace('T', ' ').slice(0, 19), ...keys.map((k) => num(e.headline[k]))]),
  ]);
}

function formatComparison(c: EvaluationComparison): string {
  const head = ['METRIC', ...c.evaluations.map((e) => `${e.runName} @ ${e.dataRef}`)];
  return f.table([head, ...c.metrics.map((m) => [m, ...c.evaluations.map((e, i) => `${num(e.headline[m])}${c.best[m] === i ? ' *' : ''}`)])]) + '\n(* best)';
}

export function registerEvaluationCommands(program: Command): void {
  program
    .command('eval <run>')
    .description("Evaluate a run's model on a dataset version (metrics, confusion, business value)")
    .requiredOption('--data <ref>', 'dataset version: name, name@v2, name@<tag>')
    .option('--slice <column>', 'also report the metrics per value of this column')
    .option('--cost <values>', 'binary value of each outcome: tp=..,fp=..,fn=..,tn=.. (gains positive, costs negative)')
    .option('--cost-matrix <file>', 'any number of classes: a YAML/JSON file with classes and values (rows actual, columns predicted)')
    .option('--positive <class>', 'binary: the class counted as positive')
    .option('--json', 'machine-readable output')
    .action(async (runRef: string, o: JsonOpt & { data: string; slice?: string; cost?: string; costMatrix?: string; positive?: string }) => {
      if (o.cost && o.costMatrix) throw new LatheError('INVALID_INPUT', 'Give --cost or --cost-matrix, not both', { where: '--cost' });
      const runId = await resolveRunPrefix(runRef);
      const cost = o.cost ? parseBinaryCost(o.cost) : o.costMatrix ? readCostMatrix(o.costMatrix) : undefined;
      await run('evaluation.run', { runId, data: o.data, slice: o.slice, cost, positive: o.positive }, o, formatEvaluation);
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

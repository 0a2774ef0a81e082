import path from 'node:path';
import type { Command } from 'commander';
import { multivariateOutcome, type AlertsView, type DriftReport, type IngestResult, type JoinResult, type LogDatasetResult, type MonitoredModel, type MonitorTimeline, type ReferenceSummary, type ReportResult } from '../../../shared/monitoring';
import { dispatch } from '../../engine/dispatch';
import { getEngine, run, type JsonOpt } from '../context';
import * as f from '../format';
import { formatNumber } from '../../../shared/numberFormat';

/** `lathe monitor list | ingest | labels | outcomes | report | alerts | reference` (docs/MONITORING.md). */

/** The app's one number format (shared/numberFormat.ts); '-' for no value. */
const n = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : formatNumber(v));
const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

function formatList(list: MonitoredModel[]): string {
  if (list.length === 0) return 'No monitored models yet. Ingest a serving log: lathe monitor ingest <model> logs/*.ndjson';
  return f.table([
    ['MODEL', 'STATE', 'ROWS', 'WINDOWS', 'LAST WINDOW', 'DRIFT SHARE (24)', 'HEADLINE (EST / REAL)', 'VALUE/1000 (EST / REAL)', 'ALERTS'],
    ...list.map((m) => [
      m.model,
      m.state,
      String(m.rows),
      String(m.windows),
      when(m.lastWindow),
      n(m.driftShare),
      m.headline ? `${m.headline.metric} ${n(m.headline.estimated)} / ${n(m.headline.realized)}` : '-',
      `${n(m.valuePer1000.estimated)} / ${n(m.valuePer1000.realized)}`,
      `${m.alerts.firing} firing, ${m.alerts.pending} pending`,
    ]),
  ]);
}

function problems(list: { where: string; message: string }[], total: number): string {
  if (list.length === 0) return '';
  const lines = list.slice(0, 20).map((p) => `  ${p.where}: ${p.message}`);
  if (total > lines.length) lines.push(`  ... and ${total - lines.length} more (--json lists up to 100)`);
  return `\n${lines.join('\n')}`;
}

function formatIngest(r: IngestResult): string {
  const head = `${r.model}: ${r.accepted} rows ingested into ${r.windows.length} windows (${r.rowsPerSecond} rows/s)${r.cancelled ? ', CANCELLED (what was committed stays; run it again to finish)' : ''}`;
  const counts = `${r.lines} lines: ${r.duplicates} duplicate ids skipped, ${r.malformed} refused (${r.future} in the future), ${r.outOfOrder} out of order; fields missing ${r.missingFields}, extra ${r.extraFields}`;
  return `${head}\n${counts}${problems(r.problems, r.problemsTotal)}`;
}

function formatJoin(kind: string) {
  return (r: JoinResult) => {
    const head = `${r.model}: ${r.matched} ${kind} joined (${r.replaced} replaced) into ${r.windows.length} windows; ${r.unmatched} ids matched no logged request; ${r.malformed} lines refused`;
    const ids = r.unmatchedIds.length ? `\n  unmatched: ${r.unmatchedIds.slice(0, 20).join(', ')}${r.unmatched > 20 ? ', ...' : ''}` : '';
    return head + ids + problems(r.problems, r.malformed);
  };
}

function formatMultivariate(t: MonitorTimeline): string {
  const o = multivariateOutcome(t.windows);
  if (!o) return '';
  const m = o.last;
  return `\nmultivariate (PCA reconstruction error, band held-out mean +- 3 sd): ${o.outside} of ${o.judged} windows outside the band; last ${n(m.error)} (band ${n(m.lower)} .. ${n(m.upper)})${m.drift ? ' DRIFT' : ''}`;
}

function formatDrift(d: DriftReport, t: MonitorTimeline, file: string, bytes: number): string {
  const rows = d.features.map((x) => [
    x.feature,
    x.drift ? 'DRIFT' : 'ok',
    x.test ? `${x.test.method} ${n(x.test.statistic)}${x.test.pValue !== null ? ` p=${n(x.test.pValue)}` : ''} (${x.test.rule.replace('threshold', n(x.test.threshold))}, ${x.test.thresholdSource})` : '-',
    x.psi ? `${n(x.psi.value)} ${x.psi.band}` : '-',
    `${n(x.missingRate.reference)} -> ${n(x.missingRate.current)}${x.missingRate.changed ? ' !' : ''}`,
    x.newCategories.values.slice(0, 3).join(', '),
  ]);
  const verdict = `${d.dataset.drifting} of ${d.dataset.total} features drift: ${d.dataset.drift ? 'DATASET DRIFT' : 'no dataset drift'} (at >= 50%)`;
  return `${d.model} ${when(d.from)} .. ${when(d.to)}, ${d.rows} rows; ${verdict}\n${f.table([['FEATURE', 'VERDICT', 'TEST', 'PSI', 'MISSING', 'NEW CATEGORIES'], ...rows])}${formatMultivariate(t)}\nreport: ${file} (${f.bytes(bytes)})`;
}

function formatAlerts(a: AlertsView): string {
  if (a.rules.length === 0) return 'No alert rules yet (every monitored model gets default rules at its first reference).';
  const rules = f.table([['MODEL', 'RULE', 'CONDITION', 'STATE', 'SINCE', 'LAST VALUE'], ...a.rules.map((r) => [r.model, r.name, `${r.series} ${r.op} ${r.threshold} for ${r.forWindows}${r.resolveAfter > 1 ? `, resolve ${r.resolveAfter}` : ''}`, r.state, when(r.since), n(r.lastValue)])]);
  const hist = a.history.slice(0, 20).map((h) => `  ${when(h.window)} ${h.model} ${h.rule}: ${h.from} -> ${h.to} (${n(h.value)})`);
  return `${rules}${hist.length ? `\nrecent changes:\n${hist.join('\n')}` : ''}`;
}

function formatReference(r: ReferenceSummary): string {
  return `${r.model}@${r.version}: reference from ${r.trainRows} training rows (${r.source}) and ${r.heldOutRows} held-out predictions, ${f.bytes(r.bytes)}\n  held out: ${Object.entries(r.heldOut).map(([k, v]) => `${k} ${n(v)}`).join(', ')}${r.calibration ? `\n  calibration error (ECE) ${n(r.calibration.eceBefore)} -> ${n(r.calibration.eceAfter)} after isotonic calibration` : ''}`;
}

const files = (xs: string[]) => xs.map((x) => path.resolve(x));

export function registerMonitorCommands(program: Command): void {
  const m = program.command('monitor').description('Watch deployed models: prediction logs, drift, performance, value, alerts');
  m.command('list').description('Monitored models with traffic, drift share, headline metric, value and alert state').option('--json', 'machine-readable output').action((o: JsonOpt) => run('monitor.list', {}, o, formatList));

  m.command('ingest <model-ref> <files...>')
    .description('Ingest prediction logs (NDJSON, .gz too) for a model; idempotent by request id; Ctrl-C stops between lines')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, fs: string[], o: JsonOpt) => {
      const task = `monitor-ingest-cli-${process.pid}`;
      const e = await getEngine();
      const onSigint = () => void dispatch(e, 'monitor.cancel', { task });
      process.once('SIGINT', onSigint);
      try {
        await run('monitor.ingest', { ref, files: files(fs), task }, o, formatIngest);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  m.command('labels <model-ref> <files...>').description('Join late ground truth: CSV request_id,label').option('--json', 'machine-readable output').action((ref: string, fs: string[], o: JsonOpt) => run('monitor.labels', { ref, files: files(fs) }, o, formatJoin('labels')));
  m.command('outcomes <model-ref> <files...>').description('Join business outcomes: CSV request_id,outcome,value (or request_id,<outcome> with a header)').option('--json', 'machine-readable output').action((ref: string, fs: string[], o: JsonOpt) => run('monitor.outcomes', { ref, files: files(fs) }, o, formatJoin('outcomes')));

  m.command('report <model-ref>')
    .description('Drift over a range and a self-contained HTML report (at most 2 MB)')
    .option('--from <time>', 'start (ISO 8601 or ms since 1970; default: 7 days before the last window)')
    .option('--to <time>', 'end (default: after the last window)')
    .option('--out <file>', 'the HTML file (default ./<model>-monitoring.html)')
    .option('--json', 'machine-readable output (drift report, timeline and the file)')
    .action(async (ref: string, o: JsonOpt & { from?: string; to?: string; out?: string }) => {
      const e = await getEngine();
      const range = { ref, from: o.from, to: o.to };
      const out = path.resolve(o.out ?? `${ref.split('@')[0]}-monitoring.html`);
      const file = (await dispatch(e, 'monitor.report', { ...range, out })) as ReportResult;
      const drift = (await dispatch(e, 'monitor.drift', range)) as DriftReport;
      const timeline = (await dispatch(e, 'monitor.timeline', range)) as MonitorTimeline;
      if (o.json) process.stdout.write(JSON.stringify({ report: file, drift, timeline }, null, 2) + '\n');
      else process.stdout.write(formatDrift(drift, timeline, file.file, file.bytes) + '\n');
    });

  m.command('dataset <model-ref> <name>')
    .description('Make a dataset version from logged rows and their labels (the next training\'s data), with lineage from the model that served them')
    .option('--from <time>', 'start (ISO 8601 or ms since 1970; default: 7 days before the last window)')
    .option('--to <time>', 'end (default: after the last window)')
    .option('--all', 'keep rows whose label has not arrived (their target left empty)')
    .option('--json', 'machine-readable output')
    .action((ref: string, name: string, o: JsonOpt & { from?: string; to?: string; all?: boolean }) =>
      run('monitor.toDataset', { ref, name, from: o.from, to: o.to, labelledOnly: o.all !== true }, o, (r: LogDatasetResult) =>
        [
          `${r.created ? 'made' : 'identical to'} ${r.dataset}@v${r.version.number}: ${r.rows} logged rows (${r.labelled} labelled${r.unlabelled ? `; ${r.unlabelled} without a label left out` : ''})`,
          `served by v${r.servedBy.join(', v')}, ${new Date(r.from).toISOString()} .. ${new Date(r.to).toISOString()}`,
        ].join('\n'),
      ),
    );
  m.command('alerts [model]').description('Alert rules, their state and recent changes').option('--limit <n>', 'history entries', '200').option('--json', 'machine-readable output').action((model: string | undefined, o: JsonOpt & { limit: string }) => run('monitor.alerts', { model, limit: Number(o.limit) }, o, formatAlerts));
  m.command('reference <model-ref>').description("A version's reference profile (built now if missing)").option('--rebuild', 'build it again').option('--json', 'machine-readable output').action((ref: string, o: JsonOpt & { rebuild?: boolean }) => run('monitor.reference', { ref, rebuild: o.rebuild === true }, o, formatReference));
}

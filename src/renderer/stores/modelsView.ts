/** Pure helpers of the Models and Deploy screens: refs, key metrics, alias moves, import summaries (unit-tested). */
import type { AliasMove, BundleImportResult, ExportRecord, ModelSummary, ModelVersion } from '../../shared/registry';
import type { MetricValue } from '../../shared/tracking';

export const versionRef = (v: Pick<ModelVersion, 'model' | 'number'>) => `${v.model}@${v.number}`;

/** Metrics people look at first, most telling first; anything else comes after, alphabetically. */
const KEY_METRIC_ORDER = [
  'test_acc',
  'test_accuracy',
  'val_acc',
  'val_accuracy',
  'accuracy',
  'acc',
  'f1',
  'macro_f1',
  'auc',
  'test_rmse',
  'val_rmse',
  'rmse',
  'test_mae',
  'mae',
  'r2',
  'test_loss',
  'val_loss',
  'loss',
];
/** Bookkeeping metrics that say nothing about quality. */
const NOT_KEY = /^(lr|samples_per_sec|best_epoch|epoch|step|batch\.|baseline\.)/;

/** Up to `max` metrics to show in a row of the versions timeline. */
export function keyMetrics(metrics: Record<string, MetricValue>, max = 3): [string, MetricValue][] {
  const keys = Object.keys(metrics).filter((k) => !NOT_KEY.test(k));
  const rank = (k: string) => {
    const i = KEY_METRIC_ORDER.indexOf(k);
    return i < 0 ? KEY_METRIC_ORDER.length : i;
  };
  keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.slice(0, max).map((k) => [k, metrics[k]]);
}

/** Every ref people may type for a model: `name@champion`, `name@latest`, `name@3` (newest first). */
export function refsOf(models: ModelSummary[]): string[] {
  const out: string[] = [];
  for (const m of [...models].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const alias of Object.keys(m.aliases).sort()) out.push(`${m.name}@${alias}`);
    if (m.latest !== null) {
      out.push(`${m.name}@latest`);
      for (let n = m.latest; n >= 1 && n > m.latest - 20; n--) out.push(`${m.name}@${n}`);
    }
  }
  return out;
}

/** Aliases grouped by version number (for chips on the timeline). */
export function aliasesByVersion(aliases: Record<string, number>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [alias, n] of Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b))) out.set(n, [...(out.get(n) ?? []), alias]);
  return out;
}

export interface MoveRow {
  key: string;
  alias: string;
  at: number;
  by: string;
  from: string;
  to: string;
  what: 'set' | 'moved' | 'removed' | 'unchanged';
  reason: string;
}

/** The alias history as table rows, newest first: `—` for nothing, `v3` for a version. */
export function moveRows(moves: AliasMove[]): MoveRow[] {
  const v = (n: number | null) => (n === null ? '—' : `v${n}`);
  return [...moves]
    .sort((a, b) => b.at - a.at)
    .map((m, i) => ({
      key: `${m.alias}-${m.at}-${i}`,
      alias: m.alias,
      at: m.at,
      by: m.by,
      from: v(m.from),
      to: m.to === null ? 'removed' : v(m.to),
      what: m.to === null ? 'removed' : m.from === null ? 'set' : m.from === m.to ? 'unchanged' : 'moved',
      reason: m.reason,
    }));
}

/** One line for a move: `champion: v1 → v2`, `champion set on v1`, `champion removed from v2`. */
export function describeMove(m: Pick<AliasMove, 'alias' | 'from' | 'to'>): string {
  if (m.to === null) return `${m.alias} removed${m.from === null ? '' : ` from v${m.from}`}`;
  if (m.from === null) return `${m.alias} set on v${m.to}`;
  if (m.from === m.to) return `${m.alias} stays on v${m.to}`;
  return `${m.alias}: v${m.from} → v${m.to}`;
}

const KIND_LABELS: Record<string, [string, string]> = {
  models: ['model', 'models'],
  versions: ['model version', 'model versions'],
  modelVersions: ['model version', 'model versions'],
  runs: ['run', 'runs'],
  experiments: ['experiment', 'experiments'],
  datasets: ['dataset', 'datasets'],
  datasetVersions: ['dataset version', 'dataset versions'],
  aliases: ['alias', 'aliases'],
  aliasMoves: ['alias move', 'alias moves'],
  evaluations: ['evaluation', 'evaluations'],
  blobs: ['object', 'objects'],
  files: ['file', 'files'],
  exports: ['export', 'exports'],
  lineage: ['lineage link', 'lineage links'],
  objects: ['object', 'objects'],
};

/** `3 runs`, `1 model version`; unknown kinds are spelled as they come. */
export function countLabel(kind: string, n: number): string {
  const l = KIND_LABELS[kind];
  const word = l ? l[n === 1 ? 0 : 1] : kind;
  return `${n.toLocaleString('en-US')} ${word}`;
}

export interface ImportSummary {
  /** Nothing added, nothing renumbered, no conflicts. */
  nothing: boolean;
  added: string[];
  unchanged: string[];
}

export function importSummary(r: BundleImportResult): ImportSummary {
  const list = (rec: Record<string, number>) =>
    Object.entries(rec)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => countLabel(k, n));
  const added = list(r.added);
  return { nothing: added.length === 0 && r.conflicts.length === 0 && r.renumbered.length === 0 && r.objects.new === 0, added, unchanged: list(r.unchanged) };
}

/** Format-specific facts of an export worth showing prominently. */
export interface ExportFacts {
  onnx?: { rows: number; maxAbsDiff: number; tolerance: number; source: string; ok: boolean };
  run?: string;
  smokeTest?: string;
  docker?: string;
  load?: string;
}

export function exportFacts(r: Pick<ExportRecord, 'format' | 'report'>): ExportFacts {
  const rep = r.report ?? {};
  const str = (k: string) => (typeof rep[k] === 'string' ? (rep[k] as string) : undefined);
  const out: ExportFacts = { run: str('run'), smokeTest: str('smokeTest'), docker: str('docker'), load: str('load') };
  const check = rep.check as { rows?: unknown; maxAbsDiff?: unknown; tolerance?: unknown; source?: unknown } | undefined;
  if (check && typeof check === 'object' && typeof check.maxAbsDiff === 'number') {
    const tolerance = typeof check.tolerance === 'number' ? check.tolerance : 1e-4;
    out.onnx = {
      rows: typeof check.rows === 'number' ? check.rows : 0,
      maxAbsDiff: check.maxAbsDiff,
      tolerance,
      source: typeof check.source === 'string' ? check.source : '',
      ok: check.maxAbsDiff <= tolerance,
    };
  }
  return out;
}

/** Second minus first of two metric values, when both are finite numbers (the compare table's Δ). */
export function metricDelta(values: readonly (MetricValue | null)[]): number | null {
  if (values.length !== 2) return null;
  const [a, b] = values;
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  const d = b - a;
  return Math.abs(d) < 1e-12 ? 0 : d;
}

/** A small difference for people: `3.0e-7`. */
export function formatDiff(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  return x.toExponential(1);
}

/** A time to the minute (`2026-11-27 09:06`); tables put the full time in a title. */
export function shortTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A short name for a file people download: `penguin-clf-v3-card.md`. */
export function downloadName(v: Pick<ModelVersion, 'model' | 'number'>, what: string): string {
  return `${v.model}-v${v.number}-${what}`.replace(/[^\w.-]+/g, '_');
}

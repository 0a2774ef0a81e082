/**
 * The runs table as data: columns, cell values, sort and filter strings in the query language,
 * grouping with aggregates, CSV, and autocomplete. Pure functions (unit-tested).
 */
import { decodeMetricValue, type MetricValue, type Run } from '../../shared/tracking';
import { parseRunQuery, RUN_ATTRIBUTES } from '../../shared/runQuery';
import { LatheError, toLatheError } from '../../shared/errors';
import { formatDuration, formatMetric, formatTime } from '../format';

export type MetricAgg = 'last' | 'min' | 'max';
export type RunColumn =
  | { kind: 'attr'; key: 'name' | 'status' | 'start_time' | 'duration' | 'experiment' | 'source' }
  | { kind: 'param'; key: string }
  | { kind: 'metric'; key: string; agg: MetricAgg }
  | { kind: 'tag'; key: string };

export interface SortSpec {
  column: RunColumn;
  dir: 'asc' | 'desc';
}

export const columnId = (c: RunColumn): string => (c.kind === 'metric' ? `metric:${c.key}:${c.agg}` : `${c.kind}:${c.key}`);

export function columnFromId(id: string): RunColumn | null {
  const colon = id.indexOf(':');
  if (colon < 0) return null;
  const kind = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (kind === 'metric') {
    const last = rest.lastIndexOf(':');
    const agg = rest.slice(last + 1);
    if (last < 0 || (agg !== 'last' && agg !== 'min' && agg !== 'max')) return null;
    return { kind: 'metric', key: rest.slice(0, last), agg };
  }
  if (kind === 'param' || kind === 'tag') return { kind, key: rest };
  if (kind === 'attr' && ['name', 'status', 'start_time', 'duration', 'experiment', 'source'].includes(rest)) return { kind: 'attr', key: rest as 'name' };
  return null;
}

export function columnLabel(c: RunColumn): string {
  switch (c.kind) {
    case 'attr':
      return { name: 'Name', status: 'Status', start_time: 'Started', duration: 'Duration', experiment: 'Experiment', source: 'Source' }[c.key];
    case 'metric':
      return c.agg === 'last' ? c.key : `${c.key} (${c.agg})`;
    default:
      return c.key;
  }
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_\-/:.]*$/;

/** A key as the query language reads it: bare when it can be, else double-quoted. */
export function quoteKey(key: string): string {
  return PLAIN_KEY.test(key) && !key.endsWith('.') ? key : `"${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function quoteValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The field of a column in the query language (`max(metrics.acc)`, `params.lr`, `start_time`). */
export function columnField(c: RunColumn): string {
  switch (c.kind) {
    case 'attr':
      return c.key;
    case 'param':
      return `params.${quoteKey(c.key)}`;
    case 'tag':
      return `tags.${quoteKey(c.key)}`;
    case 'metric':
      return c.agg === 'last' ? `metrics.${quoteKey(c.key)}` : `${c.agg}(metrics.${quoteKey(c.key)})`;
  }
}

export function orderByString(sort: SortSpec | null): string {
  return sort ? `${columnField(sort.column)} ${sort.dir}` : 'start_time desc';
}

/** The raw value of a column for a run: numbers for metrics and times, strings otherwise. */
export function cellValue(run: Run, c: RunColumn): string | number | null {
  switch (c.kind) {
    case 'attr':
      if (c.key === 'start_time') return run.startTime;
      if (c.key === 'duration') return run.duration;
      if (c.key === 'experiment') return run.experimentName;
      return run[c.key];
    case 'param':
      return run.params[c.key] ?? null;
    case 'tag':
      return run.tags[c.key] ?? null;
    case 'metric': {
      const m = run.metrics[c.key];
      if (!m) return null;
      const v: MetricValue | null = m[c.agg];
      return v === null ? null : (decodeMetricValue(v) ?? null);
    }
  }
}

// One number format everywhere (src/renderer/format.ts); re-exported for the table's callers.
export { formatDuration, formatMetric, formatTime };

/** The text shown in a table cell. */
export function cellText(run: Run, c: RunColumn): string {
  const v = cellValue(run, c);
  if (c.kind === 'attr' && c.key === 'start_time') return formatTime(v as number);
  if (c.kind === 'attr' && c.key === 'duration') return formatDuration(v as number);
  if (c.kind === 'metric') return formatMetric(v);
  return v === null ? '' : String(v);
}

// ---- CSV ------------------------------------------------------------------------------------

function csvField(s: string): string {
  // A leading = + - @ would be a formula in a spreadsheet: prefix a quote (OWASP's advice).
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The table as CSV: id, experiment, name, status, start (ISO), duration (s), then the columns. */
export function runsToCsv(runs: Run[], columns: RunColumn[]): string {
  const extra = columns.filter((c) => c.kind !== 'attr');
  const head = ['id', 'experiment', 'name', 'status', 'source', 'start_time', 'duration_s', ...extra.map((c) => (c.kind === 'metric' ? `metrics.${c.key}${c.agg === 'last' ? '' : `.${c.agg}`}` : `${c.kind}s.${c.key}`))];
  const lines = [head.map(csvField).join(',')];
  for (const r of runs) {
    const vals = [r.id, r.experimentName, r.name, r.status, r.source, new Date(r.startTime).toISOString(), String(r.duration / 1000)];
    for (const c of extra) {
      const v = cellValue(r, c);
      vals.push(v === null ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v);
    }
    lines.push(vals.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

// ---- Grouping -------------------------------------------------------------------------------

export interface RunGroup {
  value: string | null;
  count: number;
  /** Over runs with a finite value of the metric. */
  n: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  runIds: string[];
}

/** Runs grouped by a param's value, with count and mean/min/max of one metric (finite values only). */
export function groupRuns(runs: Run[], param: string, metric: RunColumn | null): RunGroup[] {
  const groups = new Map<string | null, RunGroup>();
  for (const r of runs) {
    const value = r.params[param] ?? null;
    let g = groups.get(value);
    if (!g) groups.set(value, (g = { value, count: 0, n: 0, mean: null, min: null, max: null, runIds: [] }));
    g.count++;
    g.runIds.push(r.id);
    const v = metric ? cellValue(r, metric) : null;
    if (typeof v === 'number' && Number.isFinite(v)) {
      g.mean = ((g.mean ?? 0) * g.n + v) / (g.n + 1);
      g.n++;
      g.min = g.min === null ? v : Math.min(g.min, v);
      g.max = g.max === null ? v : Math.max(g.max, v);
    }
  }
  const out = [...groups.values()];
  const num = (s: string | null) => (s !== null && s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : null);
  out.sort((a, b) => {
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    const x = num(a.value);
    const y = num(b.value);
    if (x !== null && y !== null) return x - y;
    return a.value.localeCompare(b.value);
  });
  return out;
}

// ---- The filter box ---------------------------------------------------------------------------

export interface QueryProblem {
  message: string;
  /** 1-based column, when the parser named one. */
  column: number | null;
}

/** Parse a filter as you type: null when it is fine (or empty), else the parser's message and column. */
export function checkQuery(text: string): QueryProblem | null {
  if (!text.trim()) return null;
  try {
    parseRunQuery(text);
    return null;
  } catch (e) {
    const err: LatheError = toLatheError(e);
    const m = /column (\d+)/.exec(err.where ?? '') ?? /column (\d+)/.exec(err.message);
    return { message: err.message.replace(/^Query error at column \d+: /, ''), column: m ? Number(m[1]) : null };
  }
}

export interface Suggestion {
  /** What replaces the word being typed. */
  insert: string;
  label: string;
  detail: string;
}

export interface Completion {
  /** [from, to) of the text the suggestion replaces. */
  from: number;
  to: number;
  items: Suggestion[];
}

const OPS = ['=', '!=', '<', '<=', '>', '>=', 'like', 'in', 'not'];
const WORDS = ['and', 'or', 'not', 'order by'];
export const STATUS_VALUES = ['running', 'finished', 'failed', 'killed'];
export const SOURCE_VALUES = ['built-in', 'script', 'api'];

/**
 * Suggestions at the caret: fields (metrics.<key>, params.<key>, tags.<key>, attributes) while a
 * field is being typed, and values after `<field> <op>` (status and source values, or param and tag
 * values seen in loaded runs).
 */
export function complete(
  text: string,
  caret: number,
  keys: { metrics: string[]; params: string[]; tags: string[] },
  valuesFor: (kind: 'param' | 'tag', key: string) => string[] = () => [],
  limit = 12,
): Completion | null {
  const before = text.slice(0, caret);
  // The word being typed (fields may contain . - / :) or an open string.
  const m = /("[^"]*|[A-Za-z_][A-Za-z0-9_\-/:.]*)$/.exec(before);
  const word = m ? m[1] : '';
  const from = caret - word.length;
  // What precedes the word: `<field> <op>` means a value is expected.
  const prev = before.slice(0, from);
  const valueCtx = /([A-Za-z_][A-Za-z0-9_\-/:.]*|"[^"]*")\s*(=|!=|<>|like|in\s*\(|,)\s*$/i.exec(prev);
  const items: Suggestion[] = [];
  if (valueCtx && !/^(and|or|not)$/i.test(valueCtx[1])) {
    const field = valueCtx[1];
    const typed = word.replace(/^"/, '').toLowerCase();
    let values: string[] = [];
    const lower = field.toLowerCase();
    if (lower === 'status') values = STATUS_VALUES;
    else if (lower === 'source') values = SOURCE_VALUES;
    else if (lower.startsWith('params.')) values = valuesFor('param', field.slice(7).replace(/^"|"$/g, ''));
    else if (lower.startsWith('tags.')) values = valuesFor('tag', field.slice(5).replace(/^"|"$/g, ''));
    for (const v of values) {
      if (v.toLowerCase().startsWith(typed)) items.push({ insert: quoteValue(v), label: v, detail: 'value' });
      if (items.length >= limit) break;
    }
    return items.length ? { from, to: caret, items } : null;
  }
  if (word.startsWith('"')) return null;
  const w = word.toLowerCase();
  if (w === '' && /[A-Za-z0-9_)"]\s+$/.test(prev)) {
    // After a complete field: operators; after a value: and / or.
    const lastTok = /([A-Za-z_][A-Za-z0-9_\-/:.]*|"[^"]*"|\d[\d.eE+-]*|\))\s+$/.exec(prev)?.[1] ?? '';
    const isField = /^(metrics|params|tags|dataset)\./i.test(lastTok) || (RUN_ATTRIBUTES as readonly string[]).includes(lastTok.toLowerCase());
    for (const o of isField ? OPS : WORDS) items.push({ insert: o, label: o, detail: isField ? 'comparison' : 'keyword' });
    return { from: caret, to: caret, items: items.slice(0, limit) };
  }
  if (!word) return null;
  const add = (prefix: string, list: string[], detail: string) => {
    for (const k of list) {
      const full = `${prefix}.${quoteKey(k)}`;
      if (full.toLowerCase().startsWith(w) || (w.includes('.') === false && k.toLowerCase().startsWith(w))) items.push({ insert: full, label: full, detail });
      if (items.length >= limit) return;
    }
  };
  if (w.startsWith('metrics.') || 'metrics.'.startsWith(w)) add('metrics', keys.metrics, 'metric');
  if (w.startsWith('params.') || 'params.'.startsWith(w)) add('params', keys.params, 'param');
  if (w.startsWith('tags.') || 'tags.'.startsWith(w)) add('tags', keys.tags, 'tag');
  if (!w.includes('.')) {
    add('metrics', keys.metrics, 'metric');
    add('params', keys.params, 'param');
    for (const a of [...RUN_ATTRIBUTES, 'dataset.name']) if (a.startsWith(w)) items.push({ insert: a, label: a, detail: 'attribute' });
    for (const k of ['and', 'or', 'not', 'order by']) if (k.startsWith(w) && k !== w) items.push({ insert: k, label: k, detail: 'keyword' });
  }
  const seen = new Set<string>();
  const uniq = items.filter((i) => (seen.has(i.insert) ? false : (seen.add(i.insert), true)) && i.insert.toLowerCase() !== w);
  return uniq.length ? { from, to: caret, items: uniq.slice(0, limit) } : null;
}

export function applyCompletion(text: string, c: Completion, s: Suggestion): { text: string; caret: number } {
  const next = text.slice(0, c.from) + s.insert + ' ' + text.slice(c.to).replace(/^\s+/, '');
  return { text: next, caret: c.from + s.insert.length + 1 };
}

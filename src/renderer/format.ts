/**
 * Formatting for people: numbers, metrics, money, durations, bytes, dates, ids. Pure functions
 * (test/renderer/format.test.ts). Every screen formats through here, so one value reads the same
 * everywhere: counts grouped (12,345), years and ids plain (2007), metrics in tables with 5 significant
 * digits and in headlines with 3 (rates as percentages), money grouped with 0-2 decimals, durations as
 * `812ms`, `4.2s`, `3m 05s`, `2h 05m`, `3d 4h`.
 */
import { formatInt, formatNumber, intFmt, isIdLike } from '../shared/numberFormat';
import { decodeMetricValue } from '../shared/tracking';
import { isRateMetric } from './metrics';

export { formatInt, formatNumber, isIdLike };

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%';
  const p = (100 * part) / whole;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

/** `2024-05-01 14:03` in local time; the full ISO string goes in a title attribute. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** A cell for display: the text and how to style it. Values are never interpreted as markup. */
export function formatCell(v: unknown): { text: string; kind: 'null' | 'number' | 'bool' | 'text' } {
  if (v === null || v === undefined) return { text: 'null', kind: 'null' };
  if (typeof v === 'number') return { text: Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10))), kind: 'number' };
  if (typeof v === 'boolean') return { text: String(v), kind: 'bool' };
  return { text: String(v), kind: 'text' };
}

/** `Infinity`, `-Infinity`, `NaN` or a number from a metric value (numbers or their encoded strings). */
function metricNumber(v: number | string): number | undefined {
  return typeof v === 'number' ? v : decodeMetricValue(v);
}

function special(n: number): string | null {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  return null;
}

/** A metric value in a table cell: NaN and infinities spelled out, others with 5 significant digits. */
export function formatMetric(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '—';
  const n = metricNumber(v);
  if (n === undefined) return String(v);
  const sp = special(n);
  if (sp) return sp;
  if (Number.isInteger(n) && Math.abs(n) < 1e12) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return n.toExponential(3);
  return String(Number(n.toPrecision(5)));
}

/**
 * A metric as a headline (a card, a big number): 3 significant digits, a rate (accuracy, precision,
 * recall, F1: see isRateMetric) as a percentage with one decimal, large values grouped.
 */
export function formatHeadline(v: number | string | null | undefined, key?: string): string {
  if (v === null || v === undefined) return '—';
  const n = metricNumber(v);
  if (n === undefined) return String(v);
  const sp = special(n);
  if (sp) return sp;
  if (key && isRateMetric(key) && n >= 0 && n <= 1) return `${(100 * n).toFixed(1)}%`;
  return sig3(n);
}

/** Three significant digits; integers and values of 1,000 or more grouped without decimals. */
function sig3(n: number): string {
  const a = Math.abs(n);
  if (a === 0) return '0';
  if (a >= 1e12 || a < 1e-4) return n.toExponential(2);
  if (a >= 1000 || Number.isInteger(n)) return intFmt.format(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

/**
 * A signed difference for a compare table (`+0.0123`, `−4.1`, `+2.3 pp` for a rate): 3 significant
 * digits of the difference itself, since the size of a change is what is read.
 */
export function formatDelta(d: number | null | undefined, key?: string): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '—';
  if (d === 0) return '0';
  const sign = d > 0 ? '+' : '−';
  if (key && isRateMetric(key) && Math.abs(d) <= 1) return `${sign}${sig3(Math.abs(100 * d))} pp`;
  return `${sign}${sig3(Math.abs(d))}`;
}

/** Money (a cost, a value per 1000 cases): grouped, 2 decimals under 100, none above; never exponent. */
export function formatMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const digits = Math.abs(v) >= 100 ? 0 : 2;
  const text = Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: digits === 2 && !Number.isInteger(v) ? 2 : 0, maximumFractionDigits: digits });
  return v < 0 ? `−${text}` : text;
}

/** A share in [0, 1] as a percentage: `12.5%`, `0.42%` under 1%, `<0.01%` for tiny non-zero shares. */
export function formatShare(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const p = 100 * x;
  if (p > 0 && p < 0.01) return '<0.01%';
  return `${p.toFixed(p !== 0 && Math.abs(p) < 1 ? 2 : 1)}%`;
}

/** `812ms`, `4.2s`, `3m 05s`, `2h 05m`, `3d 4h`: one way for every duration. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Time left: a duration to the second (an estimate has no tenths). */
export function formatEta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  return formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000)).replace(/\.0s$/, 's');
}

/** `2024-05-01 14:03:07` in local time. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A count with its word: `1 run`, `12,000 rows`. */
export function formatCount(n: number, one: string, many = `${one}s`): string {
  return `${intFmt.format(n)} ${n === 1 ? one : many}`;
}

/** A readout with a fixed number of decimals (a slider's value), so its width does not jump as it moves. */
export function formatFixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

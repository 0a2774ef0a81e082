/** Formatting for people: numbers, bytes, dates, ids. Pure functions (unit-tested). */

const intFmt = new Intl.NumberFormat('en-US');

export function formatInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return intFmt.format(Math.round(n));
}

/** A number for a table or card: integers with separators, others with up to 4 significant digits. */
export function formatNumber(n: number | string | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (typeof n === 'string') return n;
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return intFmt.format(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-3)) return n.toExponential(3);
  return Number(n.toPrecision(abs >= 1000 ? 7 : 4)).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

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

/**
 * The one number format (issue: "one number format everywhere"): the screens (renderer/format.ts
 * re-exports these), the HTML monitoring report and the CLI's monitoring text all print through here.
 * Counts grouped (12,345), years and ids plain (2007), other numbers with up to 4 significant digits.
 */
let enUS: Intl.NumberFormat | undefined;
/** en-US grouping, the NumberFormat made on first use: making one loads ICU's locale data (~15 ms of
 * CPU), and the CLI loads this module at every start (`lathe runs list` never formats with it). */
export const intFmt = { format: (n: number | bigint): string => (enUS ??= new Intl.NumberFormat('en-US')).format(n) };

export function formatInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return intFmt.format(Math.round(n));
}

/**
 * Whether a column's numbers are labels rather than quantities (a year, an id, a code): shown without
 * group separators, `2007` not `2,007`.
 */
export function isIdLike(name: string | null | undefined): boolean {
  if (!name) return false;
  return /(^|[_\s.-])(id|ids|year|yr|code|zip|zipcode|postcode|key|index|idx|number|no)$/i.test(name) || /Id$|Year$/.test(name);
}

/**
 * A number for a table or card: integers with separators, others with up to 4 significant digits.
 * `plain` (see isIdLike) drops the separators of an integer: a year or an id is a label, not an amount.
 */
export function formatNumber(n: number | string | null | undefined, opts: { plain?: boolean } = {}): string {
  if (n === null || n === undefined) return '—';
  if (typeof n === 'string') return n;
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return opts.plain && Math.abs(n) < 1e15 ? String(n) : intFmt.format(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-3)) return n.toExponential(3);
  return Number(n.toPrecision(abs >= 1000 ? 7 : 4)).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

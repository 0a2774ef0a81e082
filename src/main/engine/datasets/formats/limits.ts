import { LatheError } from '../../../../shared/errors';

/**
 * Most columns a table may have. Each column costs a profiler (about 25 KiB before it sees a value,
 * measured: histogram, HyperLogLog, distinct counter) plus a share of every row's work, and its
 * profile is kept and shown; 4096 columns is about 100 MiB of profilers at the start of an import.
 * It is also the most any mainstream SQL database holds in one table (MySQL 4096; PostgreSQL 1600,
 * SQLite 2000 by default), so a table exported from one always fits. Wider data (one column per
 * pixel, per gene, per word) belongs in an image folder or a long format (id, feature, value).
 */
export const MAX_COLUMNS = 4096;

/**
 * Deepest nesting of arrays and objects accepted in a JSON value (a JSON Lines row). Real records
 * nest a handful of levels; a nested value becomes one cell holding its JSON text, and
 * JSON.stringify overflows Node's stack at a few thousand levels.
 */
export const MAX_JSON_DEPTH = 64;

/** `what` says what was counted, e.g. "line 3 has more than 4096 fields". */
export function tooManyColumns(file: string, where: string, what: string): LatheError {
  return new LatheError('BAD_FILE', `${file}: ${what}; Lathe imports at most ${MAX_COLUMNS} columns`, {
    where,
    hint: `Keep at most ${MAX_COLUMNS} columns (drop unused ones, or reshape wide data into rows of id, feature, value); if the file is not really a table, check its delimiter.`,
  });
}

/** How deep `value` nests arrays and objects (a plain value is 0), stopping once past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (d > limit) return d;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, d]);
    }
  }
  return deepest;
}

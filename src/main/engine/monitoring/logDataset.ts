import fs from 'node:fs';
import path from 'node:path';
import { newId } from '../ids';
import type { Duck } from './duck';
import { sqlName, sqlString } from './duck';
import { cellText, type RawColumn } from './rawColumns';

/**
 * Logged rows as the next training's data: the raw records of a range (sealed Parquet parts and
 * NDJSON not sealed yet, as one table: `rawParts.ts`) joined with the labels that arrived, written as
 * one CSV whose columns are the model's inputs and its target. DuckDB runs the whole query and writes
 * the CSV (measured: docs/MONITORING.md "Raw rows"). Rows are ordered by time, then request id, so
 * the same rows make the same bytes whichever form they are stored in; the caller imports the file
 * as a dataset version (versioned, profiled, content-addressed) and records lineage from the model
 * versions that served the rows.
 */

export interface LogRowsInput {
  /** The range's rows as SQL (`rangeSql`). */
  rows: string;
  /** request id -> label, for the requests of the range that have one. */
  labels: Map<string, string>;
  /** The model's input columns, in signature order, and its target column. */
  columns: readonly RawColumn[];
  target: string;
  /** Keep only rows with a label (the default: training needs the target). */
  labelledOnly: boolean;
  out: string;
  /** A folder for the labels' hand-over file. */
  tmpDir: string;
}

export interface LogRowsOutput {
  rows: number;
  labelled: number;
  /** Rows left out because they had no label (when `labelledOnly`). */
  unlabelled: number;
  /** Versions that served the rows written. */
  versions: Set<number>;
}

/** RFC 4180 field: quoted when it holds a delimiter, quote or line end. */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The labels reach DuckDB as a CSV of their own (one write, one read: faster than appending rows one call at a time). */
function writeLabels(labels: Map<string, string>, file: string): void {
  const lines = ['id,label'];
  for (const [id, label] of labels) lines.push(`${field(id)},${field(label)}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export async function writeLogRows(duck: Duck, i: LogRowsInput): Promise<LogRowsOutput> {
  const labelFile = path.join(i.tmpDir, `labels-${newId()}.csv`);
  writeLabels(i.labels, labelFile);
  try {
    return await duck.use(async (con) => {
      await con.run(`CREATE TEMP VIEW logged AS ${i.rows}`);
      await con.run(
        `CREATE TEMP TABLE labels AS SELECT * FROM read_csv(${sqlString(labelFile)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {id: 'VARCHAR', label: 'VARCHAR'})`,
      );
      const have = new Map<string, string>();
      for (const [name, type] of (await con.runAndReadAll('DESCRIBE logged')).getRows()) have.set(String(name), String(type));
      const join = `FROM logged r ${i.labelledOnly ? 'JOIN' : 'LEFT JOIN'} labels l ON r.requestId = l.id`;
      const [total, labelled, versions] = (await con.runAndReadAll(`SELECT (SELECT count(*) FROM logged), count(l.label), list(DISTINCT r.version) ${join}`)).getRows()[0];
      const cells = i.columns.map((c) => `${cellText(c.name, have)} AS ${sqlName(c.name)}`);
      await con.run(`COPY (SELECT ${[...cells, `l.label AS ${sqlName(i.target)}`].join(', ')} ${join} ORDER BY r.time_ms, r.requestId) TO ${sqlString(i.out)} (FORMAT csv, HEADER true)`);
      const n = Number(total);
      const withLabel = Number(labelled);
      return {
        rows: i.labelledOnly ? withLabel : n,
        labelled: withLabel,
        unlabelled: i.labelledOnly ? n - withLabel : 0,
        versions: new Set((versions as { items: unknown[] } | null)?.items.map(Number) ?? []),
      };
    });
  } finally {
    fs.rmSync(labelFile, { force: true });
  }
}

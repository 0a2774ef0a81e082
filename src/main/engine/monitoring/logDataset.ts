import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';
import type { LabelPage } from '../db/monitoringRepo';
import { newId } from '../ids';
import type { Duck } from '../db/duck';
import { logRowsSql } from '../db/rawRowsSql';

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
  /** The range's rows as SQL (`rangeRows`), and how many rows the range records. */
  rows: string;
  total: number;
  /** The request pages of the range that hold labels, as stored. */
  labels: readonly LabelPage[];
  /** The versions that served the range's rows (all of them are written when `labelledOnly` is false). */
  versions: readonly number[];
  /** The model's input columns, in signature order, and its target column. */
  columns: readonly string[];
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

/**
 * The labels reach DuckDB as the request pages store them, one NDJSON line a page, its JSON arrays
 * copied as stored (no label is parsed or formatted in JavaScript).
 */
function writeLabels(pages: readonly LabelPage[], file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (let k = 0; k < pages.length; k += 256) {
      const lines = pages.slice(k, k + 256).map((p) => `{"v":${p.version},"ids":${p.ids_json},"labels":${p.labels_json}}\n`);
      fs.writeSync(fd, lines.join(''));
    }
  } finally {
    fs.closeSync(fd);
  }
}

export async function writeLogRows(duck: Duck, i: LogRowsInput): Promise<LogRowsOutput> {
  const labelFile = path.join(i.tmpDir, `labels-${newId()}.ndjson`);
  writeLabels(i.labels, labelFile);
  try {
    return await duck.use(async (con) => {
      await con.run(logRowsSql.logged(i.rows));
      await con.run(logRowsSql.labels(labelFile));
      const [labelled, labelledBy] = (await con.runAndReadAll(logRowsSql.labelStats)).getRows()[0];
      const have = new Map<string, string>();
      for (const [name, type] of (await con.runAndReadAll(logRowsSql.columnsOfLogged)).getRows()) have.set(String(name), String(type));
      const copied = await con.run(logRowsSql.copy(i.columns, have, i.target, i.labelledOnly, i.out));
      const rows = Number(copied.rowsChanged);
      const withLabel = Number(labelled);
      // Every labelled request has its raw row (both are committed by the same ingest transaction).
      const expected = i.labelledOnly ? withLabel : i.total;
      if (rows !== expected) throw new LatheError('INTERNAL', `Logged rows: ${rows} rows written where the range records ${expected}`, { hint: 'Run it again; if it repeats, the raw rows and the request index of this model disagree: please report it.' });
      const servedLabelled = ((labelledBy as { items: unknown[] } | null)?.items ?? []).map(Number);
      return {
        rows,
        labelled: withLabel,
        unlabelled: i.labelledOnly ? i.total - withLabel : 0,
        versions: new Set(i.labelledOnly ? servedLabelled : i.versions),
      };
    });
  } finally {
    fs.rmSync(labelFile, { force: true });
  }
}

import { sqlList, sqlName, sqlString } from './duck';

/**
 * The columnar form of a logged record, as SQL over DuckDB: the one definition both the sealing of a
 * window's NDJSON into Parquet and every read of NDJSON not sealed yet go through, so a row reads the
 * same whichever form it is in.
 *
 * Columns of a row:
 * - `requestId`, `model`, `version`, `alias`, `latencyMs`, `output` (JSON) as logged;
 * - `time_ms` (the time in ms since 1970, an ISO string converted) and `time_text` (the string, when it was one);
 * - for every input column the model's versions declare, `f:<name>` holding the value when it has
 *   the column's type (DOUBLE for numeric columns, VARCHAR for the others) and `j:<name>` holding it
 *   as JSON when it did not (a type mismatch kept as received; NULL on almost every row, so it
 *   costs next to nothing in Parquet);
 * - `extra`: the fields no version declares (MAP of JSON), NULL when there are none.
 * Nothing a record held is dropped: a JSON null and a missing field both read as NULL.
 */

export interface RawColumn {
  name: string;
  numeric: boolean;
}

/** Prefixes keep input columns apart from the record's own fields whatever a feature is called. */
export const typedName = (c: string): string => `f:${c}`;
export const jsonName = (c: string): string => `j:${c}`;

const NUMBER_TYPES = `('DOUBLE', 'BIGINT', 'UBIGINT')`;

/** NDJSON files of logged records, read with the fields the columnar form needs. */
export function ndjsonSource(files: readonly string[], opts: { filename?: boolean } = {}): string {
  return `read_json(${sqlList(files)}, format = 'newline_delimited', columns = {requestId: 'VARCHAR', "time": 'JSON', model: 'VARCHAR', version: 'INTEGER', alias: 'VARCHAR', latencyMs: 'DOUBLE', features: 'MAP(VARCHAR, JSON)', output: 'JSON'}${opts.filename ? ', filename = true' : ''})`;
}

/** The SELECT list turning an `ndjsonSource` row into its columnar row. */
export function columnarSelect(columns: readonly RawColumn[]): string {
  const declared = sqlList(columns.map((c) => c.name));
  const parts = [
    'requestId',
    // ISO times as the ingest accepts them; DuckDB's cast needs the seconds ("10:00Z" -> "10:00:00Z").
    `CASE WHEN json_type("time") = 'VARCHAR' THEN CAST(epoch_ms(TRY_CAST(regexp_replace("time"->>'$', '^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2})([Z+-])', '\\1:00\\2') AS TIMESTAMPTZ)) AS DOUBLE) ELSE CAST("time" AS DOUBLE) END AS time_ms`,
    `CASE WHEN json_type("time") = 'VARCHAR' THEN "time"->>'$' END AS time_text`,
    'model',
    'version',
    'alias',
    'latencyMs',
    'output',
  ];
  for (const c of columns) {
    const v = `features[${sqlString(c.name)}]`;
    if (c.numeric) {
      parts.push(`CASE WHEN json_type(${v}) IN ${NUMBER_TYPES} THEN CAST(${v} AS DOUBLE) END AS ${sqlName(typedName(c.name))}`);
      parts.push(`CASE WHEN json_type(${v}) NOT IN ${NUMBER_TYPES} AND json_type(${v}) <> 'NULL' THEN ${v} END AS ${sqlName(jsonName(c.name))}`);
    } else {
      parts.push(`CASE WHEN json_type(${v}) = 'VARCHAR' THEN ${v}->>'$' END AS ${sqlName(typedName(c.name))}`);
      parts.push(`CASE WHEN json_type(${v}) NOT IN ('VARCHAR', 'NULL') THEN ${v} END AS ${sqlName(jsonName(c.name))}`);
    }
  }
  parts.push(`CASE WHEN len(list_filter(map_keys(features), k -> NOT list_contains(${declared}, k))) > 0 THEN map_from_entries(list_filter(map_entries(features), e -> NOT list_contains(${declared}, e.key))) END AS extra`);
  return parts.join(',\n  ');
}

/** A JSON value as CSV text: a string as itself, anything else as its JSON. */
const jsonText = (j: string): string => `CASE WHEN json_type(${j}) = 'VARCHAR' THEN ${j}->>'$' ELSE CAST(${j} AS VARCHAR) END`;

/**
 * One input column of columnar rows as text for a CSV cell: the typed value (a whole number without
 * ".0"), else the mismatched value as received, else the field as an undeclared one (a part sealed
 * before a version declared it); NULL (an empty cell) when the record had none.
 * `have` names the columns the rows being read actually have (parts sealed earlier may lack some).
 */
export function cellText(c: string, have: Map<string, string>): string {
  const options: string[] = [];
  const typed = typedName(c);
  const t = have.get(typed);
  if (t === 'DOUBLE') {
    const x = sqlName(typed);
    options.push(`CASE WHEN ${x} = trunc(${x}) AND abs(${x}) < 1e15 THEN CAST(CAST(${x} AS BIGINT) AS VARCHAR) ELSE CAST(${x} AS VARCHAR) END`);
  } else if (t !== undefined) options.push(`CAST(${sqlName(typed)} AS VARCHAR)`);
  if (have.has(jsonName(c))) options.push(jsonText(sqlName(jsonName(c))));
  if (have.has('extra')) options.push(jsonText(`extra[${sqlString(c)}]`));
  return options.length === 0 ? 'NULL' : options.length === 1 ? options[0] : `coalesce(${options.join(', ')})`;
}

// Statements -------------------------------------------------------------------------------------

/**
 * Seals NDJSON files into Parquet under `staging`, partition k (1-based, `src=k/`) holding the rows
 * of sources[k - 1]; the partition column is not written into the files.
 */
export function sealCopy(sources: readonly string[], columns: readonly RawColumn[], staging: string): string {
  return `COPY (SELECT ${columnarSelect(columns)}, list_position(${sqlList(sources)}, filename) AS src FROM ${ndjsonSource(sources, { filename: true })}) TO ${sqlString(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (src))`;
}

/** Rows per file a `sealCopy` wrote (from the Parquet footers): filename, src, rows. */
export function stagedRows(staging: string, sep: string): string {
  return `SELECT filename, src, count(*) FROM read_parquet(${sqlString(`${staging}${sep}*${sep}*.parquet`)}, hive_partitioning = true, filename = true) GROUP BY ALL`;
}

/** A range's rows as one table of columnar rows: its parts and its NDJSON files; null when there are none. */
export function rangeRows(parts: readonly string[], ndjson: readonly string[], columns: readonly RawColumn[]): string | null {
  const sources: string[] = [];
  if (parts.length) sources.push(`SELECT * FROM read_parquet(${sqlList(parts)}, union_by_name = true)`);
  if (ndjson.length) sources.push(`SELECT ${columnarSelect(columns)} FROM ${ndjsonSource(ndjson)}`);
  return sources.length ? sources.join('\nUNION ALL BY NAME\n') : null;
}

/** The statements of the join a dataset is made from, on one connection, in order. */
export const logRowsSql = {
  logged: (rows: string) => `CREATE TEMP VIEW logged AS ${rows}`,
  /** Labels from request pages written one NDJSON line each: `{"v": version, "ids": [...], "labels": [...]}`. */
  labels: (file: string) =>
    `CREATE TEMP TABLE labels AS SELECT id, label, v AS version FROM (SELECT v, unnest(ids) AS id, unnest(labels) AS label FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {v: 'INTEGER', ids: 'VARCHAR[]', labels: 'VARCHAR[]'})) WHERE label IS NOT NULL`,
  labelStats: 'SELECT count(*), list(DISTINCT version) FROM labels',
  columnsOfLogged: 'DESCRIBE logged',
  /** The CSV: the columns' cells (`cellText`) and the label, ordered by time then request id. */
  copy: (columns: readonly string[], have: Map<string, string>, target: string, labelledOnly: boolean, out: string) =>
    `COPY (SELECT ${[...columns.map((c) => `${cellText(c, have)} AS ${sqlName(c)}`), `l.label AS ${sqlName(target)}`].join(', ')} FROM logged r ${labelledOnly ? 'JOIN' : 'LEFT JOIN'} labels l ON r.requestId = l.id ORDER BY r.time_ms, r.requestId) TO ${sqlString(out)} (FORMAT csv, HEADER true)`,
};

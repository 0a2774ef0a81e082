import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for monitoring (migrations 10 and 13). Every value is a bound parameter; statements prepared once. */

export interface WindowRow {
  model: string;
  version: number;
  alias: string;
  start: number;
  rows: number;
  updated_at: number;
  sketch_json: string;
}

/** A page of the request index (migration 13): the requests of one batch, window, version and alias, as columns. */
export interface RequestPageRow {
  id: number;
  model: string;
  version: number;
  alias: string;
  window_start: number;
  rows: number;
  ids_json: string;
  times_json: string;
  predictions_json: string;
  probs_json: string;
  labels_json: string | null;
}

/** A request index row of migration 10, before migration 13 (carried over once, then dropped). */
export interface LegacyRequestRow {
  model: string;
  request_id: string;
  version: number;
  alias: string;
  window_start: number;
  time: number;
  prediction: string;
  probs_json: string | null;
  label: string | null;
}

export interface RuleRow {
  id: string;
  model: string;
  name: string;
  builtin: number;
  rule_json: string;
  state: string;
  since: number | null;
  streak: number;
  last_value: number | null;
  last_window: number | null;
  created_at: number;
}

export interface HistoryRow {
  id: number;
  rule_id: string;
  model: string;
  rule: string;
  series: string;
  from_state: string;
  to_state: string;
  window: number;
  value: number | null;
  at: number;
}

export interface ModelWindowSummary {
  model: string;
  windows: number;
  rows: number;
  first: number | null;
  last: number | null;
}

/** Request keys per multi-row INSERT (two bound values each: key, page). */
export const KEYS_PER_INSERT = 250;

export interface LabelPage {
  version: number;
  ids_json: string;
  labels_json: string;
}

export class MonitoringRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = lazyStatements(db, {
      refGet: () => db.prepare('SELECT profile_json FROM monitor_references WHERE version_id = ?'),
      refPut: () => db.prepare(
        `INSERT INTO monitor_references (version_id, model, number, created_at, source, profile_json) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (version_id) DO UPDATE SET created_at = excluded.created_at, source = excluded.source, profile_json = excluded.profile_json`,
      ),
      monitorGet: () => db.prepare('SELECT config_json, created_at FROM monitors WHERE model = ?'),
      monitorPut: () => db.prepare('INSERT INTO monitors (model, created_at, config_json) VALUES (?, ?, ?) ON CONFLICT (model) DO UPDATE SET config_json = excluded.config_json'),
      windowGet: () => db.prepare('SELECT sketch_json, quantiles_json FROM monitor_windows WHERE model = ? AND start = ? AND version = ? AND alias = ?'),
      windowPut: () => db.prepare(
        `INSERT INTO monitor_windows (model, version, alias, start, rows, updated_at, sketch_json, quantiles_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, start, version, alias) DO UPDATE SET rows = excluded.rows, updated_at = excluded.updated_at, sketch_json = excluded.sketch_json, quantiles_json = excluded.quantiles_json`,
      ),
      windowPutSketch: () => db.prepare('UPDATE monitor_windows SET sketch_json = ?, updated_at = ? WHERE model = ? AND start = ? AND version = ? AND alias = ?'),
      windowsRange: () => db.prepare('SELECT model, version, alias, start, rows, updated_at, sketch_json FROM monitor_windows WHERE model = ? AND start >= ? AND start < ? ORDER BY start, version, alias'),
      quantilesRange: () => db.prepare('SELECT version, alias, start, quantiles_json FROM monitor_windows WHERE model = ? AND start >= ? AND start < ? ORDER BY start'),
      windowBounds: () => db.prepare('SELECT MIN(start) AS first, MAX(start) AS last FROM monitor_windows WHERE model = ?'),
      models: () => db.prepare('SELECT model, COUNT(DISTINCT start) AS windows, SUM(rows) AS rows, MIN(start) AS first, MAX(start) AS last FROM monitor_windows GROUP BY model ORDER BY model'),
      lastWindowRows: () => db.prepare('SELECT SUM(rows) AS rows FROM monitor_windows WHERE model = ? AND start = ?'),
      versions: () => db.prepare('SELECT DISTINCT version FROM monitor_windows WHERE model = ? ORDER BY version'),
      keyInsertMany: () => db.prepare(`INSERT OR IGNORE INTO monitor_request_keys (key, page) VALUES ${Array.from({ length: KEYS_PER_INSERT }, () => '(?, ?)').join(', ')}`),
      keyInsertOne: () => db.prepare('INSERT OR IGNORE INTO monitor_request_keys (key, page) VALUES (?, ?)'),
      keyPage: () => db.prepare('SELECT page FROM monitor_request_keys WHERE key = ?').pluck(),
      pageNext: () => db.prepare('SELECT COALESCE(MAX(id), 0) + 1 FROM monitor_request_pages').pluck(),
      pageInsert: () => db.prepare(
        'INSERT INTO monitor_request_pages (id, model, version, alias, window_start, rows, ids_json, times_json, predictions_json, probs_json, labels_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      ),
      pageGet: () => db.prepare('SELECT * FROM monitor_request_pages WHERE id = ?'),
      pageLabels: () => db.prepare('UPDATE monitor_request_pages SET labels_json = ? WHERE id = ?'),
      pageRows: () => db.prepare('SELECT COALESCE(SUM(rows), 0) FROM monitor_request_pages WHERE model = ?').pluck(),
      legacyTable: () => db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'monitor_requests_v12'").pluck(),
      outcomeGet: () => db.prepare('SELECT value FROM monitor_outcomes WHERE model = ? AND request_id = ? AND outcome = ?'),
      outcomePut: () => db.prepare('INSERT INTO monitor_outcomes (model, request_id, outcome, value) VALUES (?, ?, ?, ?) ON CONFLICT (model, request_id, outcome) DO UPDATE SET value = excluded.value'),
      ingestInsert: () => db.prepare("INSERT INTO monitor_ingests (id, model, kind, source, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')"),
      ingestFinish: () => db.prepare('UPDATE monitor_ingests SET finished_at = ?, status = ?, result_json = ? WHERE id = ?'),
      ingestsInterrupted: () => db.prepare("UPDATE monitor_ingests SET status = 'interrupted', finished_at = ? WHERE status = 'running'"),
      segmentInsert: () => db.prepare('INSERT INTO monitor_segments (file, model, ingest_id, window_start, rows, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      segmentFiles: () => db.prepare('SELECT file FROM monitor_segments'),
      segmentsOfFile: () => db.prepare("SELECT file, rows FROM monitor_segments WHERE file >= ? || '#' AND file < ? || '$'"),
      segmentsDeleteFile: () => db.prepare("DELETE FROM monitor_segments WHERE file >= ? || '#' AND file < ? || '$'"),
      landedFiles: () => db.prepare("SELECT DISTINCT model, window_start, substr(file, 1, instr(file, '#') - 1) AS file FROM monitor_segments ORDER BY model, window_start"),
      partInsert: () => db.prepare('INSERT INTO monitor_parts (file, model, window_start, rows, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      partFiles: () => db.prepare('SELECT file FROM monitor_parts'),
      partsOf: () => db.prepare('SELECT file, window_start, rows, bytes FROM monitor_parts WHERE model = ? AND window_start >= ? AND window_start < ? ORDER BY window_start, created_at'),
      labelPages: () => db.prepare('SELECT version, ids_json, labels_json FROM monitor_request_pages WHERE model = ? AND window_start >= ? AND window_start < ? AND labels_json IS NOT NULL'),
      versionsIn: () => db.prepare('SELECT DISTINCT version FROM monitor_windows WHERE model = ? AND start >= ? AND start < ? ORDER BY version').pluck(),
      segmentsOf: () => db.prepare('SELECT file, window_start, rows FROM monitor_segments WHERE model = ? AND window_start >= ? AND window_start < ? ORDER BY window_start, created_at'),
      ruleList: () => db.prepare('SELECT * FROM monitor_alert_rules ORDER BY model, created_at, rowid'),
      ruleListModel: () => db.prepare('SELECT * FROM monitor_alert_rules WHERE model = ? ORDER BY created_at, rowid'),
      ruleGet: () => db.prepare('SELECT * FROM monitor_alert_rules WHERE id = ?'),
      ruleInsert: () => db.prepare('INSERT INTO monitor_alert_rules (id, model, name, builtin, rule_json, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      ruleUpdate: () => db.prepare("UPDATE monitor_alert_rules SET name = ?, rule_json = ?, state = 'inactive', since = NULL, streak = 0, last_window = NULL WHERE id = ?"),
      ruleState: () => db.prepare('UPDATE monitor_alert_rules SET state = ?, since = ?, streak = ?, last_value = ?, last_window = ? WHERE id = ?'),
      ruleDelete: () => db.prepare('DELETE FROM monitor_alert_rules WHERE id = ?'),
      historyInsert: () => db.prepare('INSERT INTO monitor_alert_history (rule_id, model, rule, series, from_state, to_state, window, value, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      historyList: () => db.prepare('SELECT * FROM monitor_alert_history ORDER BY id DESC LIMIT ?'),
      historyModel: () => db.prepare('SELECT * FROM monitor_alert_history WHERE model = ? ORDER BY id DESC LIMIT ?'),
    });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  reference(versionId: string): string | undefined {
    return (this.s.refGet.get(versionId) as { profile_json: string } | undefined)?.profile_json;
  }

  putReference(r: { versionId: string; model: string; number: number; source: string; profile: string }): void {
    this.s.refPut.run(r.versionId, r.model, r.number, Date.now(), r.source, r.profile);
  }

  monitor(model: string): { config_json: string; created_at: number } | undefined {
    return this.s.monitorGet.get(model) as { config_json: string; created_at: number } | undefined;
  }

  putMonitor(model: string, config: string): void {
    this.s.monitorPut.run(model, Date.now(), config);
  }

  window(model: string, start: number, version: number, alias: string): { sketch_json: string; quantiles_json: string } | undefined {
    return this.s.windowGet.get(model, start, version, alias) as { sketch_json: string; quantiles_json: string } | undefined;
  }

  putWindow(w: { model: string; version: number; alias: string; start: number; rows: number; sketch: string; quantiles: string }): void {
    this.s.windowPut.run(w.model, w.version, w.alias, w.start, w.rows, Date.now(), w.sketch, w.quantiles);
  }

  putWindowSketch(model: string, start: number, version: number, alias: string, sketch: string): void {
    this.s.windowPutSketch.run(sketch, Date.now(), model, start, version, alias);
  }

  windows(model: string, from: number, to: number): WindowRow[] {
    return this.s.windowsRange.all(model, from, to) as WindowRow[];
  }

  quantiles(model: string, from: number, to: number): { version: number; alias: string; start: number; quantiles_json: string }[] {
    return this.s.quantilesRange.all(model, from, to) as { version: number; alias: string; start: number; quantiles_json: string }[];
  }

  bounds(model: string): { first: number | null; last: number | null } {
    return this.s.windowBounds.get(model) as { first: number | null; last: number | null };
  }

  models(): ModelWindowSummary[] {
    return this.s.models.all() as ModelWindowSummary[];
  }

  rowsAt(model: string, start: number): number {
    return (this.s.lastWindowRows.get(model, start) as { rows: number | null }).rows ?? 0;
  }

  versions(model: string): number[] {
    return (this.s.versions.all(model) as { version: number }[]).map((r) => r.version);
  }

  /**
   * Up to KEYS_PER_INSERT request keys given as a flat list of (key, page) pairs, in one statement
   * when full; how many were inserted (a key taken, or given twice, is inserted once). No RETURNING:
   * when every key went in, nothing more is asked (the common case); otherwise the caller looks.
   */
  insertKeys(flat: number[]): number {
    if (flat.length === 2 * KEYS_PER_INSERT) return this.s.keyInsertMany.run(flat).changes;
    let n = 0;
    for (let i = 0; i < flat.length; i += 2) n += this.s.keyInsertOne.run(flat[i], flat[i + 1]).changes;
    return n;
  }

  /** Inserts one key if free; true when it was. */
  insertKey(key: number, page: number): boolean {
    return this.s.keyInsertOne.run(key, page).changes === 1;
  }

  keyPage(key: number): number | undefined {
    return this.s.keyPage.get(key) as number | undefined;
  }

  /** The id the next page gets (inside a transaction: pages are numbered before their keys are inserted). */
  nextPageId(): number {
    return this.s.pageNext.get() as number;
  }

  insertPage(p: Omit<RequestPageRow, 'labels_json'>): void {
    this.s.pageInsert.run(p.id, p.model, p.version, p.alias, p.window_start, p.rows, p.ids_json, p.times_json, p.predictions_json, p.probs_json);
  }

  page(id: number): RequestPageRow | undefined {
    return this.s.pageGet.get(id) as RequestPageRow | undefined;
  }

  setPageLabels(id: number, labels: string): void {
    this.s.pageLabels.run(labels, id);
  }

  /** Requests indexed for a model. */
  requestCount(model: string): number {
    return this.s.pageRows.get(model) as number;
  }

  /** True while migration 10's request table waits to be carried over (migration 13). */
  hasLegacyRequests(): boolean {
    return (this.s.legacyTable.get() as number) > 0;
  }

  /** Migration 10's request rows after (model, request id), in key order: read in chunks, the table being small or not. */
  legacyRequests(after: { model: string; requestId: string } | null, limit: number): LegacyRequestRow[] {
    const cols = 'model, request_id, version, alias, window_start, time, prediction, probs_json, label';
    return (after
      ? this.db.prepare(`SELECT ${cols} FROM monitor_requests_v12 WHERE (model, request_id) > (?, ?) ORDER BY model, request_id LIMIT ?`).all(after.model, after.requestId, limit)
      : this.db.prepare(`SELECT ${cols} FROM monitor_requests_v12 ORDER BY model, request_id LIMIT ?`).all(limit)) as LegacyRequestRow[];
  }

  dropLegacyRequests(): void {
    this.db.exec('DROP TABLE monitor_requests_v12');
  }

  outcome(model: string, requestId: string, outcome: string): number | undefined {
    return (this.s.outcomeGet.get(model, requestId, outcome) as { value: number } | undefined)?.value;
  }

  putOutcome(model: string, requestId: string, outcome: string, value: number): void {
    this.s.outcomePut.run(model, requestId, outcome, value);
  }

  startIngest(id: string, model: string, kind: string, source: string): void {
    this.s.ingestInsert.run(id, model, kind, source, Date.now());
  }

  finishIngest(id: string, status: string, result: string): void {
    this.s.ingestFinish.run(Date.now(), status, result, id);
  }

  /** Ingests a killed process left running: marked interrupted (their committed batches stay). */
  markInterrupted(): number {
    return this.s.ingestsInterrupted.run(Date.now()).changes;
  }

  addSegment(s: { file: string; model: string; ingestId: string; windowStart: number; rows: number; bytes: number }): void {
    this.s.segmentInsert.run(s.file, s.model, s.ingestId, s.windowStart, s.rows, s.bytes, Date.now());
  }

  segmentFiles(): Set<string> {
    return new Set((this.s.segmentFiles.all() as { file: string }[]).map((r) => r.file));
  }

  /** The request pages of a range that hold labels: ids and labels as stored (aligned JSON arrays, null for no label). */
  labelPages(model: string, from: number, to: number): LabelPage[] {
    return this.s.labelPages.all(model, from, to) as LabelPage[];
  }

  /** The versions that served a range's rows. */
  versionsIn(model: string, from: number, to: number): number[] {
    return this.s.versionsIn.all(model, from, to) as number[];
  }

  segments(model: string, from: number, to: number): { file: string; window_start: number; rows: number }[] {
    return this.s.segmentsOf.all(model, from, to) as { file: string; window_start: number; rows: number }[];
  }

  /** The segments of one NDJSON file (`<file>#<from>-<to>` keys; '#' < '$' bounds the prefix). */
  segmentsOfFile(file: string): { file: string; rows: number }[] {
    return this.s.segmentsOfFile.all(file, file) as { file: string; rows: number }[];
  }

  /** Every NDJSON file that holds recorded segments, with its model and window. */
  landedFiles(): { model: string; window_start: number; file: string }[] {
    return this.s.landedFiles.all() as { model: string; window_start: number; file: string }[];
  }

  /** Sealed Parquet parts of a range, in window order. */
  parts(model: string, from: number, to: number): { file: string; window_start: number; rows: number; bytes: number }[] {
    return this.s.partsOf.all(model, from, to) as { file: string; window_start: number; rows: number; bytes: number }[];
  }

  partFiles(): Set<string> {
    return new Set((this.s.partFiles.all() as { file: string }[]).map((r) => r.file));
  }

  /** A sealed part replaces the segments of the NDJSON file it was made from (in the caller's transaction). */
  sealed(p: { file: string; model: string; windowStart: number; rows: number; bytes: number; from: string }): void {
    this.s.partInsert.run(p.file, p.model, p.windowStart, p.rows, p.bytes, Date.now());
    this.s.segmentsDeleteFile.run(p.from, p.from);
  }

  rules(model?: string): RuleRow[] {
    return (model === undefined ? this.s.ruleList.all() : this.s.ruleListModel.all(model)) as RuleRow[];
  }

  rule(id: string): RuleRow | undefined {
    return this.s.ruleGet.get(id) as RuleRow | undefined;
  }

  insertRule(r: { id: string; model: string; name: string; builtin: boolean; rule: string }): void {
    this.s.ruleInsert.run(r.id, r.model, r.name, r.builtin ? 1 : 0, r.rule, Date.now());
  }

  updateRule(id: string, name: string, rule: string): void {
    this.s.ruleUpdate.run(name, rule, id);
  }

  setRuleState(id: string, s: { state: string; since: number | null; streak: number; lastValue: number | null; lastWindow: number | null }): void {
    this.s.ruleState.run(s.state, s.since, s.streak, s.lastValue, s.lastWindow, id);
  }

  deleteRule(id: string): boolean {
    return this.s.ruleDelete.run(id).changes === 1;
  }

  addHistory(h: Omit<HistoryRow, 'id'>): number {
    return Number(this.s.historyInsert.run(h.rule_id, h.model, h.rule, h.series, h.from_state, h.to_state, h.window, h.value, h.at).lastInsertRowid);
  }

  history(model: string | undefined, limit: number): HistoryRow[] {
    return (model === undefined ? this.s.historyList.all(limit) : this.s.historyModel.all(model, limit)) as HistoryRow[];
  }
}

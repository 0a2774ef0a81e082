import type { Db } from './connection';

/** SQL for monitoring (migration 10). Every value is a bound parameter; statements prepared once. */

export interface WindowRow {
  model: string;
  version: number;
  alias: string;
  start: number;
  rows: number;
  updated_at: number;
  sketch_json: string;
}

export interface RequestRow {
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

/** Values per request row in `insertRequests`, and rows per multi-row INSERT (800 bound values). */
export const REQUEST_FIELDS = 8;
export const REQUESTS_PER_INSERT = 100;

export class MonitoringRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      refGet: db.prepare('SELECT profile_json FROM monitor_references WHERE version_id = ?'),
      refPut: db.prepare(
        `INSERT INTO monitor_references (version_id, model, number, created_at, source, profile_json) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (version_id) DO UPDATE SET created_at = excluded.created_at, source = excluded.source, profile_json = excluded.profile_json`,
      ),
      monitorGet: db.prepare('SELECT config_json, created_at FROM monitors WHERE model = ?'),
      monitorPut: db.prepare('INSERT INTO monitors (model, created_at, config_json) VALUES (?, ?, ?) ON CONFLICT (model) DO UPDATE SET config_json = excluded.config_json'),
      windowGet: db.prepare('SELECT sketch_json, quantiles_json FROM monitor_windows WHERE model = ? AND start = ? AND version = ? AND alias = ?'),
      windowPut: db.prepare(
        `INSERT INTO monitor_windows (model, version, alias, start, rows, updated_at, sketch_json, quantiles_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, start, version, alias) DO UPDATE SET rows = excluded.rows, updated_at = excluded.updated_at, sketch_json = excluded.sketch_json, quantiles_json = excluded.quantiles_json`,
      ),
      windowPutSketch: db.prepare('UPDATE monitor_windows SET sketch_json = ?, updated_at = ? WHERE model = ? AND start = ? AND version = ? AND alias = ?'),
      windowsRange: db.prepare('SELECT model, version, alias, start, rows, updated_at, sketch_json FROM monitor_windows WHERE model = ? AND start >= ? AND start < ? ORDER BY start, version, alias'),
      quantilesRange: db.prepare('SELECT version, alias, start, quantiles_json FROM monitor_windows WHERE model = ? AND start >= ? AND start < ? ORDER BY start'),
      windowBounds: db.prepare('SELECT MIN(start) AS first, MAX(start) AS last FROM monitor_windows WHERE model = ?'),
      models: db.prepare('SELECT model, COUNT(DISTINCT start) AS windows, SUM(rows) AS rows, MIN(start) AS first, MAX(start) AS last FROM monitor_windows GROUP BY model ORDER BY model'),
      lastWindowRows: db.prepare('SELECT SUM(rows) AS rows FROM monitor_windows WHERE model = ? AND start = ?'),
      versions: db.prepare('SELECT DISTINCT version FROM monitor_windows WHERE model = ? ORDER BY version'),
      requestInsert: db.prepare(
        'INSERT OR IGNORE INTO monitor_requests (model, request_id, version, alias, window_start, time, prediction, probs_json, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      ),
      requestInsertMany: db
        .prepare(`INSERT OR IGNORE INTO monitor_requests (model, request_id, version, alias, window_start, time, prediction, probs_json, label) VALUES ${Array.from({ length: REQUESTS_PER_INSERT }, () => '(?, ?, ?, ?, ?, ?, ?, ?, NULL)').join(', ')} RETURNING request_id`)
        .pluck(),
      requestInsertOne: db.prepare('INSERT OR IGNORE INTO monitor_requests (model, request_id, version, alias, window_start, time, prediction, probs_json, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) RETURNING request_id').pluck(),
      requestGet: db.prepare('SELECT model, request_id, version, alias, window_start, time, prediction, probs_json, label FROM monitor_requests WHERE model = ? AND request_id = ?'),
      requestLabel: db.prepare('UPDATE monitor_requests SET label = ? WHERE model = ? AND request_id = ?'),
      outcomeGet: db.prepare('SELECT value FROM monitor_outcomes WHERE model = ? AND request_id = ? AND outcome = ?'),
      outcomePut: db.prepare('INSERT INTO monitor_outcomes (model, request_id, outcome, value) VALUES (?, ?, ?, ?) ON CONFLICT (model, request_id, outcome) DO UPDATE SET value = excluded.value'),
      ingestInsert: db.prepare("INSERT INTO monitor_ingests (id, model, kind, source, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')"),
      ingestFinish: db.prepare('UPDATE monitor_ingests SET finished_at = ?, status = ?, result_json = ? WHERE id = ?'),
      ingestsInterrupted: db.prepare("UPDATE monitor_ingests SET status = 'interrupted', finished_at = ? WHERE status = 'running'"),
      segmentInsert: db.prepare('INSERT INTO monitor_segments (file, model, ingest_id, window_start, rows, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      segmentFiles: db.prepare('SELECT file FROM monitor_segments'),
      labelsIn: db.prepare('SELECT request_id, label FROM monitor_requests WHERE model = ? AND window_start >= ? AND window_start < ? AND label IS NOT NULL'),
      segmentsOf: db.prepare('SELECT file, window_start, rows FROM monitor_segments WHERE model = ? AND window_start >= ? AND window_start < ? ORDER BY window_start, created_at'),
      ruleList: db.prepare('SELECT * FROM monitor_alert_rules ORDER BY model, created_at, id'),
      ruleListModel: db.prepare('SELECT * FROM monitor_alert_rules WHERE model = ? ORDER BY created_at, id'),
      ruleGet: db.prepare('SELECT * FROM monitor_alert_rules WHERE id = ?'),
      ruleInsert: db.prepare('INSERT INTO monitor_alert_rules (id, model, name, builtin, rule_json, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      ruleUpdate: db.prepare("UPDATE monitor_alert_rules SET name = ?, rule_json = ?, state = 'inactive', since = NULL, streak = 0, last_window = NULL WHERE id = ?"),
      ruleState: db.prepare('UPDATE monitor_alert_rules SET state = ?, since = ?, streak = ?, last_value = ?, last_window = ? WHERE id = ?'),
      ruleDelete: db.prepare('DELETE FROM monitor_alert_rules WHERE id = ?'),
      historyInsert: db.prepare('INSERT INTO monitor_alert_history (rule_id, model, rule, series, from_state, to_state, window, value, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      historyList: db.prepare('SELECT * FROM monitor_alert_history ORDER BY id DESC LIMIT ?'),
      historyModel: db.prepare('SELECT * FROM monitor_alert_history WHERE model = ? ORDER BY id DESC LIMIT ?'),
    };
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

  /** True when the request id was new (false: a duplicate, nothing written). */
  /**
   * Inserts requests given as a flat list of REQUEST_FIELDS values per row (model, request_id,
   * version, alias, window_start, time, prediction, probs_json), REQUESTS_PER_INSERT rows a statement;
   * the ids that were new (an id already indexed, or given twice, is inserted once).
   */
  insertRequests(flat: unknown[]): Set<string> {
    const fresh = new Set<string>();
    const per = REQUEST_FIELDS * REQUESTS_PER_INSERT;
    let i = 0;
    for (; i + per <= flat.length; i += per) for (const id of this.s.requestInsertMany.all(flat.slice(i, i + per)) as string[]) fresh.add(id);
    for (; i < flat.length; i += REQUEST_FIELDS) for (const id of this.s.requestInsertOne.all(flat.slice(i, i + REQUEST_FIELDS)) as string[]) fresh.add(id);
    return fresh;
  }

  insertRequest(r: Omit<RequestRow, 'label'>): boolean {
    return this.s.requestInsert.run(r.model, r.request_id, r.version, r.alias, r.window_start, r.time, r.prediction, r.probs_json).changes === 1;
  }

  request(model: string, requestId: string): RequestRow | undefined {
    return this.s.requestGet.get(model, requestId) as RequestRow | undefined;
  }

  setLabel(model: string, requestId: string, label: string): void {
    this.s.requestLabel.run(label, model, requestId);
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

  /** request id -> label for the requests of a range that have one. */
  labelsIn(model: string, from: number, to: number): Map<string, string> {
    const rows = this.s.labelsIn.all(model, from, to) as { request_id: string; label: string }[];
    return new Map(rows.map((r) => [r.request_id, r.label]));
  }

  segments(model: string, from: number, to: number): { file: string; window_start: number; rows: number }[] {
    return this.s.segmentsOf.all(model, from, to) as { file: string; window_start: number; rows: number }[];
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

/**
 * Migration 10 (issue 11): monitoring. A reference profile per model version; monitors per model;
 * windows of sketches (one row per model, version, alias and window start: `sketch` is small and
 * read for every range, `quantiles` holds the KLL sketches, read only for a feature's detail); the
 * request index that makes ingest idempotent and joins late labels and outcomes; raw-row segments
 * (append-only files under monitoring/); ingests; alert rules, their state and history.
 */
export default `
CREATE TABLE monitor_references (
  version_id TEXT PRIMARY KEY REFERENCES model_versions(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  number INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  profile_json TEXT NOT NULL
);
CREATE TABLE monitors (
  model TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  config_json TEXT NOT NULL
);
CREATE TABLE monitor_windows (
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  alias TEXT NOT NULL,
  start INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sketch_json TEXT NOT NULL,
  quantiles_json TEXT NOT NULL,
  PRIMARY KEY (model, start, version, alias)
) WITHOUT ROWID;
CREATE TABLE monitor_requests (
  model TEXT NOT NULL,
  request_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  alias TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  time INTEGER NOT NULL,
  prediction TEXT NOT NULL,
  probs_json TEXT,
  label TEXT,
  PRIMARY KEY (model, request_id)
) WITHOUT ROWID;
CREATE TABLE monitor_outcomes (
  model TEXT NOT NULL,
  request_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (model, request_id, outcome)
) WITHOUT ROWID;
CREATE TABLE monitor_ingests (
  id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL,
  result_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE monitor_segments (
  file TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  ingest_id TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX monitor_segments_model ON monitor_segments(model, window_start);
CREATE TABLE monitor_alert_rules (
  id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  name TEXT NOT NULL,
  builtin INTEGER NOT NULL,
  rule_json TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'inactive',
  since INTEGER,
  streak INTEGER NOT NULL DEFAULT 0,
  last_value REAL,
  last_window INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX monitor_alert_rules_model ON monitor_alert_rules(model);
CREATE TABLE monitor_alert_history (
  id INTEGER PRIMARY KEY,
  rule_id TEXT NOT NULL,
  model TEXT NOT NULL,
  rule TEXT NOT NULL,
  series TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  window INTEGER NOT NULL,
  value REAL,
  at INTEGER NOT NULL
);
CREATE INDEX monitor_alert_history_model ON monitor_alert_history(model, id);
`;

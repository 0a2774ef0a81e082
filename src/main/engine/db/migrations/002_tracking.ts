/** Migration 2: experiment tracking — experiments, runs, params, metrics, tags, artifacts. */
export default `
-- Times are integers: milliseconds since 1970 (UTC), like MLflow's.
CREATE TABLE experiments (
  id          TEXT PRIMARY KEY,          -- uuid ('0' is the Default experiment, as in MLflow)
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  deleted_at  INTEGER                    -- NULL: active; else in the trash since then
);
CREATE TABLE experiment_tags (
  experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  value         TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
INSERT INTO experiments (id, name, description, created_at, updated_at)
  VALUES ('0', 'Default', 'Runs logged without an experiment', 0, 0);

CREATE TABLE runs (
  id              TEXT PRIMARY KEY,      -- 32 hex digits, like MLflow's run ids
  experiment_id   TEXT NOT NULL REFERENCES experiments(id),
  name            TEXT NOT NULL,         -- stored verbatim (the UI shows it as text)
  status          TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
  source          TEXT NOT NULL CHECK (source IN ('built-in', 'script', 'api')),
  start_time      INTEGER NOT NULL,
  end_time        INTEGER,
  notes           TEXT NOT NULL DEFAULT '',  -- Markdown
  environment_json TEXT NOT NULL DEFAULT '{}', -- host, OS, app version, backend, command, cwd, git
  deleted_at      INTEGER                -- soft delete: NULL active, else in the trash since then
);
CREATE INDEX runs_experiment_start ON runs(experiment_id, start_time DESC);
CREATE INDEX runs_start ON runs(start_time DESC);
CREATE INDEX runs_deleted ON runs(deleted_at) WHERE deleted_at IS NOT NULL;

-- Params are written once: a second write with another value is refused by the engine.
CREATE TABLE params (
  run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX params_key_value ON params(key, value);

CREATE TABLE run_tags (
  run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_tags_key_value ON run_tags(key, value);

-- One row per (run, metric key): the series id the points hang off, and the summary the runs table
-- sorts and filters on, maintained on every write. NULL in a REAL column stands for NaN (SQLite
-- stores NaN as NULL); infinities are stored as themselves. min/max ignore NaN.
CREATE TABLE latest_metrics (
  id         INTEGER PRIMARY KEY,        -- series id
  run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  last       REAL,                       -- the value at the greatest (step, timestamp)
  min        REAL,
  max        REAL,
  step       INTEGER NOT NULL,
  timestamp  INTEGER NOT NULL,
  count      INTEGER NOT NULL,
  UNIQUE (run_id, key)
);
CREATE INDEX latest_metrics_key_last ON latest_metrics(key, last);

-- Metric points. series_id stands for (run_id, key): an integer keeps the (series, step) index small
-- and ingest fast. value NULL = NaN.
CREATE TABLE metrics (
  series_id  INTEGER NOT NULL REFERENCES latest_metrics(id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  timestamp  INTEGER NOT NULL,
  value      REAL
);
CREATE INDEX metrics_series_step ON metrics(series_id, step);

-- Artifacts are blobs in the object store, named by a validated relative path inside their run.
CREATE TABLE run_artifacts (
  run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path        TEXT NOT NULL,
  blob_hash   TEXT NOT NULL REFERENCES blobs(hash),
  size        INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
CREATE INDEX run_artifacts_blob ON run_artifacts(blob_hash);
`;

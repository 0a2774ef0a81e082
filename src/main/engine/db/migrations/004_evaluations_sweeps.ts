/** Migration: evaluations of runs' models on dataset versions, and sweeps with their trials. */
export default `
-- An evaluation: one run's model scored on one dataset version. The report is the JSON the UI draws
-- (curves already downsampled); spec_json is the request (slice column, cost matrix, positive class).
CREATE TABLE evaluations (
  id          TEXT PRIMARY KEY,          -- 32 hex digits
  run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  dataset_id  TEXT NOT NULL,
  version_id  TEXT NOT NULL,
  data_ref    TEXT NOT NULL,             -- name@vN when it was evaluated
  task        TEXT NOT NULL CHECK (task IN ('classification', 'regression')),
  created_at  INTEGER NOT NULL,          -- ms since 1970
  duration_ms INTEGER NOT NULL,
  spec_json   TEXT NOT NULL,
  headline_json TEXT NOT NULL,           -- the few numbers lists and comparisons show
  report_json TEXT NOT NULL
);
CREATE INDEX evaluations_run ON evaluations(run_id, created_at DESC);
CREATE INDEX evaluations_version ON evaluations(version_id);
-- Lineage edges of an evaluation (dataset_version -> evaluation, run -> evaluation) go with it,
-- also when its run is purged (the cascade above).
CREATE TRIGGER evaluations_lineage_cleanup AFTER DELETE ON evaluations BEGIN
  DELETE FROM lineage WHERE to_kind = 'evaluation' AND to_id = OLD.id;
END;

-- A sweep: trials of one training spec over a parameter space. Trials are runs tagged sweep.id.
CREATE TABLE sweeps (
  id            TEXT PRIMARY KEY,        -- 32 hex digits
  name          TEXT NOT NULL,
  experiment_id TEXT NOT NULL REFERENCES experiments(id),
  status        TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled')),
  created_at    INTEGER NOT NULL,
  ended_at      INTEGER,
  spec_json     TEXT NOT NULL,
  error         TEXT
);
CREATE INDEX sweeps_created ON sweeps(created_at DESC);

CREATE TABLE sweep_trials (
  sweep_id     TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  trial        INTEGER NOT NULL,         -- 0-based, in the order the strategy proposed them
  run_id       TEXT,                     -- set once the trial's run exists (no FK: a purged run leaves the record)
  params_json  TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'pruned', 'failed', 'cancelled')),
  objective    REAL,                     -- the objective metric's last value; NULL unknown (or NaN)
  epochs       INTEGER NOT NULL DEFAULT 0, -- budget spent (successive halving)
  rung         INTEGER NOT NULL DEFAULT 0,
  error        TEXT,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (sweep_id, trial)
) WITHOUT ROWID;
CREATE INDEX sweep_trials_run ON sweep_trials(run_id);
`;

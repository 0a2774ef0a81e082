/**
 * Migration 6: training runs. One row per run Lathe trains itself: its spec (what re-run and resume
 * repeat), the job's state, the process that owns it (so a later start can tell a crashed training
 * from one another Lathe process is still running) and its last checkpoint (stored as the run's
 * artifacts under checkpoints/epoch-<N>/, so gc keeps them through run_artifacts).
 */
export default `
CREATE TABLE training_runs (
  run_id            TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  template          TEXT NOT NULL,
  spec_json         TEXT NOT NULL,
  state             TEXT NOT NULL,       -- queued | running | done | failed | cancelled
  owner_pid         INTEGER NOT NULL,
  owner_host        TEXT NOT NULL,
  checkpoint_epoch  INTEGER,
  backend           TEXT,
  error             TEXT,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX training_runs_state ON training_runs(state);
`;

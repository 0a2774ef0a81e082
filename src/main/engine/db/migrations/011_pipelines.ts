/**
 * Migration 11: pipelines (issue 12). A definition as stored text; runs with the definition's hash and
 * the process running them (a run whose process died is failed at the next start, then resumable);
 * one job row per stage per run with its cache key and its inputs and outputs as hashes (what the
 * stage cache keys on); gate decisions; trigger state (last fire, runs per day, last seen version);
 * a stat cache of file hashes so unchanged files are not re-read.
 */
export default `
CREATE TABLE pipelines (
  name TEXT PRIMARY KEY,
  source_path TEXT,
  text TEXT NOT NULL,
  definition_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE pipeline_runs (
  id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  definition_hash TEXT NOT NULL,
  definition_json TEXT NOT NULL,
  base_dir TEXT NOT NULL,
  trigger TEXT NOT NULL,
  trigger_detail TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  force INTEGER NOT NULL DEFAULT 0,
  from_stage TEXT,
  resume_of TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  error TEXT,
  owner_pid INTEGER NOT NULL,
  owner_host TEXT NOT NULL
);
CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs(pipeline, created_at);
CREATE INDEX pipeline_runs_by_state ON pipeline_runs(state);
CREATE TABLE pipeline_jobs (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
  pipeline TEXT NOT NULL,
  position INTEGER NOT NULL,
  stage TEXT NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  key TEXT,
  why TEXT NOT NULL DEFAULT '',
  inputs_json TEXT NOT NULL DEFAULT '{}',
  outputs_json TEXT NOT NULL DEFAULT '{}',
  files_json TEXT NOT NULL DEFAULT '{}',
  started_at INTEGER,
  ended_at INTEGER,
  error TEXT,
  log TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pipeline_jobs_by_run ON pipeline_jobs(run_id, position);
CREATE INDEX pipeline_jobs_cache ON pipeline_jobs(pipeline, stage, key, state);
CREATE INDEX pipeline_jobs_latest ON pipeline_jobs(pipeline, stage, ended_at);
CREATE TABLE gate_decisions (
  id TEXT PRIMARY KEY,
  pipeline_run TEXT NOT NULL,
  stage TEXT NOT NULL,
  model TEXT NOT NULL,
  alias TEXT NOT NULL,
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL,
  challenger_run TEXT NOT NULL,
  challenger_evaluation TEXT,
  champion_version TEXT,
  champion_evaluation TEXT,
  data_version TEXT NOT NULL,
  rows INTEGER NOT NULL,
  rule_json TEXT NOT NULL,
  numbers_json TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX gate_decisions_by_run ON gate_decisions(pipeline_run);
CREATE TABLE pipeline_trigger_state (
  pipeline TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  state_json TEXT NOT NULL,
  PRIMARY KEY (pipeline, trigger_id)
);
CREATE TABLE pipeline_file_hashes (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  ino INTEGER NOT NULL,
  hash TEXT NOT NULL
);
`;

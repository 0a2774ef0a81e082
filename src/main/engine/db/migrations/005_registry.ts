/**
 * Migration: model registry — models, numbered versions holding their artifact as blob references,
 * movable aliases with the history of every move, and deployment exports.
 * Ids are global (uuid hex) so registry bundles from other workstations merge without renumbering ids.
 */
export default `
CREATE TABLE models (
  name         TEXT PRIMARY KEY,           -- the model's identity, also across workspaces
  description  TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
);
CREATE TABLE model_versions (
  id           TEXT PRIMARY KEY,           -- 32 hex digits, global
  model        TEXT NOT NULL REFERENCES models(name),
  number       INTEGER NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  run_id       TEXT,                       -- no FK: the version outlives a purged run
  backend      TEXT,
  app_version  TEXT NOT NULL,
  params_json  TEXT NOT NULL DEFAULT '{}', -- snapshot of the run's params
  metrics_json TEXT NOT NULL DEFAULT '{}', -- snapshot of the run's last metric values
  datasets_json TEXT NOT NULL DEFAULT '[]',-- dataset versions the run read (also lineage rows)
  card_json    TEXT NOT NULL DEFAULT '{}', -- the card's editable free-text fields
  UNIQUE (model, number)
);
CREATE INDEX model_versions_run ON model_versions(run_id);
-- The artifact: files copied from the run as references to blobs (gc keeps them: liveBlobHashes).
CREATE TABLE model_files (
  version_id   TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  path         TEXT NOT NULL,
  blob_hash    TEXT NOT NULL REFERENCES blobs(hash),
  size         INTEGER NOT NULL,
  PRIMARY KEY (version_id, path)
) WITHOUT ROWID;
CREATE INDEX model_files_blob ON model_files(blob_hash);
CREATE TABLE model_aliases (
  model        TEXT NOT NULL REFERENCES models(name),
  alias        TEXT NOT NULL,
  version_id   TEXT NOT NULL REFERENCES model_versions(id),
  moved_at     INTEGER NOT NULL,
  PRIMARY KEY (model, alias)
);
CREATE TABLE model_alias_moves (
  id           TEXT PRIMARY KEY,           -- global, so bundles merge histories
  model        TEXT NOT NULL,
  alias        TEXT NOT NULL,
  from_version TEXT,                       -- NULL: the alias was new
  to_version   TEXT,                       -- NULL: the alias was removed
  moved_at     INTEGER NOT NULL,
  moved_by     TEXT NOT NULL,
  reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX model_alias_moves_model ON model_alias_moves(model, alias, moved_at);
CREATE TABLE exports (
  id           TEXT PRIMARY KEY,
  version_id   TEXT NOT NULL REFERENCES model_versions(id),
  format       TEXT NOT NULL,
  out_dir      TEXT NOT NULL,
  content_hash TEXT NOT NULL,              -- sha256 over the sorted (path, sha256) list of files
  files_json   TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  report_json  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX exports_version ON exports(version_id, created_at);
`;

/** Migration 1: object store, datasets and their versions, lineage. Never edit once released. */
export default `
-- Workspace facts (sample seeded, created by which version).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Object store: blobs are byte streams named by their sha256, made of content-defined chunks.
-- Chunks live in write-once pack files; this table says where each chunk is.
CREATE TABLE packs (
  id          TEXT PRIMARY KEY,          -- file name under objects/packs/, without .pack
  size        INTEGER NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE TABLE chunks (
  hash        TEXT PRIMARY KEY,          -- sha256 hex of the chunk's bytes
  pack_id     TEXT NOT NULL REFERENCES packs(id),
  offset      INTEGER NOT NULL,
  length      INTEGER NOT NULL
);
CREATE INDEX chunks_pack ON chunks(pack_id);
CREATE TABLE blobs (
  hash        TEXT PRIMARY KEY,          -- sha256 hex of the whole content
  size        INTEGER NOT NULL,
  chunk_count INTEGER NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE TABLE blob_chunks (
  blob_hash   TEXT NOT NULL REFERENCES blobs(hash) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  chunk_hash  TEXT NOT NULL REFERENCES chunks(hash),
  offset      INTEGER NOT NULL,          -- offset of this chunk inside the blob
  length      INTEGER NOT NULL,
  PRIMARY KEY (blob_hash, seq)
) WITHOUT ROWID;
CREATE INDEX blob_chunks_chunk ON blob_chunks(chunk_hash);

-- Datasets and their immutable versions.
CREATE TABLE datasets (
  id          TEXT PRIMARY KEY,          -- uuid: stable across workspaces and bundles
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL
);
-- A version's id is the sha256 over its content manifest, so the same content imported into two
-- datasets has the same id there: the key is (dataset_id, id).
CREATE TABLE dataset_versions (
  dataset_id    TEXT NOT NULL REFERENCES datasets(id),
  id            TEXT NOT NULL,           -- sha256 over the version's content manifest
  number        INTEGER NOT NULL,
  message       TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  parent_id     TEXT,                    -- a version of the same dataset
  source_path   TEXT NOT NULL,
  format        TEXT NOT NULL,
  size          INTEGER NOT NULL,
  file_count    INTEGER NOT NULL,
  row_count     INTEGER NOT NULL,
  column_count  INTEGER NOT NULL,
  stored_bytes  INTEGER NOT NULL,
  profile_json  TEXT NOT NULL,
  -- format-specific reading aids (row offsets, parsed schema), a blob or NULL
  index_blob    TEXT REFERENCES blobs(hash),
  PRIMARY KEY (dataset_id, id),
  UNIQUE (dataset_id, number),
  FOREIGN KEY (dataset_id, parent_id) REFERENCES dataset_versions(dataset_id, id)
);
CREATE TABLE dataset_files (
  dataset_id  TEXT NOT NULL,
  version_id  TEXT NOT NULL,
  path        TEXT NOT NULL,             -- relative path, '/' separated; a single-file version has one entry
  blob_hash   TEXT NOT NULL REFERENCES blobs(hash),
  size        INTEGER NOT NULL,
  meta_json   TEXT,                      -- per-file facts (image class, width, height, format)
  PRIMARY KEY (dataset_id, version_id, path),
  FOREIGN KEY (dataset_id, version_id) REFERENCES dataset_versions(dataset_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX dataset_files_blob ON dataset_files(blob_hash);
CREATE TABLE dataset_tags (
  dataset_id  TEXT NOT NULL REFERENCES datasets(id),
  tag         TEXT NOT NULL,
  version_id  TEXT NOT NULL,
  moved_at    TEXT NOT NULL,
  PRIMARY KEY (dataset_id, tag),
  FOREIGN KEY (dataset_id, version_id) REFERENCES dataset_versions(dataset_id, id)
);

-- Lineage is a table, not a log line: typed edges between stable ids.
-- (from_kind, from_id) -> (to_kind, to_id), e.g. dataset_version -> run -> model_version -> export.
CREATE TABLE lineage (
  from_kind   TEXT NOT NULL,
  from_id     TEXT NOT NULL,
  to_kind     TEXT NOT NULL,
  to_id       TEXT NOT NULL,
  relation    TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (from_kind, from_id, to_kind, to_id, relation)
);
CREATE INDEX lineage_to ON lineage(to_kind, to_id);
`;

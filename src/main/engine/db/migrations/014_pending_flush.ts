/**
 * Migration 14 (issue 14, import speed): deferred durability. A bundle import returns once its pack is
 * written (page cache) and its rows are committed, without waiting for an fsync; in the same
 * transaction it records here what it wrote (the pack and its new chunks) and what it added (the
 * rows, as JSON). A background task fdatasyncs the pack and its folder, then deletes the row. A row
 * still here at the next start means the process ended before that flush: the listed chunks are
 * re-hashed from disk and, if any does not match, the whole import is rolled back (rows, blobs,
 * chunks, pack). `owner_pid`, `owner_host` and `owner_started` name the process, so a live import in
 * another process is not checked from under it.
 */
export default `
CREATE TABLE pending_flushes (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  label         TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  owner_pid     INTEGER NOT NULL,
  owner_host    TEXT NOT NULL,
  owner_started TEXT NOT NULL,
  pack_id       TEXT,
  chunks_json   TEXT NOT NULL,
  undo_json     TEXT NOT NULL
) WITHOUT ROWID;
`;

/**
 * Migration 15 (issue 11, raw rows in a columnar form): sealed Parquet parts of raw logged rows. A
 * window's NDJSON file (the landing form, `monitor_segments`) is sealed once its window has closed
 * into an immutable Parquet file under `monitoring/<model>/parts/`; the part's row is inserted and
 * the file's segments deleted in one transaction, so every logged row is recorded in exactly one of
 * the two tables. Rows arriving later for a sealed window land in a new NDJSON file and become
 * another part: parts are only ever added (append-only), never rewritten.
 */
export default `
CREATE TABLE monitor_parts (
  file         TEXT PRIMARY KEY,
  model        TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  rows         INTEGER NOT NULL,
  bytes        INTEGER NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX monitor_parts_model ON monitor_parts(model, window_start);
`;

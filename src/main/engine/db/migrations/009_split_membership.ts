/**
 * Migration 9: which rows of its dataset version each training run used for train, validation and
 * test (training/membership.ts: 2 bits a row, with a sha256), so an evaluation can score held-out rows
 * by default; and, on each evaluation, which rows it scored, how many of them the model trained on,
 * the headline's intervals and its per-row cases.
 */
export default `
CREATE TABLE run_splits (
  run_id          TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  version_id      TEXT NOT NULL,
  rows            INTEGER NOT NULL,
  encoding        TEXT NOT NULL,
  parts           BLOB NOT NULL,
  sha256          TEXT NOT NULL,
  train_rows      INTEGER NOT NULL,
  validation_rows INTEGER NOT NULL,
  test_rows       INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
);
-- Which rows an evaluation scored; how many the model trained on (NULL: unknown); the headline's
-- intervals; and its scored cases (evaluation/cases.ts) for paired comparisons on shared rows.
ALTER TABLE evaluations ADD COLUMN split TEXT NOT NULL DEFAULT 'all';
ALTER TABLE evaluations ADD COLUMN training_rows INTEGER;
ALTER TABLE evaluations ADD COLUMN intervals_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE evaluations ADD COLUMN cases BLOB;
`;

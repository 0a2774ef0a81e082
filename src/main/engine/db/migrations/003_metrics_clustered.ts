/**
 * Migration 3: metric points clustered by series. With a rowid table, reading a 1M-point series walked
 * the (series_id, step) index and fetched each row from wherever it lay (~1.3 s); keyed WITHOUT ROWID
 * by (series_id, step, seq), a series is one contiguous range of the table. `seq` orders points
 * logged at the same step (the series' point count when each point was written).
 */
export default `
CREATE TABLE metrics_clustered (
  series_id  INTEGER NOT NULL REFERENCES latest_metrics(id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  timestamp  INTEGER NOT NULL,
  value      REAL,                       -- NULL = NaN
  PRIMARY KEY (series_id, step, seq)
) WITHOUT ROWID;
INSERT INTO metrics_clustered (series_id, step, seq, timestamp, value)
  SELECT series_id, step, rowid, timestamp, value FROM metrics;
DROP TABLE metrics;
ALTER TABLE metrics_clustered RENAME TO metrics;
`;

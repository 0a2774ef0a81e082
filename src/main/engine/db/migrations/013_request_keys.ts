/**
 * Migration 13 (issue 11, ingest speed): the request index keyed by an integer. `monitor_request_keys`
 * maps a 53-bit hash of (model, request id) to the page that holds the request (a short B-tree
 * entry: two integers); `monitor_request_pages` holds the requests of one ingest batch, window,
 * version and alias as columns (ids, times, predictions, probabilities, labels as JSON arrays), where
 * late labels join them. Colliding ids probe the next key (monitoring/requestKeys.ts). The old table
 * is kept under another name until the monitoring service carries its rows over (in one transaction,
 * at the first start: MonitoringService -> RequestIndex.carryOver) and drops it.
 */
export default `
CREATE TABLE monitor_request_pages (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  alias TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  ids_json TEXT NOT NULL,
  times_json TEXT NOT NULL,
  predictions_json TEXT NOT NULL,
  probs_json TEXT NOT NULL,
  labels_json TEXT
);
CREATE INDEX monitor_request_pages_model ON monitor_request_pages(model, window_start);
CREATE TABLE monitor_request_keys (
  key INTEGER PRIMARY KEY,
  page INTEGER NOT NULL
);
ALTER TABLE monitor_requests RENAME TO monitor_requests_v12;
`;

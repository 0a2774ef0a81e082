/**
 * Migration 7: the process running a sweep (a sweep lives in the process that started it), so a later
 * start can tell a sweep whose process died (marked failed, "interrupted") from one another Lathe
 * process is still running.
 */
export default `
ALTER TABLE sweeps ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sweeps ADD COLUMN owner_host TEXT NOT NULL DEFAULT '';
CREATE INDEX sweeps_status ON sweeps(status);
`;

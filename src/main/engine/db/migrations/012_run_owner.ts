/**
 * Migration 13: the process that owns a run it is executing itself (`lathe run -- cmd`). A run whose
 * owner died (SIGKILL, power loss) is failed as interrupted at the next start instead of showing
 * `running` forever. The owner is named by pid, host and its start identity (the kernel's start
 * time of that pid), so a pid reused by an unrelated process is not mistaken for the owner; the
 * command's pid is kept to say what was left running.
 */
export default `
CREATE TABLE run_owners (
  run_id      TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  pid         INTEGER NOT NULL,
  host        TEXT NOT NULL,
  started     TEXT NOT NULL,
  child_pid   INTEGER
) WITHOUT ROWID;
`;

import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for the owners of runs a Lathe process executes itself (`lathe run`). Every value is a bound parameter. */

export interface RunOwnerRow {
  run_id: string;
  pid: number;
  host: string;
  /** The owner's process start identity (see tracking/processIdentity.ts); '' when unknown. */
  started: string;
  child_pid: number | null;
}

export class RunOwnersRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = lazyStatements(db, {
      claim: () => db.prepare(`INSERT OR REPLACE INTO run_owners (run_id, pid, host, started, child_pid) VALUES (@run_id, @pid, @host, @started, @child_pid)`),
      setChild: () => db.prepare(`UPDATE run_owners SET child_pid = ? WHERE run_id = ?`),
      release: () => db.prepare(`DELETE FROM run_owners WHERE run_id = ?`),
      // Owners of runs still marked running; a finished run's owner row is released with it.
      running: () => db.prepare(`SELECT o.run_id, o.pid, o.host, o.started, o.child_pid FROM run_owners o JOIN runs r ON r.id = o.run_id WHERE r.status = 'running'`),
      stale: () => db.prepare(`DELETE FROM run_owners WHERE run_id IN (SELECT id FROM runs WHERE status <> 'running')`),
    });
  }

  claim(row: RunOwnerRow): void {
    this.s.claim.run(row);
  }

  setChild(runId: string, childPid: number): void {
    this.s.setChild.run(childPid, runId);
  }

  release(runId: string): void {
    this.s.release.run(runId);
  }

  running(): RunOwnerRow[] {
    return this.s.running.all() as RunOwnerRow[];
  }

  /** Drops owner rows of runs that ended some other way (updated through another door). */
  dropStale(): void {
    this.s.stale.run();
  }
}

import os from 'node:os';
import type { Db } from '../db/connection';
import { RunOwnersRepo } from '../db/runOwnersRepo';
import { processStartIdentity, sameProcessAlive } from './processIdentity';
import type { RunService } from './runs';

/**
 * Runs a Lathe process executes itself (`lathe run -- cmd`) are owned by that process, as training
 * jobs and sweeps are: the owner is recorded when the run starts and released when it ends. At the
 * next engine start, a run still `running` whose owner is gone is failed as interrupted, so a
 * SIGKILL, a crash or a power loss never leaves a run `running` forever. Runs owned on another host
 * (a workspace on a shared disk) are left alone: this host cannot tell whether they live.
 */
export class RunOwners {
  private readonly repo: RunOwnersRepo;
  private readonly host = os.hostname();

  constructor(
    db: Db,
    private readonly runs: RunService,
  ) {
    this.repo = new RunOwnersRepo(db);
  }

  /** This process owns `runId` from now until release(). */
  claim(runId: string): void {
    this.repo.claim({ run_id: runId, pid: process.pid, host: this.host, started: processStartIdentity(process.pid) ?? '', child_pid: null });
  }

  setChild(runId: string, childPid: number): void {
    this.repo.setChild(runId, childPid);
  }

  release(runId: string): void {
    this.repo.release(runId);
  }

  /** Fails every running run whose owner process is gone; returns their ids. */
  failInterrupted(): string[] {
    this.repo.dropStale();
    const failed: string[] = [];
    for (const owner of this.repo.running()) {
      if (sameProcessAlive(owner, this.host) !== false) continue;
      const command = owner.child_pid ? ` (its command ran as pid ${owner.child_pid})` : '';
      const why = `interrupted: the Lathe process running it (pid ${owner.pid} on ${owner.host}) stopped before the command ended${command}`;
      try {
        this.runs.setTags(owner.run_id, { 'lathe.error': why }, []);
        this.runs.update({ id: owner.run_id, status: 'failed' });
        failed.push(owner.run_id);
      } catch {
        // A run moved to the trash meanwhile cannot be changed; it is not shown as running anyway.
      }
      this.repo.release(owner.run_id);
    }
    return failed;
  }
}

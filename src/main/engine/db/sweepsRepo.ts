import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for sweeps and their trials. Every value is a bound parameter. */

export interface SweepRow {
  id: string;
  name: string;
  experiment_id: string;
  status: string;
  created_at: number;
  ended_at: number | null;
  spec_json: string;
  error: string | null;
  owner_pid: number;
  owner_host: string;
}

export interface TrialRow {
  sweep_id: string;
  trial: number;
  run_id: string | null;
  params_json: string;
  status: string;
  objective: number | null;
  epochs: number;
  rung: number;
  error: string | null;
  updated_at: number;
}

export interface TrialUpdate {
  runId?: string | null;
  status?: string;
  objective?: number | null;
  epochs?: number;
  rung?: number;
  error?: string | null;
}

export class SweepsRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = lazyStatements(db, {
      insertSweep: () => p(
        `INSERT INTO sweeps (id, name, experiment_id, status, created_at, spec_json, owner_pid, owner_host) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`,
      ),
      running: () => p(`SELECT * FROM sweeps WHERE status = 'running'`),
      endUnfinishedTrials: () => p(`UPDATE sweep_trials SET status = 'failed', error = ?, updated_at = ? WHERE sweep_id = ? AND status IN ('queued', 'running')`),
      insertTrial: () => p(`INSERT INTO sweep_trials (sweep_id, trial, params_json, status, updated_at) VALUES (?, ?, ?, 'queued', ?)`),
      get: () => p(`SELECT * FROM sweeps WHERE id = ?`),
      list: () => p(`SELECT * FROM sweeps ORDER BY created_at DESC, id LIMIT ? OFFSET ?`),
      trials: () => p(`SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY trial`),
      trialsOf: () => p(`SELECT * FROM sweep_trials WHERE sweep_id IN (SELECT value FROM json_each(?)) ORDER BY sweep_id, trial`),
      trial: () => p(`SELECT * FROM sweep_trials WHERE sweep_id = ? AND trial = ?`),
      updateTrial: () => p(
        `UPDATE sweep_trials SET run_id = @run_id, status = @status, objective = @objective, epochs = @epochs, rung = @rung, error = @error, updated_at = @updated_at
         WHERE sweep_id = @sweep_id AND trial = @trial`,
      ),
      end: () => p(`UPDATE sweeps SET status = ?, ended_at = ?, error = ? WHERE id = ?`),
      cancelQueued: () => p(`UPDATE sweep_trials SET status = 'cancelled', updated_at = ? WHERE sweep_id = ? AND status = 'queued'`),
    });
  }

  create(sweep: { id: string; name: string; experimentId: string; createdAt: number; spec: string; ownerPid: number; ownerHost: string }, trials: string[]): void {
    this.db.transaction(() => {
      this.s.insertSweep.run(sweep.id, sweep.name, sweep.experimentId, sweep.createdAt, sweep.spec, sweep.ownerPid, sweep.ownerHost);
      trials.forEach((params, i) => this.s.insertTrial.run(sweep.id, i, params, sweep.createdAt));
    })();
  }

  get(id: string): SweepRow | undefined {
    return this.s.get.get(id) as SweepRow | undefined;
  }

  list(limit: number, offset: number): SweepRow[] {
    return this.s.list.all(limit, offset) as SweepRow[];
  }

  trials(id: string): TrialRow[] {
    return this.s.trials.all(id) as TrialRow[];
  }

  trialsOf(ids: string[]): TrialRow[] {
    return ids.length ? (this.s.trialsOf.all(JSON.stringify(ids)) as TrialRow[]) : [];
  }

  updateTrial(sweepId: string, trial: number, u: TrialUpdate): void {
    const cur = this.s.trial.get(sweepId, trial) as TrialRow | undefined;
    if (!cur) return;
    this.s.updateTrial.run({
      sweep_id: sweepId,
      trial,
      run_id: u.runId !== undefined ? u.runId : cur.run_id,
      status: u.status ?? cur.status,
      objective: u.objective !== undefined ? u.objective : cur.objective,
      epochs: u.epochs ?? cur.epochs,
      rung: u.rung ?? cur.rung,
      error: u.error !== undefined ? u.error : cur.error,
      updated_at: Date.now(),
    });
  }

  running(): SweepRow[] {
    return this.s.running.all() as SweepRow[];
  }

  /** A sweep whose process is gone: its unfinished trials and itself fail with `why`. */
  interrupt(id: string, why: string): void {
    this.db.transaction(() => {
      this.s.endUnfinishedTrials.run(why, Date.now(), id);
      this.s.end.run('failed', Date.now(), why, id);
    })();
  }

  end(id: string, status: string, error: string | null): void {
    this.db.transaction(() => {
      this.s.cancelQueued.run(Date.now(), id);
      this.s.end.run(status, Date.now(), error, id);
    })();
  }
}

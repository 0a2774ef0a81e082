import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for training runs (migration 006). Every value is a bound parameter. */

export interface TrainingRunRow {
  run_id: string;
  template: string;
  spec_json: string;
  state: string;
  owner_pid: number;
  owner_host: string;
  checkpoint_epoch: number | null;
  backend: string | null;
  error: string | null;
  updated_at: number;
}

export class TrainingRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = lazyStatements(db, {
      upsert: () => db.prepare(
        `INSERT INTO training_runs (run_id, template, spec_json, state, owner_pid, owner_host, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET state = excluded.state, owner_pid = excluded.owner_pid, owner_host = excluded.owner_host,
           error = NULL, updated_at = excluded.updated_at`,
      ),
      get: () => db.prepare('SELECT * FROM training_runs WHERE run_id = ?'),
      setState: () => db.prepare('UPDATE training_runs SET state = ?, error = ?, updated_at = ? WHERE run_id = ?'),
      setCheckpoint: () => db.prepare('UPDATE training_runs SET checkpoint_epoch = ?, updated_at = ? WHERE run_id = ?'),
      setBackend: () => db.prepare('UPDATE training_runs SET backend = ?, updated_at = ? WHERE run_id = ?'),
      unfinished: () => db.prepare("SELECT * FROM training_runs WHERE state IN ('queued', 'running')"),
    });
  }

  /** Records a training (new, or resumed) as queued by this process. */
  begin(runId: string, template: string, specJson: string, pid: number, host: string): void {
    this.s.upsert.run(runId, template, specJson, 'queued', pid, host, Date.now());
  }
  get(runId: string): TrainingRunRow | undefined {
    return this.s.get.get(runId) as TrainingRunRow | undefined;
  }
  setState(runId: string, state: string, error: string | null = null): void {
    this.s.setState.run(state, error, Date.now(), runId);
  }
  setCheckpoint(runId: string, epoch: number): void {
    this.s.setCheckpoint.run(epoch, Date.now(), runId);
  }
  setBackend(runId: string, backend: string): void {
    this.s.setBackend.run(backend, Date.now(), runId);
  }
  /** Trainings still marked queued or running (by this or another process, alive or not). */
  unfinished(): TrainingRunRow[] {
    return this.s.unfinished.all() as TrainingRunRow[];
  }
}

import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for pipelines, their runs, stage jobs, gate decisions and trigger state. Every value is a bound parameter. */

export interface PipelineRow {
  name: string;
  source_path: string | null;
  text: string;
  definition_hash: string;
  created_at: number;
  updated_at: number;
}

export interface PipelineRunRow {
  id: string;
  pipeline: string;
  definition_hash: string;
  definition_json: string;
  base_dir: string;
  trigger: string;
  trigger_detail: string;
  state: string;
  force: number;
  from_stage: string | null;
  resume_of: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  error: string | null;
  owner_pid: number;
  owner_host: string;
}

export interface PipelineJobRow {
  id: string;
  run_id: string;
  pipeline: string;
  position: number;
  stage: string;
  type: string;
  state: string;
  key: string | null;
  why: string;
  inputs_json: string;
  outputs_json: string;
  files_json: string;
  started_at: number | null;
  ended_at: number | null;
  error: string | null;
  log: string;
}

export interface GateDecisionRow {
  id: string;
  pipeline_run: string;
  stage: string;
  model: string;
  alias: string;
  verdict: string;
  reason: string;
  challenger_run: string;
  challenger_evaluation: string | null;
  champion_version: string | null;
  champion_evaluation: string | null;
  data_version: string;
  rows: number;
  rule_json: string;
  numbers_json: string | null;
  created_at: number;
}

export interface FileHashRow {
  path: string;
  size: number;
  mtime_ms: number;
  ino: number;
  hash: string;
}

export class PipelinesRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = lazyStatements(db, {
      upsertPipeline: () => p(
        `INSERT INTO pipelines (name, source_path, text, definition_hash, created_at, updated_at) VALUES (@name, @source_path, @text, @definition_hash, @created_at, @updated_at)
         ON CONFLICT(name) DO UPDATE SET source_path = excluded.source_path, text = excluded.text, definition_hash = excluded.definition_hash, updated_at = excluded.updated_at`,
      ),
      pipeline: () => p(`SELECT * FROM pipelines WHERE name = ?`),
      pipelines: () => p(`SELECT * FROM pipelines ORDER BY name`),
      deletePipeline: () => p(`DELETE FROM pipelines WHERE name = ?`),
      insertRun: () => p(
        `INSERT INTO pipeline_runs (id, pipeline, definition_hash, definition_json, base_dir, trigger, trigger_detail, state, force, from_stage, resume_of, created_at, started_at, ended_at, error, owner_pid, owner_host)
         VALUES (@id, @pipeline, @definition_hash, @definition_json, @base_dir, @trigger, @trigger_detail, @state, @force, @from_stage, @resume_of, @created_at, @started_at, @ended_at, @error, @owner_pid, @owner_host)`,
      ),
      run: () => p(`SELECT * FROM pipeline_runs WHERE id = ?`),
      latestRun: () => p(`SELECT * FROM pipeline_runs WHERE pipeline = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`),
      runs: () => p(`SELECT * FROM pipeline_runs WHERE pipeline = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`),
      unfinishedRuns: () => p(`SELECT * FROM pipeline_runs WHERE state IN ('queued', 'running')`),
      startRun: () => p(`UPDATE pipeline_runs SET state = 'running', started_at = ? WHERE id = ?`),
      endRun: () => p(`UPDATE pipeline_runs SET state = ?, ended_at = ?, error = ? WHERE id = ?`),
      insertJob: () => p(
        `INSERT INTO pipeline_jobs (id, run_id, pipeline, position, stage, type, state, key, why, inputs_json, outputs_json, files_json, started_at, ended_at, error, log)
         VALUES (@id, @run_id, @pipeline, @position, @stage, @type, @state, @key, @why, @inputs_json, @outputs_json, @files_json, @started_at, @ended_at, @error, @log)`,
      ),
      updateJob: () => p(
        `UPDATE pipeline_jobs SET state = @state, key = @key, why = @why, inputs_json = @inputs_json, outputs_json = @outputs_json, files_json = @files_json,
         started_at = @started_at, ended_at = @ended_at, error = @error, log = @log WHERE id = @id`,
      ),
      jobs: () => p(`SELECT * FROM pipeline_jobs WHERE run_id = ? ORDER BY position`),
      failUnfinishedJobs: () => p(`UPDATE pipeline_jobs SET state = CASE WHEN state = 'running' THEN 'failed' ELSE 'skipped' END, error = CASE WHEN state = 'running' THEN ? ELSE error END, ended_at = ? WHERE run_id = ? AND state IN ('pending', 'running')`),
      /** The newest job of a stage whose outputs stand (ran or served from cache). */
      latestDone: () => p(`SELECT * FROM pipeline_jobs WHERE pipeline = ? AND stage = ? AND state IN ('ran', 'cached') ORDER BY ended_at DESC, rowid DESC LIMIT 1`),
      doneByKey: () => p(`SELECT * FROM pipeline_jobs WHERE pipeline = ? AND stage = ? AND key = ? AND state IN ('ran', 'cached') ORDER BY ended_at DESC, rowid DESC LIMIT 1`),
      insertDecision: () => p(
        `INSERT INTO gate_decisions (id, pipeline_run, stage, model, alias, verdict, reason, challenger_run, challenger_evaluation, champion_version, champion_evaluation, data_version, rows, rule_json, numbers_json, created_at)
         VALUES (@id, @pipeline_run, @stage, @model, @alias, @verdict, @reason, @challenger_run, @challenger_evaluation, @champion_version, @champion_evaluation, @data_version, @rows, @rule_json, @numbers_json, @created_at)`,
      ),
      decision: () => p(`SELECT * FROM gate_decisions WHERE id = ?`),
      triggerState: () => p(`SELECT state_json FROM pipeline_trigger_state WHERE pipeline = ? AND trigger_id = ?`),
      setTriggerState: () => p(
        `INSERT INTO pipeline_trigger_state (pipeline, trigger_id, state_json) VALUES (?, ?, ?) ON CONFLICT(pipeline, trigger_id) DO UPDATE SET state_json = excluded.state_json`,
      ),
      fileHash: () => p(`SELECT * FROM pipeline_file_hashes WHERE path = ?`),
      setFileHash: () => p(
        `INSERT INTO pipeline_file_hashes (path, size, mtime_ms, ino, hash) VALUES (@path, @size, @mtime_ms, @ino, @hash)
         ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, ino = excluded.ino, hash = excluded.hash`,
      ),
      addLineage: () => p(`INSERT OR IGNORE INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
    });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  upsertPipeline(r: PipelineRow): void {
    this.s.upsertPipeline.run(r);
  }
  pipeline(name: string): PipelineRow | undefined {
    return this.s.pipeline.get(name) as PipelineRow | undefined;
  }
  pipelines(): PipelineRow[] {
    return this.s.pipelines.all() as PipelineRow[];
  }
  deletePipeline(name: string): boolean {
    return this.s.deletePipeline.run(name).changes > 0;
  }

  insertRun(r: PipelineRunRow): void {
    this.s.insertRun.run(r);
  }
  run(id: string): PipelineRunRow | undefined {
    return this.s.run.get(id) as PipelineRunRow | undefined;
  }
  latestRun(pipeline: string): PipelineRunRow | undefined {
    return this.s.latestRun.get(pipeline) as PipelineRunRow | undefined;
  }
  runs(pipeline: string, limit: number): PipelineRunRow[] {
    return this.s.runs.all(pipeline, limit) as PipelineRunRow[];
  }
  unfinishedRuns(): PipelineRunRow[] {
    return this.s.unfinishedRuns.all() as PipelineRunRow[];
  }
  startRun(id: string, at: number): void {
    this.s.startRun.run(at, id);
  }
  endRun(id: string, state: string, at: number, error: string | null): void {
    this.s.endRun.run(state, at, error, id);
  }

  insertJob(r: PipelineJobRow): void {
    this.s.insertJob.run(r);
  }
  updateJob(r: PipelineJobRow): void {
    this.s.updateJob.run(r);
  }
  jobs(runId: string): PipelineJobRow[] {
    return this.s.jobs.all(runId) as PipelineJobRow[];
  }
  failUnfinishedJobs(runId: string, error: string, at: number): void {
    this.s.failUnfinishedJobs.run(error, at, runId);
  }
  latestDone(pipeline: string, stage: string): PipelineJobRow | undefined {
    return this.s.latestDone.get(pipeline, stage) as PipelineJobRow | undefined;
  }
  doneByKey(pipeline: string, stage: string, key: string): PipelineJobRow | undefined {
    return this.s.doneByKey.get(pipeline, stage, key) as PipelineJobRow | undefined;
  }

  insertDecision(r: GateDecisionRow): void {
    this.s.insertDecision.run(r);
  }
  decision(id: string): GateDecisionRow | undefined {
    return this.s.decision.get(id) as GateDecisionRow | undefined;
  }

  triggerState<T>(pipeline: string, triggerId: string): T | undefined {
    const row = this.s.triggerState.get(pipeline, triggerId) as { state_json: string } | undefined;
    return row ? (JSON.parse(row.state_json) as T) : undefined;
  }
  setTriggerState(pipeline: string, triggerId: string, state: unknown): void {
    this.s.setTriggerState.run(pipeline, triggerId, JSON.stringify(state));
  }

  fileHash(path: string): FileHashRow | undefined {
    return this.s.fileHash.get(path) as FileHashRow | undefined;
  }
  setFileHash(r: FileHashRow): void {
    this.s.setFileHash.run(r);
  }

  addLineage(fromKind: string, fromId: string, toKind: string, toId: string, relation: string): void {
    this.s.addLineage.run(fromKind, fromId, toKind, toId, relation, new Date().toISOString());
  }
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cron } from 'croner';
import { LatheError } from '../../../shared/errors';
import type {
  DefinitionIssue,
  GateDecision,
  PipelineDetail,
  PipelineRun,
  PipelineRunState,
  PipelineSummary,
  StageExplanation,
  StageJob,
  StageState,
  StageType,
  TriggerKind,
} from '../../../shared/pipelines';
import { PipelinesRepo, type PipelineRow, type PipelineRunRow } from '../db/pipelinesRepo';
import { APP_VERSION } from '../version';
import type { PipelineDeps } from './context';
import { checkPipelineCached as checkPipeline, parsePipeline, type ParsedPipeline } from './definition';
import { FileHashes } from './fileHashes';
import { PipelineRunner } from './runner';
import { PipelineTriggers, type Clock } from './triggers';
import { processAlive } from '../tracking/processIdentity';
import { newId } from '../ids';

/**
 * Pipelines: definitions (stored text), runs (one at a time per pipeline, queued, never doubled by
 * triggers), history, explain and gate decisions. A run whose process died is failed at the next
 * start and can be resumed from its failed stage (the stage cache serves everything before it).
 */

/** Runs this process is executing (a second engine in the same process must not fail them). */
const liveHere = new Set<string>();

export interface Enqueued {
  runId: string;
  done: Promise<void>;
}

export class PipelineService {
  readonly repo: PipelinesRepo;
  private readonly runner: PipelineRunner;
  /** The tail of each pipeline's chain of runs: one at a time per pipeline. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, Enqueued>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly settled = new Map<string, Promise<void>>();
  private closed = false;
  /** Overridable by tests: the code of every built-in stage. */
  codeVersion: string = APP_VERSION;

  constructor(private readonly deps: PipelineDeps) {
    this.repo = new PipelinesRepo(deps.db);
    const files = new FileHashes(this.repo);
    let backend: Promise<string> | null = null;
    this.runner = new PipelineRunner(
      deps,
      this.repo,
      files,
      async () => ({ lathe: this.codeVersion, backend: await (backend ??= deps.training.status().then((s) => s.active)) }),
      (runId, stage, state) => this.changed(runId, stage, state),
    );
    this.markInterrupted();
  }

  private changed(runId: string, stage?: string, state?: StageState): void {
    if (this.closed) return;
    const run = this.repo.run(runId);
    if (run) this.deps.events.emit('pipelines.changed', { name: run.pipeline, runId, stage, state: state ?? (run.state as PipelineRunState) });
  }

  private markInterrupted(): void {
    const host = os.hostname();
    for (const r of this.repo.unfinishedRuns()) {
      if (liveHere.has(r.id)) continue;
      if (r.owner_host === host && r.owner_pid !== process.pid && processAlive(r.owner_pid)) continue;
      const why = `interrupted: the Lathe process running it (pid ${r.owner_pid} on ${r.owner_host}) stopped before it finished`;
      this.repo.failUnfinishedJobs(r.id, why, Date.now());
      this.repo.endRun(r.id, 'failed', Date.now(), why);
    }
  }

  // Definitions -------------------------------------------------------------------------------------

  check(text: string): { issues: DefinitionIssue[]; definitionHash: string | null } {
    const { parsed, issues } = checkPipeline(text);
    return { issues, definitionHash: parsed?.hash ?? null };
  }

  save(text: string, sourcePath?: string): PipelineDetail {
    const parsed = parsePipeline(text, sourcePath ? path.basename(sourcePath) : 'pipeline.yaml');
    const name = parsed.definition.name;
    const now = Date.now();
    const known = this.repo.pipeline(name);
    this.repo.upsertPipeline({
      name,
      source_path: sourcePath ? path.resolve(sourcePath) : (known?.source_path ?? null),
      text,
      definition_hash: parsed.hash,
      created_at: known?.created_at ?? now,
      updated_at: now,
    });
    this.deps.events.emit('pipelines.changed', { name });
    return this.get(name);
  }

  /** `lathe pipeline run <file>`: the file is stored (a changed file updates the pipeline) first. */
  saveFile(file: string): PipelineDetail {
    const abs = path.resolve(file);
    let text: string;
    try {
      text = fs.readFileSync(abs, 'utf8');
    } catch {
      throw new LatheError('NOT_FOUND', `There is no pipeline file at ${abs}`, { where: file });
    }
    return this.save(text, abs);
  }

  private row(name: string): PipelineRow {
    const row = this.repo.pipeline(name);
    if (row) return row;
    const known = this.repo.pipelines().map((p) => p.name);
    throw new LatheError('NOT_FOUND', `There is no pipeline named "${name}"`, {
      where: name,
      hint: known.length ? `Pipelines: ${known.join(', ')}` : 'Add one: lathe pipeline run <file.yaml>',
    });
  }

  parsed(name: string): ParsedPipeline {
    const row = this.row(name);
    return parsePipeline(row.text, row.source_path ? path.basename(row.source_path) : `${name}.yaml`);
  }

  private baseDir(row: PipelineRow): string {
    return row.source_path ? path.dirname(row.source_path) : path.join(this.deps.home, 'pipelines', row.name);
  }

  private summary(row: PipelineRow, parsed: ParsedPipeline | null): PipelineSummary {
    const last = this.repo.latestRun(row.name);
    const def = parsed?.definition;
    return {
      name: row.name,
      sourcePath: row.source_path,
      definitionHash: row.definition_hash,
      description: def?.description ?? '',
      stages: parsed ? parsed.order.map((s) => ({ name: s, type: def!.stages[s].type as StageType, needs: parsed.needs[s] })) : [],
      triggers: def?.triggers ?? [],
      nextRunAt: parsed ? nextScheduled(parsed, Date.now()) : null,
      lastRun: last ? { id: last.id, state: last.state as PipelineRunState, trigger: last.trigger as PipelineRun['trigger'], createdAt: last.created_at, endedAt: last.ended_at } : null,
      updatedAt: row.updated_at,
    };
  }

  list(): PipelineSummary[] {
    return this.repo.pipelines().map((row) => this.summary(row, checkPipeline(row.text).parsed));
  }

  get(name: string): PipelineDetail {
    const row = this.row(name);
    const { parsed, issues } = checkPipeline(row.text);
    return { ...this.summary(row, parsed), text: row.text, issues };
  }

  remove(name: string): { removed: boolean } {
    const removed = this.repo.deletePipeline(name);
    if (removed) this.deps.events.emit('pipelines.changed', { name });
    return { removed };
  }

  // Runs --------------------------------------------------------------------------------------------

  /**
   * Queues a run. Triggers coalesce: while a triggered run of the pipeline still waits to start,
   * another trigger joins it instead of queueing a second one.
   */
  enqueue(name: string, trigger: TriggerKind | 'resume', detail: string, opts: { force?: boolean; from?: string; resumeOf?: string } = {}): Enqueued {
    if (this.closed) throw new LatheError('CONFLICT', 'Lathe is closing; the pipeline was not started');
    const row = this.row(name);
    const waiting = this.pending.get(name);
    if (waiting && trigger !== 'manual' && trigger !== 'resume') return waiting;
    const resumed = opts.resumeOf ? this.repo.run(opts.resumeOf) : undefined;
    const parsed = resumed ? parsePipeline(resumed.definition_json) : this.parsed(name);
    if (opts.from && !parsed.definition.stages[opts.from]) {
      throw new LatheError('INVALID_INPUT', `--from ${opts.from}: pipeline ${name} has no such stage`, { where: 'from', hint: `Stages: ${parsed.order.join(', ')}` });
    }
    const run: PipelineRunRow = {
      id: newId(),
      pipeline: name,
      definition_hash: parsed.hash,
      definition_json: resumed ? resumed.definition_json : row.text,
      base_dir: resumed ? resumed.base_dir : this.baseDir(row),
      trigger,
      trigger_detail: detail.slice(0, 2000),
      state: 'queued',
      force: opts.force ? 1 : 0,
      from_stage: opts.from ?? null,
      resume_of: opts.resumeOf ?? null,
      created_at: Date.now(),
      started_at: null,
      ended_at: null,
      error: null,
      owner_pid: process.pid,
      owner_host: os.hostname(),
    };
    this.repo.insertRun(run);
    liveHere.add(run.id);
    const controller = new AbortController();
    this.controllers.set(run.id, controller);
    const prev = this.chains.get(name) ?? Promise.resolve();
    const entry: Enqueued = { runId: run.id, done: Promise.resolve() };
    const done = prev.then(async () => {
      if (this.pending.get(name) === entry) this.pending.delete(name);
      if (this.closed) return;
      try {
        await this.runner.execute(run, parsed, { force: !!opts.force, from: opts.from ?? null }, controller.signal);
      } catch (e) {
        if (!this.closed) this.repo.endRun(run.id, 'failed', Date.now(), (e as Error).message);
      } finally {
        liveHere.delete(run.id);
        this.controllers.delete(run.id);
      }
    });
    entry.done = done;
    this.chains.set(name, done);
    this.settled.set(run.id, done);
    if (trigger !== 'manual' && trigger !== 'resume') this.pending.set(name, entry);
    this.changed(run.id);
    return entry;
  }

  async run(name: string, opts: { force: boolean; from?: string; wait: boolean }): Promise<PipelineRun> {
    const q = this.enqueue(name, 'manual', 'run now', opts);
    if (opts.wait) await q.done;
    return this.status(q.runId);
  }

  async resume(runId: string, wait: boolean): Promise<PipelineRun> {
    const r = this.runRow(runId);
    if (r.state !== 'failed' && r.state !== 'cancelled') {
      throw new LatheError('CONFLICT', `Run ${runId} is ${r.state}; only a failed or cancelled run can be resumed`, { where: 'runId' });
    }
    const q = this.enqueue(r.pipeline, 'resume', `resume of ${runId}`, { resumeOf: runId });
    if (wait) await q.done;
    return this.status(q.runId);
  }

  /** Resolves when the run ends (whatever the outcome). */
  async wait(runId: string): Promise<PipelineRun> {
    await this.settled.get(runId);
    return this.status(runId);
  }

  private runRow(id: string): PipelineRunRow {
    const r = this.repo.run(id);
    if (!r) throw new LatheError('NOT_FOUND', `No pipeline run with id ${id}`, { where: 'runId' });
    return r;
  }

  status(runId?: string, name?: string): PipelineRun {
    let r: PipelineRunRow | undefined;
    if (runId) r = this.runRow(runId);
    else if (name) {
      this.row(name);
      r = this.repo.latestRun(name);
      if (!r) throw new LatheError('NOT_FOUND', `Pipeline ${name} has not run yet`, { where: name, hint: `Run it: lathe pipeline run ${name}` });
    } else throw new LatheError('INVALID_INPUT', 'give runId or name', { where: 'runId' });
    return this.toRun(r);
  }

  history(name: string, limit: number): PipelineRun[] {
    this.row(name);
    return this.repo.runs(name, limit).map((r) => this.toRun(r));
  }

  async explain(name: string, opts: { force: boolean; from?: string }): Promise<StageExplanation[]> {
    const row = this.row(name);
    return this.runner.explain({ pipeline: name, base_dir: this.baseDir(row), id: 'explain' }, this.parsed(name), { force: opts.force, from: opts.from ?? null });
  }

  decision(id: string): GateDecision {
    const d = this.repo.decision(id);
    if (!d) throw new LatheError('NOT_FOUND', `No gate decision with id ${id}`, { where: 'id' });
    return {
      id: d.id,
      pipelineRun: d.pipeline_run,
      stage: d.stage,
      model: d.model,
      alias: d.alias,
      verdict: d.verdict as GateDecision['verdict'],
      reason: d.reason,
      challengerRun: d.challenger_run,
      challengerEvaluation: d.challenger_evaluation,
      championVersion: d.champion_version,
      championEvaluation: d.champion_evaluation,
      dataVersion: d.data_version,
      rows: d.rows,
      rule: JSON.parse(d.rule_json) as GateDecision['rule'],
      numbers: d.numbers_json ? (JSON.parse(d.numbers_json) as GateDecision['numbers']) : null,
      createdAt: d.created_at,
    };
  }

  private toRun(r: PipelineRunRow): PipelineRun {
    const stages: StageJob[] = this.repo.jobs(r.id).map((j) => ({
      id: j.id,
      stage: j.stage,
      type: j.type as StageType,
      state: j.state as StageState,
      key: j.key,
      why: j.why,
      inputs: JSON.parse(j.inputs_json) as Record<string, string>,
      outputs: JSON.parse(j.outputs_json) as StageJob['outputs'],
      files: JSON.parse(j.files_json) as Record<string, string>,
      startedAt: j.started_at,
      endedAt: j.ended_at,
      error: j.error,
      log: j.log,
    }));
    return {
      id: r.id,
      pipeline: r.pipeline,
      definitionHash: r.definition_hash,
      trigger: r.trigger as PipelineRun['trigger'],
      triggerDetail: r.trigger_detail,
      state: r.state as PipelineRunState,
      force: r.force === 1,
      fromStage: r.from_stage,
      resumeOf: r.resume_of,
      createdAt: r.created_at,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      error: r.error,
      stages,
    };
  }

  private triggers: PipelineTriggers | null = null;

  /** Triggers fire while the app or `lathe serve` runs (not in one-shot CLI commands). */
  startTriggers(opts: { clock?: Clock; tickMs?: number } = {}): PipelineTriggers {
    this.triggers ??= new PipelineTriggers(this, this.deps, opts.clock);
    this.triggers.start(opts.tickMs);
    return this.triggers;
  }

  /** Stops running stages; runs not finished are failed as interrupted (resumable). */
  close(): void {
    this.triggers?.stop();
    for (const c of this.controllers.values()) c.abort();
    for (const id of liveHere) {
      const r = this.repo.run(id);
      if (!r || (r.state !== 'running' && r.state !== 'queued')) continue;
      const why = 'interrupted: Lathe stopped before the run finished';
      this.repo.failUnfinishedJobs(id, why, Date.now());
      this.repo.endRun(id, 'failed', Date.now(), why);
      liveHere.delete(id);
    }
    this.closed = true;
  }
}

/** The next time any schedule trigger of a pipeline fires after `now` (null without one). */
export function nextScheduled(parsed: ParsedPipeline, now: number): number | null {
  let next: number | null = null;
  for (const t of parsed.definition.triggers) {
    if (t.kind !== 'schedule') continue;
    const at = new Cron(t.cron, { paused: true, timezone: t.timezone }).nextRun(new Date(now))?.getTime() ?? null;
    if (at !== null && (next === null || at < next)) next = at;
  }
  return next;
}

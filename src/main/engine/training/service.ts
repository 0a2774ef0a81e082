import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { TableProfile, ImageProfile } from '../../../shared/datasets';
import { LatheError, toLatheError } from '../../../shared/errors';
import {
  describeTemplates,
  MODEL_FORMAT,
  type BackendName,
  type ComputeStatus,
  type JobInfo,
  type JobQueueStatus,
  type ModelSignature,
  type TaskSuggestion,
  type TemplateDescription,
  type TrainingSpec,
  type TrainingStarted,
  TRAINING_HINTS_TAG,
  trainingSpecSchema,
} from '../../../shared/training';
import { backendFromEnv, selectBackend } from '../compute/backend';
import { defaultWorkerCount, JobQueue } from '../compute/jobQueue';
import type { Db } from '../db/connection';
import { DatasetsRepo } from '../db/datasetsRepo';
import { SplitsRepo } from '../db/splitsRepo';
import { TrainingRepo } from '../db/trainingRepo';
import { VersionReader } from '../datasets/versionReader';
import type { EventBus } from '../events';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import { captureEnvironment } from '../tracking/environment';
import { checkModelSize } from './architecture';
import { resolveBudget } from './budget';
import { startCrossValidation } from './crossValidation';
import { planData, resolveVersion, type DataContext, type DataPlan } from './data';
import { MODEL_DIR, readModelFiles, writeModelArtifacts, type SerializedModel } from './modelArtifact';
import { suggestForTable } from './suggest';
import type { PreparedData, TrainJobInput, TrainJobOutput, TrainMessage, TrainWorkerInput } from './trainer';
import { processAlive } from '../tracking/processIdentity';

/** Artifacts every training run keeps beside its model. */
export const SPEC_ARTIFACT = 'training/spec.json';
export const SPLIT_ARTIFACT = 'training/split.json';
export const checkpointDir = (epoch: number) => `checkpoints/epoch-${epoch}`;

/** Trainings owned by this process (any engine in it): never "interrupted" while one of them runs. */
const liveHere = new Set<string>();

/**
 * Flattens a spec into run params (strings, written once): what the runs table filters and compares.
 * The split's row counts (`split.*_rows`) follow when the job's worker has read the data.
 */
function specParams(spec: TrainingSpec, plan: DataPlan): Record<string, string> {
  const p: Record<string, string> = {
    template: spec.template,
    task: plan.task,
    target: plan.target,
    data: spec.data,
    data_version: plan.version.id,
    features: JSON.stringify(plan.inputs.kind === 'table' ? plan.inputs.columns.map((c) => c.name) : ['image']).slice(0, 6000),
    'split.kind': spec.split.kind,
  };
  if (spec.split.kind === 'fraction') {
    Object.assign(p, { 'split.seed': String(spec.split.seed), 'split.fractions': `${spec.split.train}/${spec.split.validation}/${spec.split.test}`, 'split.stratified': String(spec.split.stratify && plan.task === 'classification') });
    if (spec.split.fold) Object.assign(p, { 'split.folds': String(spec.split.fold.folds), 'split.fold': String(spec.split.fold.index) });
  } else p['split.column'] = spec.split.column;
  for (const [k, v] of Object.entries(spec.hyperparameters)) p[k] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  return p;
}

interface Deps {
  db: Db;
  store: ObjectStore;
  events: EventBus;
  tracking: Tracking;
  /** The better-sqlite3 binary the engine opened the database with (Electron's ABI); workers open it too. */
  nativeBinding?: string;
}

/**
 * Training: checks the spec against the data's profile on the main thread (no rows read), creates the
 * tracked run, queues the job on the compute queue and, while a worker prepares the data and trains, writes what it streams (metrics, batched through the
 * tracking logger; checkpoints; the final model) and emits `training.jobs` and `training.progress`.
 */
/**
 * wasm threads for one job. TF.js's wasm backend starts one thread per core in every worker, so N jobs
 * side by side would run N x cores threads: each gets the cores shared among the jobs that run beside
 * it (`side`, at most the pool's slots), at least one.
 */
export function wasmThreads(slots: number, side?: number, cores = os.availableParallelism?.() ?? os.cpus().length): number {
  const together = Math.max(1, Math.min(slots, side ?? slots));
  return Math.max(1, Math.floor(cores / together));
}

export class TrainingService {
  readonly queue: JobQueue;
  private readonly repo: TrainingRepo;
  private readonly splits: SplitsRepo;
  private readonly data: DataContext;
  private pin: BackendName | null = backendFromEnv();
  /** False once the backend is known to run no wasm threads here (Node: WASM_HAS_MULTITHREAD_SUPPORT is false). */
  private threadsMatter = true;
  private readonly threads = new Map<string, Worker>();
  private readonly done = new Map<string, Promise<unknown>>();
  private readonly crossValidations = new Map<string, Promise<void>>();
  /** Set by close(): the database is going away, so late worker messages and endings write nothing. */
  private closed = false;

  constructor(private readonly deps: Deps) {
    this.repo = new TrainingRepo(deps.db);
    this.splits = new SplitsRepo(deps.db);
    const repo = new DatasetsRepo(deps.db);
    this.data = { repo, reader: new VersionReader(deps.store, repo), store: deps.store };
    this.queue = new JobQueue(defaultWorkerCount(), (job) => deps.events.emit('training.jobs', { job }));
    this.markInterrupted();
  }

  /**
   * A training left queued or running by a process that is gone (crash, kill, power loss) fails now
   * as "interrupted"; `training.resume` continues it from its last checkpoint.
   */
  private markInterrupted(): void {
    const host = os.hostname();
    for (const row of this.repo.unfinished()) {
      if (liveHere.has(row.run_id)) continue;
      if (row.owner_host === host && row.owner_pid !== process.pid && processAlive(row.owner_pid)) continue;
      const why = `interrupted: the Lathe process training it (pid ${row.owner_pid} on ${row.owner_host}) stopped before it finished`;
      this.repo.setState(row.run_id, 'failed', why);
      const run = this.deps.tracking.repo.runState(row.run_id);
      if (run && run.status === 'running') {
        this.deps.tracking.runs.setTags(row.run_id, { 'training.error': why }, []);
        this.deps.tracking.runs.update({ id: row.run_id, status: 'failed' });
      }
    }
  }

  templates(): TemplateDescription[] {
    return describeTemplates();
  }

  suggest(ref: string, target: string | undefined): TaskSuggestion {
    const { version } = resolveVersion(this.data, ref);
    const profile = JSON.parse(version.profile_json) as TableProfile | ImageProfile;
    if (profile.kind === 'images') {
      return {
        target: 'class',
        task: 'classification',
        reason: 'an image folder: one class per subfolder',
        features: ['image'],
        excluded: [],
        template: 'image-cnn',
        classes: profile.classes.map((c) => ({ value: c.name, count: c.count })),
      };
    }
    if (target === undefined) throw new LatheError('INVALID_INPUT', 'Name the target column to get a suggestion for', { where: 'target' });
    return suggestForTable(profile, target);
  }

  /**
   * Checks that depend on both the data and the spec (zod already checked each value's range). The
   * model size is checked against the plan's input size bound; the worker checks the exact one again.
   */
  private check(spec: TrainingSpec, data: DataPlan): void {
    const hp = spec.hyperparameters;
    if (hp.monitor === 'val_acc' && data.task !== 'classification') {
      throw new LatheError('INVALID_INPUT', 'monitor val_acc needs a classification task', { where: 'hyperparameters.monitor', hint: 'Use val_loss or val_rmse.' });
    }
    if (hp.monitor === 'val_rmse' && data.task !== 'regression') {
      throw new LatheError('INVALID_INPUT', 'monitor val_rmse needs a regression task', { where: 'hyperparameters.monitor', hint: 'Use val_loss or val_acc.' });
    }
    checkModelSize(spec, { input: data.inputShape, outputSize: data.outputSize, task: data.task });
  }

  /**
   * `side` is how many jobs the caller runs side by side (a sweep's parallelism): the job's wasm
   * threads are the cores shared among that many (a lone sweep trial gets every core, each of two
   * parallel ones half); without it, among the pool's slots.
   */
  async start(raw: TrainingSpec, opts: { priority?: number; kind?: 'train' | 'trial'; rerunOf?: string; tags?: Record<string, string>; side?: number } = {}): Promise<TrainingStarted> {
    const parsed = trainingSpecSchema.parse(raw);
    if (parsed.crossValidation) {
      const cv = await startCrossValidation({ tracking: this.deps.tracking, start: (s, o) => this.start(s, o), wait: (id) => this.wait(id) }, parsed, opts.priority ?? 0);
      this.crossValidations.set(cv.runId, cv.done);
      const { done: _done, ...started } = cv;
      return started;
    }
    const { version } = resolveVersion(this.data, parsed.data);
    const { spec, auto } = resolveBudget(parsed, version.format === 'images' ? version.file_count : version.row_count);
    const data = planData(this.data, spec);
    this.check(spec, data);
    const runs = this.deps.tracking.runs;
    const status = await this.status();
    const run = runs.create({
      experiment: spec.experiment,
      name: spec.name,
      source: 'built-in',
      notes: '',
      params: { ...specParams(spec, data), ...(auto ? { 'training.epochs_auto': 'true' } : {}) },
      tags: { 'lathe.template': spec.template, 'lathe.task': data.task, ...(opts.rerunOf ? { 'training.rerun_of': opts.rerunOf } : {}), ...opts.tags },
      environment: { ...captureEnvironment({ backend: status.active }) },
      inputs: [data.version.id],
    });
    runs.artifacts.putBuffer(run.id, SPEC_ARTIFACT, Buffer.from(JSON.stringify(spec, null, 2)));
    this.repo.begin(run.id, spec.template, JSON.stringify(spec), process.pid, os.hostname());
    const jobId = this.submit(run.id, spec, data, null, null, opts.priority ?? 0, opts.kind ?? 'train', opts.side);
    return { runId: run.id, jobId };
  }

  /** Repeats a trained run's spec as a new run (same data version ref, seed and hyperparameters). */
  async rerun(runId: string, priority = 0): Promise<TrainingStarted> {
    return this.start(this.specOf(runId), { priority, rerunOf: runId });
  }

  specOf(runId: string): TrainingSpec {
    const row = this.repo.get(runId);
    if (!row) {
      this.deps.tracking.runs.requireRun(runId);
      throw new LatheError('INVALID_INPUT', `Run ${runId} was not trained by Lathe; there is no spec to repeat`, { where: 'runId' });
    }
    return trainingSpecSchema.parse(JSON.parse(row.spec_json));
  }

  /** Continues a failed (interrupted) or killed run from its last checkpoint, in the same run. */
  async resume(runId: string, priority = 0): Promise<TrainingStarted> {
    const spec = this.specOf(runId);
    const row = this.repo.get(runId)!;
    const runs = this.deps.tracking.runs;
    const run = runs.get(runId);
    if (run.status === 'running' || row.state === 'queued' || row.state === 'running') {
      throw new LatheError('CONFLICT', `Run ${runId} is still training`, { where: 'runId' });
    }
    if (run.status === 'finished') throw new LatheError('INVALID_INPUT', `Run ${runId} finished; there is nothing to resume`, { where: 'runId', hint: 'Use rerun to train it again.' });
    if (row.checkpoint_epoch === null) {
      throw new LatheError('INVALID_INPUT', `Run ${runId} has no checkpoint to resume from`, { where: 'runId', hint: 'Re-run it instead (`lathe train --from <run>`).' });
    }
    const ckpt = readModelFiles(runs.artifacts, runId, checkpointDir(row.checkpoint_epoch));
    await this.status(); // the backend, for the warm worker key (start() does the same)
    const data = planData(this.data, spec);
    runs.update({ id: runId, status: 'running' });
    runs.setTags(runId, { 'training.resumed_from_epoch': String(row.checkpoint_epoch) }, ['training.error']);
    this.repo.begin(runId, spec.template, row.spec_json, process.pid, os.hostname());
    const jobId = this.submit(runId, spec, data, ckpt.preprocessing, { model: ckpt.model, epoch: row.checkpoint_epoch }, priority, 'train');
    return { runId, jobId };
  }

  private signature(spec: TrainingSpec, data: PreparedData, runId: string, backend: string): ModelSignature {
    return {
      format: MODEL_FORMAT,
      template: spec.template,
      task: data.task,
      target: data.target,
      inputs: data.inputs,
      labels: data.labels,
      inputSize: data.inputShape.reduce((a, b) => a * b, 1),
      outputSize: data.outputSize,
      dataVersion: data.version.id,
      dataset: data.version.dataset,
      runId,
      backend,
      createdAt: Date.now(),
    };
  }

  private submit(runId: string, spec: TrainingSpec, plan: DataPlan, reuse: TrainWorkerInput['reuse'], resume: TrainJobInput['resume'], priority: number, kind: 'train' | 'trial', side?: number): string {
    const runs = this.deps.tracking.runs;
    const events = this.deps.events;
    const input: TrainWorkerInput = {
      spec,
      source: { home: this.deps.store.home, dbFile: this.deps.db.name, nativeBinding: this.deps.nativeBinding },
      reuse,
      backend: this.pin,
      threads: wasmThreads(this.queue.workers, side),
      resume,
    };
    // What the worker prepared (preprocessing, split, labels): the model files and the run record need it.
    let data: PreparedData | null = null;
    const prepared = (): PreparedData => {
      if (!data) throw new LatheError('INTERNAL', 'The training worker sent a model before its prepared data');
      return data;
    };
    liveHere.add(runId);
    let backend = 'unknown';
    const job = this.queue.submit<TrainJobOutput>({
      kind,
      label: `Train ${spec.template} on ${plan.version.dataset}@v${plan.version.number}`,
      runId,
      priority,
      run: async (ctx) => {
        this.repo.setState(runId, 'running');
        const logger = runs.logger(runId);
        const onMessage = (m: TrainMessage) => {
          if (this.closed) return;
          if (m.type === 'metrics') for (const p of m.points) logger.log(p.key, p.value, p.step);
          else if (m.type === 'prepared') {
            data = m.data;
            if (reuse) return; // resume: the split and its record are the run's already
            this.recordSplit(runId, m.data);
            runs.logParams(runId, { 'split.train_rows': String(m.data.split.train), 'split.validation_rows': String(m.data.split.validation), 'split.test_rows': String(m.data.split.test) });
          }
          else if (m.type === 'progress') {
            ctx.progress(m.progress);
            events.emit('training.progress', { jobId: ctx.id, runId, progress: m.progress });
          } else if (m.type === 'backend') {
            backend = m.active;
            this.repo.setBackend(runId, m.active);
            runs.setEnvironment(runId, { ...runs.get(runId).environment, backend: m.active });
            runs.setTags(runId, { 'lathe.backend': m.active, 'lathe.device': m.device, 'lathe.worker': String(ctx.slot) }, []);
          } else if (m.type === 'checkpoint') {
            logger.flush();
            this.writeModel(runId, checkpointDir(m.epoch), m.model, spec, prepared(), backend);
            this.repo.setCheckpoint(runId, m.epoch);
          }
        };
        try {
          // A warm worker is reused only with the same backend pin and, where wasm runs threads, the same
          // thread count (fixed when its backend first loaded); without wasm threads the count changes nothing.
          const out = await this.queue.warm.run('train', input, {
            key: `${this.threadsMatter ? input.threads : '-'}|${input.backend ?? ''}`,
            signal: ctx.signal,
            onProgress: onMessage,
            onWorker: (w) => this.threads.set(ctx.id, w),
          });
          if (this.closed) return out;
          logger.flush();
          this.writeModel(runId, MODEL_DIR, out.model, spec, prepared(), backend);
          runs.logParams(runId, { epochs_run: String(out.epochsRun), stopped_early: String(out.stoppedEarly) });
          if (out.hints.length > 0) runs.setTags(runId, { [TRAINING_HINTS_TAG]: JSON.stringify(out.hints) }, []);
          return out;
        } finally {
          if (!this.closed) logger.flush();
          this.threads.delete(ctx.id);
        }
      },
    });
    const settled = job.done.then(
      () => this.end(runId, 'done', 'finished'),
      (e: unknown) => {
        const err = toLatheError(e);
        const cancelled = this.queue.get(job.id)?.state === 'cancelled';
        this.end(runId, cancelled ? 'cancelled' : 'failed', cancelled ? 'killed' : 'failed', cancelled ? null : err.message);
      },
    );
    this.done.set(job.id, settled);
    return job.id;
  }

  /** The split's counts as params and artifact, and its row membership (with its hash) in run_splits. */
  private recordSplit(runId: string, data: PreparedData): void {
    const { membership, ...record } = data.split;
    const m = membership;
    this.splits.put({ runId, versionId: data.version.id, rows: m.rows, encoding: m.encoding, parts: m.parts, sha256: m.sha256, ...m.counts });
    const artifact = { ...record, membership: { encoding: m.encoding, rows: m.rows, sha256: m.sha256 } };
    this.deps.tracking.runs.artifacts.putBuffer(runId, SPLIT_ARTIFACT, Buffer.from(JSON.stringify(artifact, null, 2)));
    this.deps.tracking.runs.logParams(runId, { 'split.sha256': m.sha256 });
  }

  private writeModel(runId: string, dir: string, model: SerializedModel, spec: TrainingSpec, data: PreparedData, backend: string): void {
    writeModelArtifacts(this.deps.tracking.runs.artifacts, runId, dir, { model, preprocessing: data.preprocessing, signature: this.signature(spec, data, runId, backend) });
  }

  private end(runId: string, state: string, status: 'finished' | 'failed' | 'killed', error: string | null = null): void {
    liveHere.delete(runId);
    if (this.closed) return;
    this.repo.setState(runId, state, error);
    const runs = this.deps.tracking.runs;
    if (this.deps.tracking.repo.runState(runId)?.status !== 'running') return;
    if (error) runs.setTags(runId, { 'training.error': error.slice(0, 8000) }, []);
    runs.update({ id: runId, status });
  }

  /** Cross-validation: resolves when its folds (and refit) have finished and the parent run is summarised. */
  async waitCrossValidation(parentRunId: string): Promise<void> {
    const p = this.crossValidations.get(parentRunId);
    if (!p) throw new LatheError('NOT_FOUND', `No cross-validation with parent run "${parentRunId}" in this process`, { where: 'runId' });
    await p;
  }

  /** Resolves once the job and its run's bookkeeping are done (whatever the outcome). */
  async wait(jobId: string): Promise<JobInfo> {
    const p = this.done.get(jobId);
    if (!p) throw new LatheError('NOT_FOUND', `No job with id "${jobId}"`, { where: 'jobId' });
    await p;
    return this.queue.get(jobId)!;
  }

  cancel(ref: { jobId?: string; runId?: string }): JobInfo {
    const id = ref.jobId ?? (ref.runId ? this.queue.byRun(ref.runId)?.id : undefined);
    if (!id) throw new LatheError('NOT_FOUND', `Run ${ref.runId} has no queued or running job`, { where: 'runId' });
    return this.queue.cancel(id);
  }

  jobs(): JobQueueStatus {
    return { workers: this.queue.workers, jobs: this.queue.list() };
  }

  /** Stops a job's worker thread the way a crash would (fault drills and tests): its run fails. */
  async crashWorker(jobId: string): Promise<void> {
    const w = this.threads.get(jobId);
    if (!w) throw new LatheError('NOT_FOUND', `Job ${jobId} has no running worker`, { where: 'jobId' });
    await w.terminate();
  }

  async status(): Promise<ComputeStatus> {
    const sel = await selectBackend(this.pin);
    this.threadsMatter = sel.active !== 'wasm' || sel.device.includes('threads');
    return { active: sel.active, device: sel.device, pinned: this.pin, probes: sel.probes, workers: this.queue.workers };
  }

  async setBackend(backend: BackendName | null | undefined, workers: number | undefined): Promise<ComputeStatus> {
    if (backend !== undefined) this.pin = backend;
    if (workers !== undefined) this.queue.setWorkers(workers);
    return this.status();
  }

  /** Stops every job; runs still training stay marked running and are failed as interrupted at the next start. */
  close(): void {
    this.closed = true;
    for (const j of this.queue.list()) if (j.runId && (j.state === 'queued' || j.state === 'running')) liveHere.delete(j.runId);
    this.queue.close();
  }
}

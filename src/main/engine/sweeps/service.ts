import os from 'node:os';
import type { LatheErrorData } from '../../../shared/errors';
import { LatheError, toLatheError } from '../../../shared/errors';
import { newId } from '../ids';
import {
  sweepSpecSchema,
  TRIAL_STATUSES,
  type ParamValue,
  type Sweep,
  type SweepSpec,
  type SweepStatus,
  type SweepSummary,
  type SweepTrial,
  type TrialStatus,
} from '../../../shared/sweeps';
import { decodeMetricValue } from '../../../shared/tracking';
import { trainingSpecSchema, type JobState, type TrainingSpec } from '../../../shared/training';
import type { Db } from '../db/connection';
import { SweepsRepo, type SweepRow, type TrialRow } from '../db/sweepsRepo';
import type { EventBus } from '../events';
import type { Tracking } from '../tracking';
import { processAlive } from '../tracking/processIdentity';
import { SuccessiveHalving } from './halving';
import { applyAssignment, trialAssignments, type Assignment } from './space';

/**
 * Sweeps: trials of one training spec over a parameter space, run on the training queue a few at a
 * time. Trials are ordinary runs in the sweep's experiment, tagged `sweep.id` / `sweep.trial`. With
 * successive halving, the objective each trial logs per epoch is read as it passes a rung; a trial
 * below the rung's cut is stopped (its run killed, tagged `sweep.pruned=true`).
 */

/** What a sweep needs from training: start a trial, wait for it, stop it. */
export interface TrialRunner {
  /** `side`: how many trials of the sweep run side by side (the trial's share of the cores follows). */
  start(spec: TrainingSpec, opts: { priority: number; side: number }): Promise<{ runId: string; jobId: string }>;
  wait(jobId: string): Promise<{ state: JobState; error: LatheErrorData | null }>;
  cancel(runId: string): void;
}

/** Trials run below interactive trainings on the shared queue. */
const TRIAL_PRIORITY = -1;

interface Active {
  id: string;
  spec: SweepSpec;
  specs: TrainingSpec[];
  assignments: Assignment[];
  halving: SuccessiveHalving | null;
  next: number;
  running: Map<number, { runId: string; jobId: string }>;
  byRun: Map<string, number>;
  pruned: Set<number>;
  cancelled: boolean;
  finished: Promise<void>;
  resolve: () => void;
  /** Trials whose rung checks are in flight (one at a time per trial). */
  checking: Set<number>;
}

const TERMINAL = new Set<TrialStatus>(['finished', 'pruned', 'failed', 'cancelled']);

export class SweepService {
  readonly repo: SweepsRepo;
  private readonly active = new Map<string, Active>();
  private readonly unsubscribe: () => void;

  constructor(
    db: Db,
    private readonly tracking: Tracking,
    private readonly events: EventBus,
    private readonly runner: () => TrialRunner,
  ) {
    this.repo = new SweepsRepo(db);
    this.markInterrupted();
    this.unsubscribe = events.on('runs.metrics', (d) => {
      if (this.active.size === 0) return;
      for (const a of this.active.values()) {
        const trial = a.byRun.get(d.runId);
        if (trial === undefined || !a.halving || !d.keys.includes(a.spec.objective.metric)) continue;
        const step = d.step[a.spec.objective.metric];
        // Not inside the listener: the event is emitted from a metrics flush, and a rung check reads
        // metrics, writes the trial and may cancel a job. Right after the flush, with failures reported.
        queueMicrotask(() => this.checkRungsReported(a, trial, d.runId, step));
      }
    });
  }

  private checkRungsReported(a: Active, trial: number, runId: string, step: number | undefined): void {
    if (this.closed) return;
    try {
      this.checkRungs(a, trial, runId, step);
    } catch (error) {
      console.error(`lathe: sweep ${a.id}, trial ${trial} (run ${runId}): the rung check at step ${step} failed:`, error);
    }
  }

  /** Set by close(): the database is going away, so trials ending late write nothing. */
  private closed = false;

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const a of this.active.values()) a.resolve();
    this.active.clear();
  }

  /**
   * A sweep lives in the process that started it. One left running by a process that is gone (crash,
   * kill, Ctrl-C twice) fails now as interrupted; its trials' runs are ended by training's own check.
   */
  private markInterrupted(): void {
    const host = os.hostname();
    for (const row of this.repo.running()) {
      if (this.active.has(row.id)) continue;
      if (row.owner_host === host && row.owner_pid !== process.pid && processAlive(row.owner_pid)) continue;
      this.repo.interrupt(row.id, `interrupted: the Lathe process running it (pid ${row.owner_pid} on ${row.owner_host}) stopped before it finished`);
    }
  }

  /** Expands the trials and checks every trial's spec before anything runs. */
  plan(raw: SweepSpec): { specs: TrainingSpec[]; assignments: Assignment[] } {
    const spec = sweepSpecSchema.parse(raw);
    const assignments = trialAssignments(spec);
    const specs = assignments.map((a, i) => {
      const candidate = applyAssignment(spec.base, a);
      if (spec.pruning?.maxEpochs !== undefined) {
        candidate.hyperparameters = { ...((candidate.hyperparameters as Record<string, unknown>) ?? {}), epochs: spec.pruning.maxEpochs };
      }
      const parsed = trainingSpecSchema.safeParse(candidate);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue.path.join('.');
        throw new LatheError('INVALID_INPUT', `Trial ${i} (${describe(a)}) is not a valid training spec: ${field ? `${field}: ` : ''}${issue.message}`, {
          where: assignments[i] && field in a ? `parameters.${field}` : field ? `base.${field}` : 'base',
        });
      }
      return parsed.data;
    });
    return { specs, assignments };
  }

  start(raw: SweepSpec): Sweep {
    const spec = sweepSpecSchema.parse(raw);
    const { specs, assignments } = this.plan(spec);
    const id = newId();
    const name = spec.name ?? `sweep-${id.slice(0, 8)}`;
    const experimentName = spec.experiment ?? (specs[0].experiment as string | undefined) ?? `sweep ${name}`;
    const experiment = this.tracking.experiments.resolveForRun(undefined, experimentName);
    let halving: SuccessiveHalving | null = null;
    if (spec.pruning) {
      const maxEpochs = spec.pruning.maxEpochs ?? Math.max(...specs.map((s) => s.hyperparameters.epochs));
      halving = new SuccessiveHalving(spec.pruning.minEpochs, maxEpochs, spec.pruning.eta, spec.objective.direction);
    }
    for (let i = 0; i < specs.length; i++) {
      specs[i] = { ...specs[i], experiment: experiment.name, name: `${name} #${i}` };
    }
    this.repo.create(
      { id, name, experimentId: experiment.id, createdAt: Date.now(), spec: JSON.stringify(spec), ownerPid: process.pid, ownerHost: os.hostname() },
      assignments.map((a) => JSON.stringify(a)),
    );
    let resolve!: () => void;
    const finished = new Promise<void>((r) => (resolve = r));
    const a: Active = { id, spec, specs, assignments, halving, next: 0, running: new Map(), byRun: new Map(), pruned: new Set(), cancelled: false, finished, resolve, checking: new Set() };
    this.active.set(id, a);
    this.changed(id, 'running');
    this.pump(a);
    return this.get(id);
  }

  /** Resolves when the sweep has ended (finished, failed or cancelled). */
  async wait(id: string): Promise<Sweep> {
    await this.active.get(id)?.finished;
    return this.get(id);
  }

  cancel(id: string): Sweep {
    const row = this.row(id);
    const a = this.active.get(id);
    if (a) {
      a.cancelled = true;
      for (const [, t] of a.running) {
        try {
          this.runner().cancel(t.runId);
        } catch {
          // already ended
        }
      }
      this.maybeEnd(a);
    } else if (row.status === 'running') {
      // Started by a process that is gone: nothing runs it any more.
      this.repo.end(id, 'cancelled', null);
      this.changed(id, 'cancelled');
    }
    return this.get(id);
  }

  private changed(id: string, status: SweepStatus, trial?: number): void {
    this.events.emit('sweeps.changed', trial === undefined ? { id, status } : { id, status, trial });
  }

  /** Starts queued trials while fewer than `parallelism` run. */
  private pump(a: Active): void {
    while (!a.cancelled && a.running.size < a.spec.parallelism && a.next < a.specs.length) {
      const trial = a.next++;
      a.running.set(trial, { runId: '', jobId: '' });
      void this.runTrial(a, trial);
    }
    this.maybeEnd(a);
  }

  private async runTrial(a: Active, trial: number): Promise<void> {
    let runId: string | null = null;
    try {
      const started = await this.runner().start(a.specs[trial], { priority: TRIAL_PRIORITY, side: Math.min(a.spec.parallelism, a.specs.length) });
      if (this.closed) return;
      runId = started.runId;
      a.running.set(trial, started);
      a.byRun.set(runId, trial);
      this.tracking.runs.setTags(runId, { 'sweep.id': a.id, 'sweep.trial': String(trial), 'sweep.name': a.specs[trial].name ?? '' }, []);
      this.repo.updateTrial(a.id, trial, { runId, status: 'running' });
      this.changed(a.id, 'running', trial);
      if (a.cancelled) this.runner().cancel(runId);
      const outcome = await this.runner().wait(started.jobId);
      if (this.closed) return;
      const status: TrialStatus = a.pruned.has(trial) ? 'pruned' : outcome.state === 'done' ? 'finished' : outcome.state === 'cancelled' ? 'cancelled' : 'failed';
      this.repo.updateTrial(a.id, trial, { status, objective: this.objectiveOf(a, runId), epochs: this.epochsOf(runId), error: status === 'failed' ? (outcome.error?.message ?? 'failed') : null });
    } catch (e) {
      if (this.closed) return;
      const err = toLatheError(e);
      this.repo.updateTrial(a.id, trial, { runId, status: a.cancelled ? 'cancelled' : 'failed', error: err.message });
    } finally {
      if (!this.closed) this.afterTrial(a, trial, runId);
    }
  }

  private afterTrial(a: Active, trial: number, runId: string | null): void {
    a.running.delete(trial);
    if (runId) a.byRun.delete(runId);
    this.changed(a.id, 'running', trial);
    this.pump(a);
  }

  private maybeEnd(a: Active): void {
    if (a.running.size > 0) return;
    if (!a.cancelled && a.next < a.specs.length) return;
    if (!this.active.has(a.id)) return;
    this.active.delete(a.id);
    const trials = this.repo.trials(a.id);
    const anyOk = trials.some((t) => t.status === 'finished' || t.status === 'pruned');
    const status: SweepStatus = a.cancelled ? 'cancelled' : anyOk ? 'finished' : 'failed';
    const error = status === 'failed' ? `every trial failed${trials[0]?.error ? `; the first: ${trials[0].error}` : ''}` : null;
    this.repo.end(a.id, status, error);
    this.changed(a.id, status);
    a.resolve();
  }

  /** The objective of a trial's run: its best value over the epochs (min or max by direction). */
  private objectiveOf(a: Active, runId: string): number | null {
    const m = this.tracking.runs.get(runId).metrics[a.spec.objective.metric];
    if (!m) return null;
    const v = decodeMetricValue(a.spec.objective.direction === 'minimize' ? m.min : m.max);
    return v === undefined || !Number.isFinite(v) ? null : v;
  }

  private epochsOf(runId: string): number {
    const ms = this.tracking.runs.get(runId).metrics;
    const epochs = ms.loss ?? ms.val_loss;
    return epochs ? epochs.step : 0;
  }

  /**
   * A trial logged its objective up to `step` (epochs are 1-based steps): judge it at every rung it
   * has passed, with the value logged exactly at that rung.
   */
  private checkRungs(a: Active, trial: number, runId: string, step: number | undefined): void {
    const halving = a.halving;
    if (!halving || step === undefined || a.pruned.has(trial) || a.checking.has(trial)) return;
    const pending = halving.pendingRungs(trial, step);
    if (pending.length === 0) return;
    a.checking.add(trial);
    try {
      for (const epoch of pending) {
        const h = this.tracking.runs.metricHistory({ runId, key: a.spec.objective.metric, stepFrom: epoch, stepTo: epoch });
        const value = h.values.length ? (decodeMetricValue(h.values[h.values.length - 1]) ?? NaN) : NaN;
        const decision = halving.report(trial, epoch, value);
        this.repo.updateTrial(a.id, trial, { rung: halving.rungOf(trial), epochs: epoch, objective: Number.isFinite(value) ? value : null });
        if (decision === 'prune') {
          a.pruned.add(trial);
          this.tracking.runs.setTags(runId, { 'sweep.pruned': 'true', 'sweep.pruned_at_epoch': String(epoch) }, []);
          this.repo.updateTrial(a.id, trial, { status: 'pruned' });
          try {
            this.runner().cancel(runId);
          } catch {
            // it ended meanwhile
          }
          this.changed(a.id, 'running', trial);
          break;
        }
      }
    } finally {
      a.checking.delete(trial);
    }
  }

  // Reading ----------------------------------------------------------------------------------------

  private row(id: string): SweepRow {
    const r = this.repo.get(id);
    if (!r) throw new LatheError('NOT_FOUND', `No sweep with id "${id}"`, { where: 'id' });
    return r;
  }

  private static trial(t: TrialRow): SweepTrial {
    return {
      trial: t.trial,
      runId: t.run_id,
      params: JSON.parse(t.params_json) as Record<string, ParamValue>,
      status: t.status as TrialStatus,
      objective: t.objective,
      epochs: t.epochs,
      rung: t.rung,
      error: t.error,
    };
  }

  private summarise(row: SweepRow, trials: SweepTrial[]): Omit<Sweep, 'trials' | 'spec'> & { spec: SweepSpec } {
    const spec = JSON.parse(row.spec_json) as SweepSpec;
    const counts = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<TrialStatus, number>;
    for (const t of trials) counts[t.status]++;
    const sign = spec.objective.direction === 'minimize' ? 1 : -1;
    const candidates = trials.filter((t) => t.status === 'finished' && t.objective !== null);
    const best = candidates.length ? candidates.reduce((b, t) => (sign * (t.objective as number) < sign * (b.objective as number) ? t : b)) : null;
    return {
      id: row.id,
      name: row.name,
      experimentId: row.experiment_id,
      status: row.status as SweepStatus,
      createdAt: row.created_at,
      endedAt: row.ended_at,
      spec,
      error: row.error,
      best,
      counts,
    };
  }

  get(id: string): Sweep {
    const row = this.row(id);
    const trials = this.repo.trials(id).map(SweepService.trial);
    return { ...this.summarise(row, trials), trials };
  }

  list(limit: number, offset: number): SweepSummary[] {
    const rows = this.repo.list(limit, offset);
    const byId = new Map<string, SweepTrial[]>(rows.map((r) => [r.id, []]));
    for (const t of this.repo.trialsOf(rows.map((r) => r.id))) byId.get(t.sweep_id)?.push(SweepService.trial(t));
    return rows.map((r) => {
      const { spec, ...rest } = this.summarise(r, byId.get(r.id) ?? []);
      return { ...rest, objective: spec.objective, strategy: spec.strategy.kind };
    });
  }

  /** True while any trial of the sweep is not in a final state (for tests and the CLI). */
  isActive(id: string): boolean {
    return this.active.has(id) || this.repo.trials(id).some((t) => !TERMINAL.has(t.status as TrialStatus));
  }
}

function describe(a: Assignment): string {
  return Object.entries(a)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

import { create } from 'zustand';
import type { EvaluationSummary } from '../../shared/evaluation';
import type { MetricHistory, Run } from '../../shared/tracking';
import { ID_PATTERN } from '../../shared/ids';
import type { BackendName, ComputeStatus, JobInfo, JobProgress, TemplateDescription } from '../../shared/training';
import { transport } from '../transport';
import { toasted } from './toastStore';

/** Where the Training screen is. */
export type TrainingView =
  | { kind: 'home' }
  | { kind: 'new' }
  | { kind: 'run'; runId: string }
  | { kind: 'evaluation'; id: string }
  | { kind: 'compare'; ids: string[] }
  | { kind: 'new-sweep' }
  | { kind: 'sweep'; id: string };

import { field, idle, load, pending, type Loadable } from './loadable';

export interface LiveProgress {
  jobId: string;
  progress: JobProgress;
  /** When it arrived (ms), to tell a fresh rate from a stale one. */
  at: number;
}

export interface TrainingState {
  view: TrainingView;
  templates: Loadable<TemplateDescription[]>;
  compute: Loadable<ComputeStatus>;
  jobs: Loadable<{ workers: number; jobs: JobInfo[] }>;
  /** Newest training.progress per run id. */
  progress: Record<string, LiveProgress>;
  /** Runs trained by Lathe, newest first (the home list). */
  recent: Loadable<Run[]>;
  runId: string | null;
  run: Loadable<Run>;
  /** Metric histories of the open run, by key. */
  histories: Record<string, MetricHistory>;
  /** Does the open run have a checkpoint to resume from? null: not known yet. */
  hasCheckpoint: boolean | null;
  evaluations: Loadable<EvaluationSummary[]>;
  /** The newest evaluations of every run (the home list). */
  allEvaluations: Loadable<EvaluationSummary[]>;
  /** Evaluations ticked for a comparison (ids). */
  comparePick: string[];
}

interface TrainingActions {
  show(view: TrainingView): void;
  openRoute(route: string): void;
  loadTemplates(): Promise<void>;
  loadCompute(): Promise<void>;
  /** Pin a backend (null: automatic). */
  setBackend(backend: BackendName | null): Promise<void>;
  loadJobs(): Promise<void>;
  loadRecent(): Promise<void>;
  openRun(runId: string): Promise<void>;
  reloadRun(): Promise<void>;
  loadHistories(keys: string[]): Promise<void>;
  loadEvaluations(): Promise<void>;
  loadAllEvaluations(): Promise<void>;
  cancel(target: { runId?: string; jobId?: string }): Promise<boolean>;
  resume(runId: string): Promise<void>;
  togglePick(id: string): void;
  /** Engine events. */
  jobChanged(job: JobInfo): void;
  progressed(d: { jobId: string; runId: string; progress: JobProgress }): void;
  metricsArrived(runId: string): void;
  runsChanged(runIds: string[]): void;
  evaluationsChanged(runId: string): void;
}

export const initialTrainingState: TrainingState = {
  view: { kind: 'home' },
  templates: idle(),
  compute: idle(),
  jobs: idle(),
  progress: {},
  recent: idle(),
  runId: null,
  run: idle(),
  histories: {},
  hasCheckpoint: null,
  evaluations: idle(),
  allEvaluations: idle(),
  comparePick: [],
};

const ID = ID_PATTERN;

export function trainingRouteOf(v: TrainingView): string {
  switch (v.kind) {
    case 'home':
      return '';
    case 'new':
      return 'new';
    case 'run':
      return `run/${v.runId}`;
    case 'evaluation':
      return `eval/${v.id}`;
    case 'compare':
      return `evals/${v.ids.join(',')}`;
    case 'new-sweep':
      return 'sweeps/new';
    case 'sweep':
      return `sweep/${v.id}`;
  }
}

export function parseTrainingRoute(route: string): TrainingView {
  const [kind, arg = ''] = route.split('/');
  if (kind === 'new') return { kind: 'new' };
  if (kind === 'run' && ID.test(arg)) return { kind: 'run', runId: arg };
  if (kind === 'eval' && ID.test(arg)) return { kind: 'evaluation', id: arg };
  if (kind === 'evals') {
    const ids = arg.split(',').filter((x) => ID.test(x));
    if (ids.length >= 2) return { kind: 'compare', ids: ids.slice(0, 20) };
  }
  if (kind === 'sweeps' && arg === 'new') return { kind: 'new-sweep' };
  if (kind === 'sweep' && ID.test(arg)) return { kind: 'sweep', id: arg };
  return { kind: 'home' };
}

/** Jobs for the queue panel: running, then queued (priority, then age), then the latest few that ended. */
export function orderJobs(jobs: JobInfo[], ended = 6): JobInfo[] {
  const rank = (j: JobInfo) => (j.state === 'running' ? 0 : j.state === 'queued' ? 1 : 2);
  const live = jobs.filter((j) => rank(j) < 2).sort((a, b) => rank(a) - rank(b) || b.priority - a.priority || a.createdAt - b.createdAt);
  const done = jobs
    .filter((j) => rank(j) === 2)
    .sort((a, b) => (b.endedAt ?? b.createdAt) - (a.endedAt ?? a.createdAt))
    .slice(0, ended);
  return [...live, ...done];
}

/** 0..1 through a job: epochs done plus the share of the current epoch's batches. */
export function fractionDone(p: JobProgress | null | undefined): number | null {
  if (!p || p.epochs <= 0) return null;
  const inEpoch = p.batches > 0 ? Math.min(1, p.batch / p.batches) : 0;
  const done = p.epoch >= p.epochs ? p.epochs : Math.max(0, p.epoch - 1) + inEpoch;
  return Math.max(0, Math.min(1, done / p.epochs));
}

/** `1 h 02 min`, `3 min 05 s`, `12 s`. */
export function formatEta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * The charts of a training run from its metric keys: each epoch metric with its validation twin
 * (`loss` + `val_loss`), per-batch series (`batch.*`) on their own, and the learning rate.
 */
export function chartGroups(keys: string[]): { id: string; title: string; keys: string[]; perBatch: boolean }[] {
  const have = new Set(keys);
  const skip = (k: string) => k.startsWith('val_') || k.startsWith('batch.') || k.startsWith('baseline.') || k.startsWith('test_') || k.startsWith('sweep.') || ['best_epoch', 'samples_per_sec', 'lr'].includes(k);
  const epoch = keys
    .filter((k) => !skip(k))
    .sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)))
    .map((k) => ({ id: k, title: have.has(`val_${k}`) ? `${k} · val_${k}` : k, keys: have.has(`val_${k}`) ? [k, `val_${k}`] : [k], perBatch: false }));
  // A validation metric without a training twin still gets a chart.
  const orphans = keys.filter((k) => k.startsWith('val_') && !have.has(k.slice(4))).map((k) => ({ id: k, title: k, keys: [k], perBatch: false }));
  const batch = keys
    .filter((k) => k.startsWith('batch.'))
    .sort()
    .map((k) => ({ id: k, title: `${k} (per batch)`, keys: [k], perBatch: true }));
  const lr = have.has('lr') ? [{ id: 'lr', title: 'learning rate', keys: ['lr'], perBatch: false }] : [];
  return [...epoch, ...orphans, ...batch, ...lr];
}

const HISTORY_POINTS = 1000;

export const useTrainingStore = create<TrainingState & TrainingActions>()((set, get) => ({
  ...initialTrainingState,

  show(view) {
    set({ view });
    if (view.kind === 'home') {
      void get().loadRecent();
      void get().loadJobs();
      void get().loadAllEvaluations();
    }
    if (view.kind === 'run') void get().openRun(view.runId);
  },

  openRoute(route) {
    get().show(parseTrainingRoute(route));
  },

  async loadTemplates() {
    if (get().templates.data) return;
    await load(set, get, field('templates'), () => transport().call('training.templates', {}));
  },

  async loadCompute() {
    await load(set, get, field('compute'), () => transport().call('compute.status', {}));
  },

  async setBackend(backend) {
    await load(set, get, field('compute'), () => transport().call('compute.setBackend', { backend }));
  },

  async loadJobs() {
    await load(set, get, field('jobs'), () => transport().call('training.jobs', {}));
  },

  async loadRecent() {
    const query = { query: 'tags."lathe.template" != ""', orderBy: 'start_time desc' as const, limit: 50 };
    await load(set, get, field('recent'), async () => (await transport().call('runs.search', query)).runs);
  },

  async openRun(runId) {
    if (get().runId !== runId) {
      set({ runId, run: pending(), histories: {}, hasCheckpoint: null, evaluations: idle() });
    }
    await get().reloadRun();
    void get().loadEvaluations();
    if (!get().jobs.data) void get().loadJobs();
  },

  async reloadRun() {
    const runId = get().runId;
    if (!runId) return;
    const data = await load(set, get, field('run'), () => transport().call('runs.get', { id: runId }), { still: (s) => s.runId === runId });
    if (data?.status === 'failed' || data?.status === 'killed') {
      const entries = await transport().call('runs.artifacts.list', { runId, path: '' }).catch(() => []);
      if (get().runId === runId) set({ hasCheckpoint: entries.some((e) => e.isDir && e.path === 'checkpoints') });
    }
  },

  async loadHistories(keys) {
    const runId = get().runId;
    if (!runId) return;
    const got = await Promise.all(
      keys.map((key) =>
        transport()
          .call('runs.metricHistory', { runId, key, maxPoints: HISTORY_POINTS })
          .then((h) => [key, h] as const)
          .catch(() => null),
      ),
    );
    if (get().runId !== runId) return;
    set((s) => {
      const next = { ...s.histories };
      for (const g of got) if (g) next[g[0]] = g[1];
      return { histories: next };
    });
  },

  async loadEvaluations() {
    const runId = get().runId;
    if (!runId) return;
    await load(set, get, field('evaluations'), () => transport().call('evaluation.list', { runId }), { still: (s) => s.runId === runId });
  },

  async loadAllEvaluations() {
    await load(set, get, field('allEvaluations'), () => transport().call('evaluation.list', { limit: 50 }));
  },

  async cancel(target) {
    const job = await toasted(`training.cancel:${target.jobId ?? target.runId}`, () =>
      transport().call('training.cancel', target.jobId ? { jobId: target.jobId } : { runId: target.runId }),
    );
    if (!job) return false;
    get().jobChanged(job);
    if (target.runId && target.runId === get().runId) void get().reloadRun();
    return true;
  },

  async resume(runId) {
    const ok = await toasted(`training.resume:${runId}`, () => transport().call('training.resume', { runId }), () => 'Resumed from the last checkpoint');
    if (!ok) return;
    void get().loadJobs();
    void get().reloadRun();
  },

  togglePick(id) {
    set((s) => ({ comparePick: s.comparePick.includes(id) ? s.comparePick.filter((x) => x !== id) : [...s.comparePick, id].slice(-20) }));
  },

  jobChanged(job) {
    set((s) => {
      const list = s.jobs.data?.jobs ?? [];
      const at = list.findIndex((j) => j.id === job.id);
      const jobs = at >= 0 ? list.map((j, i) => (i === at ? job : j)) : [...list, job];
      const progress = { ...s.progress };
      if (job.runId && job.progress && job.state === 'running') progress[job.runId] = { jobId: job.id, progress: job.progress, at: Date.now() };
      return { jobs: { ...s.jobs, data: { workers: s.jobs.data?.workers ?? 0, jobs } }, progress };
    });
    if (job.runId && job.runId === get().runId && job.state !== 'running' && job.state !== 'queued') void get().reloadRun();
  },

  progressed(d) {
    set((s) => ({ progress: { ...s.progress, [d.runId]: { jobId: d.jobId, progress: d.progress, at: Date.now() } } }));
  },

  metricsArrived(runId) {
    if (runId === get().runId) {
      const keys = Object.keys(get().histories);
      void get().reloadRun();
      if (keys.length) void get().loadHistories(keys);
    }
  },

  runsChanged(runIds) {
    const s = get();
    if (s.runId && runIds.includes(s.runId)) void s.reloadRun();
    if (s.view.kind === 'home') void s.loadRecent();
  },

  evaluationsChanged(runId) {
    if (runId === get().runId) void get().loadEvaluations();
    if (get().view.kind === 'home') void get().loadAllEvaluations();
  },
}));

export const trainingSelectors = {
  /** The job of the open run (newest first), if the queue knows it. */
  jobOf: (s: TrainingState, runId: string | null): JobInfo | null => {
    if (!runId) return null;
    const js = (s.jobs.data?.jobs ?? []).filter((j) => j.runId === runId && j.kind !== 'evaluate');
    return js.sort((a, b) => b.createdAt - a.createdAt)[0] ?? null;
  },
  activeJobs: (s: TrainingState): number => (s.jobs.data?.jobs ?? []).filter((j) => j.state === 'running' || j.state === 'queued').length,
};

import { create } from 'zustand';
import type { ArtifactEntry, ArtifactPreview, MetricHistory, Run, RunComparison } from '../../shared/tracking';
import { transport } from '../transport';

export type RunTab = 'overview' | 'metrics' | 'logs' | 'artifacts';

import { entry, field, idle, load, pending, type Loadable } from './loadable';

/** A zoom window in steps, or null for the whole series. */
export type StepRange = [number, number] | null;

export const historyKey = (runId: string, key: string, maxPoints: number, range: StepRange) => `${runId}|${key}|${maxPoints}|${range ? range.join('-') : ''}`;

export interface RunDetailState {
  runId: string | null;
  run: Loadable<Run>;
  tab: RunTab;
  artifacts: Loadable<ArtifactEntry[]>;
  preview: Loadable<ArtifactPreview>;
  previewPath: string | null;
  /** stdout / stderr of scripts, newest read. */
  logs: Record<string, Loadable<ArtifactPreview>>;
  /** Metric histories by historyKey (shared by run detail and compare). */
  histories: Record<string, Loadable<MetricHistory>>;
  /** Bumps when live metrics arrive so charts re-fetch. */
  liveTick: number;
  compare: Loadable<RunComparison>;
  compareIds: string[];
}

interface RunDetailActions {
  open(runId: string): Promise<void>;
  reload(): Promise<void>;
  setTab(tab: RunTab): void;
  loadArtifacts(): Promise<void>;
  loadPreview(path: string): Promise<void>;
  loadLogs(): Promise<void>;
  loadHistory(runId: string, key: string, maxPoints: number, range: StepRange, force?: boolean): Promise<void>;
  openCompare(ids: string[]): Promise<void>;
  /** An engine event: metrics were written to some runs / some runs changed. */
  metricsArrived(runId: string): void;
  runsChanged(runIds: string[]): void;
}

export const initialRunDetailState: RunDetailState = {
  runId: null,
  run: idle(),
  tab: 'overview',
  artifacts: idle(),
  preview: idle(),
  previewPath: null,
  logs: {},
  histories: {},
  liveTick: 0,
  compare: idle(),
  compareIds: [],
};

export const LOG_FILES = ['stdout.txt', 'stderr.txt'];
const LOG_BYTES = 2 * 1024 * 1024;
const MAX_HISTORIES = 400;

/** The whole artifact tree of a run, folder by folder (runs rarely have more than a few dozen files). */
async function artifactTree(runId: string): Promise<ArtifactEntry[]> {
  const all: ArtifactEntry[] = [];
  const queue = [''];
  while (queue.length && all.length < 2000) {
    const path = queue.shift()!;
    for (const e of await transport().call('runs.artifacts.list', { runId, path })) {
      if (e.isDir) queue.push(e.path);
      else all.push(e);
    }
  }
  return all;
}

/** Bounded: drops the oldest entries (insertion order) when many charts were visited. */
function bounded<T>(record: Record<string, T>, max: number): Record<string, T> {
  const keys = Object.keys(record);
  if (keys.length <= max) return record;
  const next = { ...record };
  for (let i = 0; keys.length - i > max; i++) delete next[keys[i]];
  return next;
}

export const useRunDetailStore = create<RunDetailState & RunDetailActions>()((set, get) => ({
  ...initialRunDetailState,

  async open(runId) {
    if (get().runId !== runId) {
      set({ runId, run: pending(), artifacts: idle(), preview: idle(), previewPath: null, logs: {} });
    }
    await get().reload();
  },

  async reload() {
    const runId = get().runId;
    if (!runId) return;
    await load(set, get, field('run'), () => transport().call('runs.get', { id: runId }), { still: (s) => s.runId === runId });
  },

  setTab(tab) {
    set({ tab });
    if (tab === 'artifacts') void get().loadArtifacts();
    if (tab === 'logs') void get().loadLogs();
  },

  async loadArtifacts() {
    const runId = get().runId;
    if (!runId) return;
    await load(set, get, field('artifacts'), () => artifactTree(runId), { still: (s) => s.runId === runId, dropOnError: true });
  },

  async loadPreview(path) {
    const runId = get().runId;
    if (!runId) return;
    set({ previewPath: path });
    const read = () => transport().call('runs.artifacts.read', { runId, path, maxBytes: 1024 * 1024 });
    await load(set, get, field('preview'), read, { still: (s) => s.previewPath === path, clear: true, dropOnError: true });
  },

  async loadLogs() {
    const runId = get().runId;
    if (!runId) return;
    // No listing (a run without artifacts yet) is no logs, not an error.
    const entries = await transport()
      .call('runs.artifacts.list', { runId, path: '' })
      .catch(() => []);
    const names = entries.filter((e) => !e.isDir && /(^|\/)(stdout|stderr)(\.txt|\.log)?$/.test(e.path)).map((e) => e.path);
    for (const path of names) {
      const read = () => transport().call('runs.artifacts.read', { runId, path, maxBytes: LOG_BYTES });
      await load(set, get, entry('logs', path), read, { still: (s) => s.runId === runId, dropOnError: true });
    }
    if (names.length === 0 && get().runId === runId) set({ logs: {} });
  },

  async loadHistory(runId, key, maxPoints, range, force = false) {
    const k = historyKey(runId, key, maxPoints, range);
    const input = { runId, key, maxPoints, ...(range ? { stepFrom: range[0], stepTo: range[1] } : {}) };
    const data = await load(set, get, entry('histories', k), () => transport().call('runs.metricHistory', input), { reuse: !force, dropOnError: true });
    if (data) set((s) => ({ histories: bounded(s.histories, MAX_HISTORIES) }));
  },

  async openCompare(ids) {
    set({ compareIds: ids });
    await load(set, get, field('compare'), () => transport().call('runs.compare', { ids }), { still: (s) => s.compareIds === ids, dropOnError: true });
  },

  metricsArrived(runId) {
    const s = get();
    if (s.runId === runId || s.compareIds.includes(runId)) {
      set({ liveTick: s.liveTick + 1 });
      if (s.runId === runId) void get().reload();
    }
  },

  runsChanged(runIds) {
    const s = get();
    if (s.runId && runIds.includes(s.runId)) {
      void get().reload();
      if (s.tab === 'logs') void get().loadLogs();
      if (s.tab === 'artifacts') void get().loadArtifacts();
    }
  },
}));

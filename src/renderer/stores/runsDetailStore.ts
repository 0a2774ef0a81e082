import { create } from 'zustand';
import type { ArtifactEntry, ArtifactPreview, MetricHistory, Run, RunComparison } from '../../shared/tracking';
import { toLatheError } from '../../shared/errors';
import { transport } from '../transport';

export type RunTab = 'overview' | 'metrics' | 'logs' | 'artifacts';

import { idle, type Loadable } from './loadable';

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

export const useRunDetailStore = create<RunDetailState & RunDetailActions>()((set, get) => ({
  ...initialRunDetailState,

  async open(runId) {
    if (get().runId !== runId) {
      set({ runId, run: { data: null, loading: true, error: null }, artifacts: idle(), preview: idle(), previewPath: null, logs: {} });
    }
    await get().reload();
  },

  async reload() {
    const runId = get().runId;
    if (!runId) return;
    try {
      const data = await transport().call('runs.get', { id: runId });
      if (get().runId === runId) set({ run: { data, loading: false, error: null } });
    } catch (e) {
      if (get().runId === runId) set((s) => ({ run: { data: s.run.data, loading: false, error: toLatheError(e) } }));
    }
  },

  setTab(tab) {
    set({ tab });
    if (tab === 'artifacts') void get().loadArtifacts();
    if (tab === 'logs') void get().loadLogs();
  },

  async loadArtifacts() {
    const runId = get().runId;
    if (!runId) return;
    set((s) => ({ artifacts: { ...s.artifacts, loading: true } }));
    try {
      // The whole tree, folder by folder (runs rarely have more than a few dozen files).
      const all: ArtifactEntry[] = [];
      const queue = [''];
      while (queue.length && all.length < 2000) {
        const path = queue.shift()!;
        const entries = await transport().call('runs.artifacts.list', { runId, path });
        for (const e of entries) {
          if (e.isDir) queue.push(e.path);
          else all.push(e);
        }
      }
      if (get().runId === runId) set({ artifacts: { data: all, loading: false, error: null } });
    } catch (e) {
      if (get().runId === runId) set({ artifacts: { data: null, loading: false, error: toLatheError(e) } });
    }
  },

  async loadPreview(path) {
    const runId = get().runId;
    if (!runId) return;
    set({ previewPath: path, preview: { data: null, loading: true, error: null } });
    try {
      const data = await transport().call('runs.artifacts.read', { runId, path, maxBytes: 1024 * 1024 });
      if (get().previewPath === path) set({ preview: { data, loading: false, error: null } });
    } catch (e) {
      if (get().previewPath === path) set({ preview: { data: null, loading: false, error: toLatheError(e) } });
    }
  },

  async loadLogs() {
    const runId = get().runId;
    if (!runId) return;
    let names: string[] = [];
    try {
      const entries = await transport().call('runs.artifacts.list', { runId, path: '' });
      names = entries.filter((e) => !e.isDir && /(^|\/)(stdout|stderr)(\.txt|\.log)?$/.test(e.path)).map((e) => e.path);
    } catch {
      names = [];
    }
    for (const path of names) {
      set((s) => ({ logs: { ...s.logs, [path]: { data: s.logs[path]?.data ?? null, loading: true, error: null } } }));
      try {
        const data = await transport().call('runs.artifacts.read', { runId, path, maxBytes: LOG_BYTES });
        if (get().runId === runId) set((s) => ({ logs: { ...s.logs, [path]: { data, loading: false, error: null } } }));
      } catch (e) {
        if (get().runId === runId) set((s) => ({ logs: { ...s.logs, [path]: { data: null, loading: false, error: toLatheError(e) } } }));
      }
    }
    if (names.length === 0 && get().runId === runId) set({ logs: {} });
  },

  async loadHistory(runId, key, maxPoints, range, force = false) {
    const k = historyKey(runId, key, maxPoints, range);
    const have = get().histories[k];
    if (have && !force && (have.data || have.loading)) return;
    set((s) => ({ histories: { ...s.histories, [k]: { data: have?.data ?? null, loading: true, error: null } } }));
    try {
      const data = await transport().call('runs.metricHistory', {
        runId,
        key,
        maxPoints,
        ...(range ? { stepFrom: range[0], stepTo: range[1] } : {}),
      });
      set((s) => {
        const next = { ...s.histories, [k]: { data, loading: false, error: null } };
        const keys = Object.keys(next);
        // Bounded: drop the oldest entries (insertion order) when many charts were visited.
        for (let i = 0; keys.length - i > MAX_HISTORIES; i++) delete next[keys[i]];
        return { histories: next };
      });
    } catch (e) {
      set((s) => ({ histories: { ...s.histories, [k]: { data: null, loading: false, error: toLatheError(e) } } }));
    }
  },

  async openCompare(ids) {
    set({ compareIds: ids, compare: { data: get().compare.data, loading: true, error: null } });
    try {
      const data = await transport().call('runs.compare', { ids });
      if (get().compareIds === ids) set({ compare: { data, loading: false, error: null } });
    } catch (e) {
      if (get().compareIds === ids) set({ compare: { data: null, loading: false, error: toLatheError(e) } });
    }
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

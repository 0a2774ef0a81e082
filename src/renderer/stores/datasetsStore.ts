import { create } from 'zustand';
import type { AddResult, DatasetDiff, DatasetProfile, DatasetSummary, DatasetVersion } from '../../shared/datasets';
import type { ExportResult } from '../../shared/contract';
import { toLatheError } from '../../shared/errors';
import { transport } from '../transport';
import { useToastStore } from './toastStore';

export type VersionTab = 'rows' | 'profile' | 'diff';

import { idle, type Loadable } from './loadable';

export interface DatasetsState {
  list: Loadable<DatasetSummary[]>;
  /** The open dataset (detail view), or null for the list. */
  current: string | null;
  versions: Loadable<DatasetVersion[]>;
  /** Version number shown in the tabs. */
  selected: number | null;
  tab: VersionTab;
  /** Profiles by version id (immutable, so cached for the session). */
  profiles: Record<string, Loadable<DatasetProfile>>;
  /** Up to two version numbers picked for a diff, in pick order. */
  diffPick: number[];
  diff: Loadable<DatasetDiff>;
  diffKey: string | null;
  addOpen: boolean;
}

export const initialDatasetsState: DatasetsState = {
  list: idle(),
  current: null,
  versions: idle(),
  selected: null,
  tab: 'rows',
  profiles: {},
  diffPick: [],
  diff: idle(),
  diffKey: null,
  addOpen: false,
};

export interface AddInput {
  name: string;
  path: string;
  message: string;
  tag?: string;
}

interface DatasetsActions {
  loadList(): Promise<void>;
  open(name: string): Promise<void>;
  close(): void;
  reloadVersions(): Promise<void>;
  select(version: number): void;
  setTab(tab: VersionTab): void;
  loadProfile(v: DatasetVersion): Promise<void>;
  toggleDiffPick(version: number): void;
  runDiff(key?: string | null): Promise<void>;
  setAddOpen(open: boolean): void;
  add(input: AddInput): Promise<AddResult>;
  tag(v: DatasetVersion, tag: string): Promise<void>;
  untag(v: DatasetVersion, tag: string): Promise<void>;
  exportVersion(v: DatasetVersion, out: string): Promise<ExportResult>;
  remove(v: DatasetVersion): Promise<void>;
  /** An engine event said this dataset changed (another door, the CLI, another window). */
  changed(name: string): void;
}

export type DatasetsStore = DatasetsState & DatasetsActions;

export const refOf = (v: Pick<DatasetVersion, 'dataset' | 'number'>) => `${v.dataset}@v${v.number}`;

export const useDatasetsStore = create<DatasetsStore>()((set, get) => ({
  ...initialDatasetsState,

  async loadList() {
    set((s) => ({ list: { ...s.list, loading: true } }));
    try {
      const data = await transport().call('datasets.list', {});
      set({ list: { data, loading: false, error: null } });
    } catch (e) {
      set((s) => ({ list: { data: s.list.data, loading: false, error: toLatheError(e) } }));
    }
  },

  async open(name) {
    if (get().current !== name) {
      set({ current: name, versions: { data: null, loading: true, error: null }, selected: null, tab: 'rows', diffPick: [], diff: idle(), diffKey: null });
    }
    await get().reloadVersions();
  },

  close() {
    set({ current: null, versions: idle(), selected: null, diffPick: [], diff: idle(), diffKey: null });
  },

  async reloadVersions() {
    const name = get().current;
    if (!name) return;
    set((s) => ({ versions: { ...s.versions, loading: true } }));
    try {
      const data = await transport().call('datasets.versions', { name });
      if (get().current !== name) return;
      const selected = get().selected;
      const stillThere = selected !== null && data.some((v) => v.number === selected);
      set({
        versions: { data, loading: false, error: null },
        selected: stillThere ? selected : (data[0]?.number ?? null),
        diffPick: get().diffPick.filter((n) => data.some((v) => v.number === n)),
      });
    } catch (e) {
      if (get().current !== name) return;
      set((s) => ({ versions: { data: s.versions.data, loading: false, error: toLatheError(e) } }));
    }
  },

  select(version) {
    set((s) => ({ selected: version, tab: s.tab === 'diff' ? 'rows' : s.tab }));
  },

  setTab(tab) {
    set({ tab });
  },

  async loadProfile(v) {
    const have = get().profiles[v.id];
    if (have && (have.data || have.loading)) return;
    set((s) => ({ profiles: { ...s.profiles, [v.id]: { data: null, loading: true, error: null } } }));
    try {
      const r = await transport().call('datasets.show', { ref: `${v.dataset}@${v.id}` });
      set((s) => ({ profiles: { ...s.profiles, [v.id]: { data: r.profile, loading: false, error: null } } }));
    } catch (e) {
      set((s) => ({ profiles: { ...s.profiles, [v.id]: { data: null, loading: false, error: toLatheError(e) } } }));
    }
  },

  toggleDiffPick(version) {
    set((s) => {
      if (s.diffPick.includes(version)) return { diffPick: s.diffPick.filter((n) => n !== version) };
      return { diffPick: [...s.diffPick, version].slice(-2) };
    });
  },

  async runDiff(key) {
    const pair = datasetsSelectors.diffPair(get());
    if (!pair) return;
    const k = key === undefined ? get().diffKey : key;
    set({ tab: 'diff', diffKey: k, diff: { data: get().diff.data, loading: true, error: null } });
    try {
      const data = await transport().call('datasets.diff', {
        from: `${pair[0].dataset}@v${pair[0].number}`,
        to: `${pair[1].dataset}@v${pair[1].number}`,
        ...(k ? { key: k } : {}),
      });
      set({ diff: { data, loading: false, error: null } });
    } catch (e) {
      set({ diff: { data: null, loading: false, error: toLatheError(e) } });
    }
  },

  setAddOpen(addOpen) {
    set({ addOpen });
  },

  async add(input) {
    const result = await transport().call('datasets.add', {
      name: input.name,
      path: input.path,
      message: input.message,
      ...(input.tag ? { tag: input.tag } : {}),
    });
    void get().loadList();
    if (get().current === input.name) {
      await get().reloadVersions();
      get().select(result.version.number);
    }
    return result;
  },

  async tag(v, tag) {
    await transport().call('datasets.tag', { ref: refOf(v), tag });
    await get().reloadVersions();
    void get().loadList();
  },

  async untag(v, tag) {
    try {
      await transport().call('datasets.untag', { name: v.dataset, tag });
      await get().reloadVersions();
    } catch (e) {
      useToastStore.getState().error(e);
    }
  },

  exportVersion(v, out) {
    return transport().call('datasets.export', { ref: refOf(v), out });
  },

  async remove(v) {
    await transport().call('datasets.remove', { ref: `${v.dataset}@${v.id}` });
    await get().loadList();
    const left = get().list.data?.find((d) => d.name === v.dataset);
    if (!left || left.versionCount === 0) get().close();
    else await get().reloadVersions();
  },

  changed(name) {
    void get().loadList();
    if (get().current === name) void get().reloadVersions();
  },
}));

/** Derived views of the store; components read through these to stay thin. */
export const datasetsSelectors = {
  selectedVersion: (s: DatasetsState): DatasetVersion | null => s.versions.data?.find((v) => v.number === s.selected) ?? null,
  /** The two picked versions, older first. */
  diffPair: (s: DatasetsState): [DatasetVersion, DatasetVersion] | null => {
    if (s.diffPick.length !== 2 || !s.versions.data) return null;
    const vs = s.diffPick.map((n) => s.versions.data!.find((v) => v.number === n)).filter((v): v is DatasetVersion => !!v);
    if (vs.length !== 2) return null;
    vs.sort((a, b) => a.number - b.number);
    return [vs[0], vs[1]];
  },
  sortedList: (s: DatasetsState): DatasetSummary[] => [...(s.list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
  totalStoredBytes: (s: DatasetsState): number => (s.versions.data ?? []).reduce((t, v) => t + v.storedBytes, 0),
};

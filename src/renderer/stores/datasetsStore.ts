import { create } from 'zustand';
import type { AddResult, DatasetDiff, DatasetProfile, DatasetSummary, DatasetVersion } from '../../shared/datasets';
import type { ExportResult } from '../../shared/contract';
import { transport } from '../transport';
import { toasted } from './toastStore';

export type VersionTab = 'rows' | 'profile' | 'diff';

import { entry, field, idle, load, pending, type Loadable } from './loadable';

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
    await load(set, get, field('list'), () => transport().call('datasets.list', {}));
  },

  async open(name) {
    if (get().current !== name) {
      set({ current: name, versions: pending(), selected: null, tab: 'rows', diffPick: [], diff: idle(), diffKey: null });
    }
    await get().reloadVersions();
  },

  close() {
    set({ current: null, versions: idle(), selected: null, diffPick: [], diff: idle(), diffKey: null });
  },

  async reloadVersions() {
    const name = get().current;
    if (!name) return;
    await load(set, get, field('versions'), () => transport().call('datasets.versions', { name }), {
      still: (s) => s.current === name,
      also: (data, { selected, diffPick }) => ({
        selected: selected !== null && data.some((v) => v.number === selected) ? selected : (data[0]?.number ?? null),
        diffPick: diffPick.filter((n) => data.some((v) => v.number === n)),
      }),
    });
  },

  select(version) {
    set((s) => ({ selected: version, tab: s.tab === 'diff' ? 'rows' : s.tab }));
  },

  setTab(tab) {
    set({ tab });
  },

  async loadProfile(v) {
    const show = async () => (await transport().call('datasets.show', { ref: `${v.dataset}@${v.id}` })).profile;
    await load(set, get, entry('profiles', v.id), show, { reuse: true, dropOnError: true });
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
    set({ tab: 'diff', diffKey: k });
    const input = { from: refOf(pair[0]), to: refOf(pair[1]), ...(k ? { key: k } : {}) };
    await load(set, get, field('diff'), () => transport().call('datasets.diff', input), { dropOnError: true });
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
    if (await toasted(`datasets.untag:${v.dataset}:${tag}`, () => transport().call('datasets.untag', { name: v.dataset, tag }))) await get().reloadVersions();
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

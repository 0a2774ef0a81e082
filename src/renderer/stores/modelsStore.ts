import { create } from 'zustand';
import type { AliasMove, CardText, LineageGraph, ModelCard, ModelComparison, ModelSummary, ModelVersion } from '../../shared/registry';
import type { Run } from '../../shared/tracking';
import type { CallOutput } from '../../shared/contract';

export type Downstream = CallOutput<'lineage.downstream'>;
import { transport } from '../transport';
import { versionRef } from './modelsView';

export type ModelTab = 'overview' | 'lineage' | 'card' | 'compare';
export const MODEL_TABS: ModelTab[] = ['overview', 'lineage', 'card', 'compare'];

import { entry, field, idle, load, pending, ready, type Loadable } from './loadable';

export interface ModelsState {
  list: Loadable<ModelSummary[]>;
  /** The open model (detail view), or null for the list. */
  current: string | null;
  versions: Loadable<ModelVersion[]>;
  /** Version number shown in the tabs. */
  selected: number | null;
  tab: ModelTab;
  history: Loadable<AliasMove[]>;
  /** By version id; dropped when the model changes (exports add lineage, edits change cards). */
  lineage: Record<string, Loadable<LineageGraph>>;
  cards: Record<string, Loadable<ModelCard>>;
  /** The reverse lineage of a dataset version (what it fed), by dataset version id. */
  downstream: Record<string, Loadable<Downstream>>;
  /** The version compared with the selected one. */
  compareWith: number | null;
  compare: Loadable<ModelComparison>;
  compareKey: string | null;
  /** Finished runs that hold a model artifact (for "Register from run…"). */
  registrable: Loadable<Run[]>;
  registerOpen: boolean;
  /** The "move alias" dialog, with the alias it opened on (or '' for a new one). */
  aliasDialog: { alias: string } | null;
}

export const initialModelsState: ModelsState = {
  list: idle(),
  current: null,
  versions: idle(),
  selected: null,
  tab: 'overview',
  history: idle(),
  lineage: {},
  cards: {},
  downstream: {},
  compareWith: null,
  compare: idle(),
  compareKey: null,
  registrable: idle(),
  registerOpen: false,
  aliasDialog: null,
};

interface ModelsActions {
  loadList(): Promise<void>;
  open(name: string, version?: number | null, tab?: ModelTab): Promise<void>;
  close(): void;
  reloadVersions(): Promise<void>;
  loadHistory(): Promise<void>;
  select(version: number): void;
  setTab(tab: ModelTab): void;
  loadLineage(v: ModelVersion, force?: boolean): Promise<void>;
  loadCard(v: ModelVersion, force?: boolean): Promise<void>;
  loadDownstream(datasetVersionId: string, force?: boolean): Promise<void>;
  saveCard(v: ModelVersion, text: CardText, description?: string): Promise<ModelCard>;
  setCompareWith(version: number | null): void;
  runCompare(): Promise<void>;
  moveAlias(model: string, alias: string, version: number, reason: string): Promise<AliasMove | null>;
  removeAlias(model: string, alias: string, reason: string): Promise<void>;
  loadRegistrable(): Promise<void>;
  register(runId: string, name: string, description: string): Promise<ModelVersion>;
  setRegisterOpen(open: boolean): void;
  setAliasDialog(d: { alias: string } | null): void;
  /** `<name>/<number>/<tab>` (the part of the hash after #/models/). */
  openRoute(route: string): void;
  /** An engine event: this model's versions, aliases, cards or exports changed. */
  changed(model: string): void;
}

export type ModelsStore = ModelsState & ModelsActions;

export function modelsRouteOf(s: Pick<ModelsState, 'current' | 'selected' | 'tab'>): string {
  if (!s.current) return '';
  const parts = [encodeURIComponent(s.current)];
  if (s.selected !== null) {
    parts.push(String(s.selected));
    if (s.tab !== 'overview') parts.push(s.tab);
  }
  return parts.join('/');
}

export function parseModelsRoute(route: string): { name: string | null; version: number | null; tab: ModelTab } {
  const [rawName = '', rawVersion = '', rawTab = ''] = route.split('/');
  let name: string | null = null;
  try {
    name = decodeURIComponent(rawName) || null;
  } catch {
    name = null;
  }
  const version = /^\d{1,9}$/.test(rawVersion) ? Number(rawVersion) : null;
  const tab = (MODEL_TABS as string[]).includes(rawTab) ? (rawTab as ModelTab) : 'overview';
  return { name, version, tab };
}

export const useModelsStore = create<ModelsStore>()((set, get) => ({
  ...initialModelsState,

  async loadList() {
    await load(set, get, field('list'), () => transport().call('models.list', {}));
  },

  async open(name, version = null, tab = 'overview') {
    if (get().current !== name) {
      set({ current: name, versions: pending(), selected: version, tab, history: idle(), lineage: {}, cards: {}, compareWith: null, compare: idle(), compareKey: null });
    } else if (version !== null) {
      set({ selected: version, tab });
    }
    await Promise.all([get().reloadVersions(), get().loadHistory()]);
  },

  close() {
    set({ current: null, versions: idle(), selected: null, tab: 'overview', history: idle(), compareWith: null, compare: idle(), compareKey: null });
  },

  async reloadVersions() {
    const name = get().current;
    if (!name) return;
    await load(set, get, field('versions'), () => transport().call('models.versions', { name }), {
      still: (s) => s.current === name,
      also: (data, { selected, compareWith }) => ({
        selected: selected !== null && data.some((v) => v.number === selected) ? selected : (data[0]?.number ?? null),
        compareWith: compareWith !== null && data.some((v) => v.number === compareWith) ? compareWith : null,
      }),
    });
  },

  async loadHistory() {
    const name = get().current;
    if (!name) return;
    await load(set, get, field('history'), () => transport().call('models.aliasHistory', { name }), { still: (s) => s.current === name });
  },

  select(version) {
    set((s) => ({ selected: version, compareWith: s.compareWith === version ? null : s.compareWith }));
  },

  setTab(tab) {
    set({ tab });
  },

  async loadLineage(v, force = false) {
    await load(set, get, entry('lineage', v.id), () => transport().call('models.lineage', { ref: v.id }), { reuse: !force, dropOnError: true });
  },

  async loadCard(v, force = false) {
    await load(set, get, entry('cards', v.id), () => transport().call('models.card', { ref: v.id }), { reuse: !force, dropOnError: true });
  },

  async loadDownstream(id, force = false) {
    await load(set, get, entry('downstream', id), () => transport().call('lineage.downstream', { kind: 'dataset_version', id }), { reuse: !force, dropOnError: true });
  },

  async saveCard(v, text, description) {
    const data = await transport().call('models.updateCard', { ref: v.id, text, ...(description !== undefined ? { description } : {}) });
    set((s) => entry<ModelsState, 'cards'>('cards', v.id).write(s, ready(data)));
    if (description !== undefined) void get().reloadVersions();
    return data;
  },

  setCompareWith(compareWith) {
    set({ compareWith });
    if (compareWith !== null) void get().runCompare();
  },

  async runCompare() {
    const s = get();
    const pair = modelsSelectors.comparePair(s);
    if (!pair) return;
    const key = `${pair[0].id}|${pair[1].id}`;
    set({ compareKey: key });
    await load(set, get, field('compare'), () => transport().call('models.compare', { a: pair[0].id, b: pair[1].id }), { still: (st) => st.compareKey === key, dropOnError: true });
  },

  async moveAlias(model, alias, version, reason) {
    const r = await transport().call('models.alias', { ref: `${model}@${version}`, alias, reason });
    if (get().current === model) await Promise.all([get().reloadVersions(), get().loadHistory()]);
    void get().loadList();
    return r.move;
  },

  async removeAlias(model, alias, reason) {
    await transport().call('models.unalias', { name: model, alias, reason });
    if (get().current === model) await Promise.all([get().reloadVersions(), get().loadHistory()]);
    void get().loadList();
  },

  async loadRegistrable() {
    await load(set, get, field('registrable'), async () => {
      const page = await transport().call('runs.search', { query: 'status = "finished"', orderBy: 'start_time desc', limit: 200 });
      // Only runs whose artifacts hold a model/ folder can be registered; look at the newest ones.
      const checked = await Promise.all(
        page.runs.slice(0, 60).map((r) =>
          transport()
            .call('runs.artifacts.list', { runId: r.id, path: '' })
            .then((entries) => (entries.some((e) => e.isDir && e.path.replace(/\/$/, '') === 'model') ? r : null))
            .catch(() => null),
        ),
      );
      return checked.filter((r): r is Run => r !== null);
    });
  },

  async register(runId, name, description) {
    const v = await transport().call('models.register', { runId, name, description });
    void get().loadList();
    if (get().current === name) {
      await get().reloadVersions();
      get().select(v.number);
    }
    return v;
  },

  setRegisterOpen(registerOpen) {
    set({ registerOpen });
    if (registerOpen) void get().loadRegistrable();
  },

  setAliasDialog(aliasDialog) {
    set({ aliasDialog });
  },

  openRoute(route) {
    const r = parseModelsRoute(route);
    if (r.name) void get().open(r.name, r.version, r.tab);
    else get().close();
  },

  changed(model) {
    void get().loadList();
    if (get().current !== model) return;
    const ids = new Set((get().versions.data ?? []).map((v) => v.id));
    set((s) => ({
      lineage: Object.fromEntries(Object.entries(s.lineage).filter(([id]) => !ids.has(id))),
      cards: Object.fromEntries(Object.entries(s.cards).filter(([id]) => !ids.has(id))),
      downstream: {},
    }));
    void get().reloadVersions();
    void get().loadHistory();
  },
}));

/** Every alias of a model's versions with its version number, alphabetically. */
export function aliasesOf(versions: ModelVersion[] | null): [string, number][] {
  return (versions ?? []).flatMap((v) => v.aliases.map((a) => [a, v.number] as [string, number])).sort(([a], [b]) => a.localeCompare(b));
}

/** Derived views of the store; components read through these to stay thin. */
export const modelsSelectors = {
  selectedVersion: (s: ModelsState): ModelVersion | null => s.versions.data?.find((v) => v.number === s.selected) ?? null,
  /** The selected version and the one it is compared with, older first. */
  comparePair: (s: ModelsState): [ModelVersion, ModelVersion] | null => {
    const a = modelsSelectors.selectedVersion(s);
    const b = s.versions.data?.find((v) => v.number === s.compareWith) ?? null;
    if (!a || !b || a.id === b.id) return null;
    return a.number < b.number ? [a, b] : [b, a];
  },
  sortedList: (s: ModelsState): ModelSummary[] => [...(s.list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
  currentSummary: (s: ModelsState): ModelSummary | null => s.list.data?.find((m) => m.name === s.current) ?? null,
  /** Every alias of the open model with its version (a new array each call: memoise over `versions.data`). */
  aliases: (s: ModelsState): [string, number][] => aliasesOf(s.versions.data),
  ref: (s: ModelsState): string | null => {
    const v = modelsSelectors.selectedVersion(s);
    return v ? versionRef(v) : null;
  },
};

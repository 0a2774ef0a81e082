import { create } from 'zustand';
import type { Run } from '../../shared/tracking';
import type { LatheError } from '../../shared/errors';
import { transport } from '../transport';
import { ItemPager } from './pager';
import { attempt } from './loadable';
import {
  checkQuery,
  columnFromId,
  columnId,
  groupRuns,
  orderByString,
  runsToCsv,
  type QueryProblem,
  type RunColumn,
  type RunGroup,
  type SortSpec,
} from './runsTable';
import { toasted } from './toastStore';
import { orderMetrics } from '../metrics';

export const RUNS_PAGE = 200;
const VIEWS_KEY = 'lathe.runs.views';
const QUERY_DEBOUNCE_MS = 250;

export interface SavedView {
  name: string;
  query: string;
  columns: string[];
  sort: { column: string; dir: 'asc' | 'desc' } | null;
  groupBy: string | null;
  groupMetric: string | null;
}

export interface RunKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

export interface RunsState {
  experimentId: string | null;
  lifecycle: 'active' | 'deleted';
  /** What is in the filter box. */
  query: string;
  /** The last query that parsed (what the table shows). */
  applied: string;
  problem: QueryProblem | null;
  sort: SortSpec | null;
  columns: RunColumn[];
  columnsTouched: boolean;
  keys: RunKeys;
  pager: ItemPager<Run> | null;
  /** The pager being replaced: its rows stay on screen until the new one lands (no flash on refresh). */
  previous: ItemPager<Run> | null;
  selected: string[];
  anchor: number | null;
  groupBy: string | null;
  groupMetric: string | null;
  groups: { data: RunGroup[] | null; loading: boolean; error: LatheError | null; capped: boolean };
  views: SavedView[];
  /** The last delete, for the undo bar. */
  undo: { ids: string[]; at: number } | null;
  exporting: boolean;
}

interface RunsActions {
  open(experimentId: string | null, lifecycle?: 'active' | 'deleted'): void;
  setQuery(text: string): void;
  applyNow(): void;
  sortBy(column: RunColumn): void;
  setColumns(columns: RunColumn[]): void;
  toggleColumn(column: RunColumn): void;
  loadKeys(): Promise<void>;
  refresh(): void;
  /** Click on a row's checkbox: toggle; with shift: select the range from the last click. */
  select(id: string, index: number, shift: boolean): void;
  selectLoaded(): void;
  clearSelection(): void;
  deleteSelected(): Promise<void>;
  restore(ids: string[]): Promise<void>;
  dismissUndo(): void;
  setGroupBy(param: string | null): void;
  setGroupMetric(columnId: string | null): void;
  loadGroups(): Promise<void>;
  saveView(name: string): void;
  applyView(name: string): void;
  deleteView(name: string): void;
  /** Every run of the current filter, as CSV text. */
  exportCsv(): Promise<{ csv: string; count: number }>;
  /** Every run matching the current filter (up to `cap`), in the table's order. */
  fetchAll(cap?: number): Promise<{ runs: Run[]; total: number }>;
}

export type RunsStore = RunsState & RunsActions;

function loadViews(): SavedView[] {
  try {
    const v = JSON.parse(localStorage.getItem(VIEWS_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x) => x && typeof x.name === 'string') : [];
  } catch {
    return [];
  }
}
function storeViews(views: SavedView[]): void {
  try {
    localStorage.setItem(VIEWS_KEY, JSON.stringify(views));
  } catch {
    // storage may be unavailable
  }
}

export const initialRunsState: RunsState = {
  experimentId: null,
  lifecycle: 'active',
  query: '',
  applied: '',
  problem: null,
  sort: null,
  columns: [],
  columnsTouched: false,
  keys: { metrics: [], params: [], tags: [] },
  pager: null,
  previous: null,
  selected: [],
  anchor: null,
  groupBy: null,
  groupMetric: null,
  groups: { data: null, loading: false, error: null, capped: false },
  views: [],
  undo: null,
  exporting: false,
};

let debounce: ReturnType<typeof setTimeout> | null = null;
let undoTimer: ReturnType<typeof setTimeout> | null = null;

export function defaultColumns(keys: RunKeys): RunColumn[] {
  return [
    ...orderMetrics(keys.metrics).slice(0, 5).map((key): RunColumn => ({ kind: 'metric', key, agg: 'last' })),
    ...keys.params.slice(0, 5).map((key): RunColumn => ({ kind: 'param', key })),
  ];
}

export const useRunsStore = create<RunsStore>()((set, get) => {
  function searchInput(offset: number, limit: number) {
    const s = get();
    return {
      query: s.applied,
      ...(s.sort ? { orderBy: orderByString(s.sort) } : {}),
      ...(s.experimentId ? { experimentIds: [s.experimentId] } : {}),
      lifecycle: s.lifecycle,
      offset,
      limit,
    };
  }

  function rebuild(keepRows: boolean) {
    const old = get().pager;
    const pager = new ItemPager<Run>(
      async (offset, limit) => {
        const page = await transport().call('runs.search', searchInput(offset, limit));
        return { items: page.runs, total: page.total };
      },
      { pageSize: RUNS_PAGE, cachePages: 60 },
    );
    if (keepRows && old) {
      const off = pager.subscribe(() => {
        off();
        const prev = get().previous;
        if (prev) prev.dispose();
        set({ previous: null });
      });
      get().previous?.dispose();
      set({ pager, previous: old });
    } else {
      old?.dispose();
      get().previous?.dispose();
      set({ pager, previous: null });
    }
    if (get().groupBy) void get().loadGroups();
  }

  return {
    ...initialRunsState,
    views: typeof localStorage === 'undefined' ? [] : loadViews(),

    open(experimentId, lifecycle = 'active') {
      const s = get();
      if (s.pager && s.experimentId === experimentId && s.lifecycle === lifecycle) {
        get().refresh();
        return;
      }
      set({ experimentId, lifecycle, selected: [], anchor: null });
      rebuild(false);
      void get().loadKeys();
    },

    setQuery(text) {
      const problem = checkQuery(text);
      set({ query: text, problem });
      if (debounce) clearTimeout(debounce);
      if (problem) return;
      debounce = setTimeout(() => get().applyNow(), QUERY_DEBOUNCE_MS);
    },

    applyNow() {
      if (debounce) clearTimeout(debounce);
      debounce = null;
      const s = get();
      if (s.problem || s.applied === s.query) return;
      set({ applied: s.query, selected: [], anchor: null });
      rebuild(true);
    },

    sortBy(column) {
      const cur = get().sort;
      const same = cur && columnId(cur.column) === columnId(column);
      const first: 'asc' | 'desc' = column.kind === 'metric' || (column.kind === 'attr' && (column.key === 'start_time' || column.key === 'duration')) ? 'desc' : 'asc';
      set({ sort: { column, dir: same ? (cur.dir === 'asc' ? 'desc' : 'asc') : first } });
      rebuild(true);
    },

    setColumns(columns) {
      set({ columns, columnsTouched: true });
    },

    toggleColumn(column) {
      const id = columnId(column);
      const cols = get().columns;
      set({ columns: cols.some((c) => columnId(c) === id) ? cols.filter((c) => columnId(c) !== id) : [...cols, column], columnsTouched: true });
    },

    async loadKeys() {
      const keys = await toasted('runs.keys', () => transport().call('runs.keys', {}));
      if (keys) set((s) => ({ keys, columns: s.columnsTouched ? s.columns : defaultColumns(keys) }));
    },

    refresh() {
      if (!get().pager) return;
      rebuild(true);
      void get().loadKeys();
    },

    select(id, index, shift) {
      const s = get();
      const sel = new Set(s.selected);
      if (shift && s.anchor !== null && s.pager) {
        // Shift-click: the range from the last click takes the state the clicked row is going to.
        const on = !sel.has(id);
        const [a, b] = s.anchor < index ? [s.anchor, index] : [index, s.anchor];
        for (let i = a; i <= b; i++) {
          const r = s.pager.item(i) ?? s.previous?.item(i);
          if (r) {
            if (on) sel.add(r.id);
            else sel.delete(r.id);
          }
        }
      } else if (sel.has(id)) sel.delete(id);
      else sel.add(id);
      set({ selected: [...sel], anchor: index });
    },

    selectLoaded() {
      const p = get().pager;
      if (!p) return;
      const sel = new Set(get().selected);
      for (const { item } of p.loaded()) sel.add(item.id);
      set({ selected: [...sel] });
    },

    clearSelection() {
      set({ selected: [], anchor: null });
    },

    async deleteSelected() {
      const ids = get().selected;
      if (ids.length === 0) return;
      if (!(await toasted('runs.delete', () => transport().call('runs.delete', { ids })))) return;
      if (undoTimer) clearTimeout(undoTimer);
      set({ selected: [], anchor: null, undo: { ids, at: Date.now() } });
      undoTimer = setTimeout(() => set({ undo: null }), 10_000);
      get().refresh();
    },

    async restore(ids) {
      const restored = await toasted('runs.restore', () => transport().call('runs.restore', { ids }), (r) => `Restored ${r.count} run${r.count === 1 ? '' : 's'}`);
      if (!restored) return;
      set({ undo: null, selected: [] });
      get().refresh();
    },

    dismissUndo() {
      set({ undo: null });
    },

    setGroupBy(groupBy) {
      set({ groupBy, groups: { data: null, loading: false, error: null, capped: false } });
      if (groupBy) void get().loadGroups();
    },

    setGroupMetric(groupMetric) {
      set({ groupMetric });
      if (get().groupBy) void get().loadGroups();
    },

    async loadGroups() {
      const { groupBy, groupMetric } = get();
      if (!groupBy) return;
      // A failure drops the groups shown: they were of a request that now fails.
      const all = await attempt(
        (p) => set((s) => ({ groups: { ...(p.error ? { data: null, capped: false } : s.groups), loading: p.busy, error: p.error } })),
        () => get().fetchAll(10_000),
        { still: () => get().groupBy === groupBy },
      );
      if (!all) return;
      const metric = groupMetric ? columnFromId(groupMetric) : null;
      set({ groups: { data: groupRuns(all.runs, groupBy, metric), loading: false, error: null, capped: all.total > all.runs.length } });
    },

    saveView(name) {
      const s = get();
      const view: SavedView = {
        name,
        query: s.query,
        columns: s.columns.map(columnId),
        sort: s.sort ? { column: columnId(s.sort.column), dir: s.sort.dir } : null,
        groupBy: s.groupBy,
        groupMetric: s.groupMetric,
      };
      const views = [...s.views.filter((v) => v.name !== name), view].sort((a, b) => a.name.localeCompare(b.name));
      storeViews(views);
      set({ views });
    },

    applyView(name) {
      const v = get().views.find((x) => x.name === name);
      if (!v) return;
      const sortCol = v.sort ? columnFromId(v.sort.column) : null;
      set({
        query: v.query,
        applied: v.query,
        problem: checkQuery(v.query),
        columns: v.columns.map(columnFromId).filter((c): c is RunColumn => c !== null),
        columnsTouched: true,
        sort: sortCol && v.sort ? { column: sortCol, dir: v.sort.dir } : null,
        groupBy: v.groupBy,
        groupMetric: v.groupMetric,
        selected: [],
      });
      rebuild(true);
    },

    deleteView(name) {
      const views = get().views.filter((v) => v.name !== name);
      storeViews(views);
      set({ views });
    },

    async fetchAll(cap = 100_000) {
      const runs: Run[] = [];
      let total = 0;
      for (let offset = 0; offset < cap; ) {
        const page = await transport().call('runs.search', searchInput(offset, Math.min(5000, cap - offset)));
        runs.push(...page.runs);
        total = page.total;
        if (page.nextOffset === null || page.runs.length === 0) break;
        offset = page.nextOffset;
      }
      return { runs, total };
    },

    async exportCsv() {
      set({ exporting: true });
      try {
        const { runs } = await get().fetchAll();
        return { csv: runsToCsv(runs, get().columns), count: runs.length };
      } finally {
        set({ exporting: false });
      }
    },
  };
});

export const runsSelectors = {
  selectedSet: (s: RunsState): Set<string> => new Set(s.selected),
};

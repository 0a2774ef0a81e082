import { create } from 'zustand';
import type { Experiment } from '../../shared/tracking';
import { isLatheId } from '../../shared/ids';
import { field, idle, load, type Loadable } from './loadable';
import { transport } from '../transport';

/** Where the Experiments screen is: the list, a runs table (one experiment or all), trash, a run, a comparison. */
export type ExperimentsView =
  | { kind: 'list' }
  | { kind: 'runs'; experimentId: string | null }
  | { kind: 'trash' }
  | { kind: 'run'; runId: string }
  | { kind: 'compare'; ids: string[] };

export interface ExperimentsState {
  view: ExperimentsView;
  list: Loadable<Experiment[]>;
  /** Start time of the newest run per experiment id (null: no runs). */
  lastRun: Record<string, number | null>;
}

interface ExperimentsActions {
  loadList(): Promise<void>;
  show(view: ExperimentsView): void;
  /** `runs/all`, `runs/<id>`, `trash`, `run/<id>`, `compare/<id>,<id>` (the part of the hash after #/experiments/). */
  openRoute(route: string): void;
  changed(): void;
}

export const initialExperimentsState: ExperimentsState = {
  view: { kind: 'list' },
  list: idle(),
  lastRun: {},
};

export function routeOf(v: ExperimentsView): string {
  switch (v.kind) {
    case 'list':
      return '';
    case 'runs':
      return `runs/${v.experimentId ?? 'all'}`;
    case 'trash':
      return 'trash';
    case 'run':
      return `run/${v.runId}`;
    case 'compare':
      return `compare/${v.ids.join(',')}`;
  }
}

export function parseRoute(route: string): ExperimentsView {
  const [kind, arg = ''] = route.split('/');
  if (kind === 'runs') return { kind: 'runs', experimentId: arg && arg !== 'all' ? arg : null };
  if (kind === 'trash') return { kind: 'trash' };
  if (kind === 'run' && isLatheId(arg)) return { kind: 'run', runId: arg };
  if (kind === 'compare') {
    const ids = arg.split(',').filter(isLatheId);
    if (ids.length >= 2) return { kind: 'compare', ids: ids.slice(0, 50) };
  }
  return { kind: 'list' };
}

export const useExperimentsStore = create<ExperimentsState & ExperimentsActions>()((set, get) => ({
  ...initialExperimentsState,

  async loadList() {
    const data = await load(set, get, field('list'), () => transport().call('experiments.list', {}));
    if (!data) return;
    // The newest run of each experiment (the list call does not carry it): one small search each.
    const withRuns = data.filter((e) => e.runCount > 0).slice(0, 200);
    const found = await Promise.all(
      withRuns.map((e) =>
        transport()
          .call('runs.search', { experimentIds: [e.id], orderBy: 'start_time desc', limit: 1 })
          .then((p) => [e.id, p.runs[0]?.startTime ?? null] as const)
          .catch(() => [e.id, null] as const),
      ),
    );
    set({ lastRun: Object.fromEntries(found) });
  },

  show(view) {
    set({ view });
    // Another process (`lathe run`, a second server) writes without events here: look again on arrival.
    if (view.kind === 'list') void get().loadList();
  },

  openRoute(route) {
    get().show(parseRoute(route));
  },

  changed() {
    void get().loadList();
  },
}));

export const experimentsSelectors = {
  experiment: (s: ExperimentsState, id: string | null): Experiment | null => (id ? (s.list.data?.find((e) => e.id === id) ?? null) : null),
  totalRuns: (s: ExperimentsState): number => (s.list.data ?? []).reduce((t, e) => t + e.runCount, 0),
};

import { create } from 'zustand';
import { toLatheError, type LatheError } from '../../shared/errors';
import type { AlertsView, DriftReport, FeatureDetail, MonitoredModel, MonitorTimeline } from '../../shared/monitoring';
import { transport } from '../transport';
import { attempt, field, idle, load, type Loadable } from './loadable';

/**
 * The Monitor screen: the monitored models, one model's timeline (per-window series with alias moves),
 * its drift over the chosen range (features sorted by drift), one feature's detail, and its alerts.
 * Ranges are relative to the model's newest window, not to the clock: logs carried over from an
 * air-gapped site are days old when they arrive, and "the last 24 hours" should still show them.
 */
export const RANGES = ['24h', '7d', '30d', 'all'] as const;
export type MonitorRange = (typeof RANGES)[number];
export type MonitorTab = 'overview' | 'features' | 'alerts';

const HOUR = 3_600_000;
const SPAN: Record<Exclude<MonitorRange, 'all'>, number> = { '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };

export interface MonitorState {
  list: Loadable<MonitoredModel[]>;
  model: string | null;
  range: MonitorRange;
  tab: MonitorTab;
  timeline: MonitorTimeline | null;
  drift: DriftReport | null;
  alerts: AlertsView | null;
  feature: string | null;
  featureDetail: FeatureDetail | null;
  loading: boolean;
  error: LatheError | null;
}

interface MonitorActions {
  loadList(): Promise<void>;
  open(model: string): Promise<void>;
  close(): void;
  setRange(range: MonitorRange): Promise<void>;
  setTab(tab: MonitorTab): void;
  selectFeature(feature: string | null): Promise<void>;
  /** `monitor.windows` / `monitor.alert`: refresh what is shown (coalesced by the event router). */
  changed(model: string): void;
}

export const initialMonitorState: MonitorState = {
  list: idle(),
  model: null,
  range: '7d',
  tab: 'overview',
  timeline: null,
  drift: null,
  alerts: null,
  feature: null,
  featureDetail: null,
  loading: false,
  error: null,
};

/** The range's bounds in ms, from the model's first and newest window (undefined: let the engine choose). */
export function rangeBounds(m: MonitoredModel | undefined, range: MonitorRange): { from?: number; to?: number } {
  if (!m || m.lastWindow === null) return {};
  const to = m.lastWindow + HOUR; // the end of the newest window (windows are at least an hour apart by default)
  if (range === 'all') return { from: m.firstWindow ?? undefined, to };
  return { from: Math.max(m.firstWindow ?? 0, to - SPAN[range]), to };
}

/** Total firing alerts across monitored models: the navigation's badge. */
export const firingTotal = (list: MonitoredModel[] | null): number => (list ?? []).reduce((n, m) => n + m.alerts.firing, 0);

let seq = 0;

export const useMonitorStore = create<MonitorState & MonitorActions>()((set, get) => {
  /** Loads the open model's views for the current range; a newer request wins over a slower older one. */
  async function loadModel(): Promise<void> {
    const { model, range, list, feature } = get();
    if (!model) return;
    const mine = ++seq;
    const bounds = rangeBounds(list.data?.find((m) => m.model === model), range);
    const t = transport();
    const loaded = await attempt(
      (p) => set({ loading: p.busy, error: p.error }),
      async () => {
        const [timeline, drift, alerts] = await Promise.all([
          t.call('monitor.timeline', { ref: model, ...bounds }),
          t.call('monitor.drift', { ref: model, ...bounds }),
          t.call('monitor.alerts', { model, limit: 200 }),
        ]);
        const featureDetail = feature ? await t.call('monitor.feature', { ref: model, feature, ...bounds }) : null;
        return { timeline, drift, alerts, featureDetail };
      },
      { still: () => mine === seq },
    );
    if (loaded) set(loaded);
  }

  let pending: ReturnType<typeof setTimeout> | null = null;

  return {
    ...initialMonitorState,

    async loadList() {
      await load(set, get, field('list'), () => transport().call('monitor.list', {}));
    },

    async open(model) {
      if (get().model !== model) set({ model, timeline: null, drift: null, alerts: null, feature: null, featureDetail: null, error: null });
      if (!get().list.data) await get().loadList();
      await loadModel();
    },

    close() {
      seq++;
      set({ model: null, timeline: null, drift: null, alerts: null, feature: null, featureDetail: null, error: null, loading: false });
    },

    async setRange(range) {
      set({ range });
      await loadModel();
    },

    setTab(tab) {
      set({ tab });
    },

    async selectFeature(feature) {
      const { model, range, list } = get();
      set({ feature, featureDetail: null, tab: feature ? 'features' : get().tab });
      if (!feature || !model) return;
      try {
        const detail = await transport().call('monitor.feature', { ref: model, feature, ...rangeBounds(list.data?.find((m) => m.model === model), range) });
        if (get().feature === feature) set({ featureDetail: detail });
      } catch (e) {
        set({ error: toLatheError(e) });
      }
    },

    changed(model) {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        void get()
          .loadList()
          .then(() => (get().model === model ? loadModel() : undefined));
      }, 500);
    },
  };
});

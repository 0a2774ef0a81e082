import { create } from 'zustand';
import type { Sweep, SweepSpecInput, SweepSummary } from '../../shared/sweeps';
import type { LatheError } from '../../shared/errors';
import { transport } from '../transport';
import { DEFAULT_SWEEP_FORM, newParamRow, parseSweepYaml, type ParamRow, type SweepForm } from './sweepsForm';
import { toasted } from './toastStore';

import { attempt, field, idle, load, pending, ready, type Loadable } from './loadable';

export interface SweepsState {
  list: Loadable<SweepSummary[]>;
  currentId: string | null;
  current: Loadable<Sweep>;
  form: SweepForm;
  /** Form or pasted YAML. */
  mode: 'form' | 'yaml';
  yaml: string;
  touched: boolean;
  busy: boolean;
  error: LatheError | null;
}

interface SweepsActions {
  loadList(): Promise<void>;
  open(id: string): Promise<void>;
  reload(): Promise<void>;
  patchForm(p: Partial<SweepForm>): void;
  setParam(i: number, p: Partial<ParamRow>): void;
  addParam(path?: string): void;
  removeParam(i: number): void;
  setMode(m: 'form' | 'yaml'): void;
  setYaml(text: string): void;
  /** Starts a sweep; its id, or null when refused. */
  start(spec: SweepSpecInput): Promise<string | null>;
  startYaml(): Promise<string | null>;
  cancel(id: string): Promise<void>;
  changed(id: string): void;
}

export const initialSweepsState: SweepsState = {
  list: idle(),
  currentId: null,
  current: idle(),
  form: DEFAULT_SWEEP_FORM,
  mode: 'form',
  yaml: '',
  touched: false,
  busy: false,
  error: null,
};

export const useSweepsStore = create<SweepsState & SweepsActions>()((set, get) => ({
  ...initialSweepsState,

  async loadList() {
    await load(set, get, field('list'), () => transport().call('sweeps.list', {}));
  },

  async open(id) {
    if (get().currentId !== id) set({ currentId: id, current: pending() });
    await get().reload();
  },

  async reload() {
    const id = get().currentId;
    if (!id) return;
    await load(set, get, field('current'), () => transport().call('sweeps.get', { id }), { still: (s) => s.currentId === id });
  },

  patchForm(p) {
    set((s) => ({ form: { ...s.form, ...p }, touched: true, error: null }));
  },

  setParam(i, p) {
    set((s) => ({ touched: true, error: null, form: { ...s.form, params: s.form.params.map((r, j) => (j === i ? { ...r, ...p } : r)) } }));
  },

  addParam(path) {
    set((s) => ({ form: { ...s.form, params: [...s.form.params, newParamRow(path ?? '', s.form.strategy === 'grid' ? 'values' : 'uniform')] } }));
  },

  removeParam(i) {
    set((s) => ({ touched: true, form: { ...s.form, params: s.form.params.filter((_, j) => j !== i) } }));
  },

  setMode(mode) {
    set({ mode, error: null });
  },

  setYaml(yaml) {
    set({ yaml, error: null });
  },

  async start(spec) {
    set({ touched: true });
    const sweep = await attempt(set, () => transport().call('sweeps.start', { spec }));
    if (!sweep) return null;
    set({ currentId: sweep.id, current: ready(sweep) });
    return sweep.id;
  },

  async startYaml() {
    const r = parseSweepYaml(get().yaml);
    if (!r.spec) return null;
    return get().start(r.spec);
  },

  async cancel(id) {
    const sweep = await toasted(`sweeps.cancel:${id}`, () => transport().call('sweeps.cancel', { id }));
    if (sweep && get().currentId === id) set({ current: ready(sweep) });
  },

  changed(id) {
    if (id === get().currentId) void get().reload();
    if (get().list.data) void get().loadList();
  },
}));

export const sweepsSelectors = {
  /** Parameter names of a sweep's trials (for the table and the axes), in first-seen order. */
  paramKeys: (s: Sweep | null): string[] => {
    const keys: string[] = [];
    for (const t of s?.trials ?? []) for (const k of Object.keys(t.params)) if (!keys.includes(k)) keys.push(k);
    return keys;
  },
};

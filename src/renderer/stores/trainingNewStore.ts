import { create } from 'zustand';
import type { DatasetProfile, DatasetSummary, DatasetVersion } from '../../shared/datasets';
import type { HyperparameterDescription, Task, TaskSuggestion, TemplateDescription, TemplateName, TrainingSpec } from '../../shared/training';
import { toLatheError, type LatheError } from '../../shared/errors';
import { transport } from '../transport';
import { attempt, guarded } from './loadable';
import { DEFAULT_SPLIT_FORM, initialHpForm, rawOf, validateSpecForm, type FieldErrors, type HpRaw, type SpecForm, type SplitForm } from './trainingForm';
import { useTrainingStore } from './trainingStore';

/** The spec form (shared by New training and the sweep form's base): the data, the columns, the template. */
export interface TrainingNewState {
  datasets: DatasetSummary[] | null;
  dataset: string | null;
  versions: DatasetVersion[] | null;
  version: number | null;
  profile: DatasetProfile | null;
  suggestion: TaskSuggestion | null;
  suggesting: boolean;
  /** Why the engine could not suggest a task for the chosen target (constant, all missing...). */
  suggestError: LatheError | null;
  form: SpecForm;
  priority: number;
  /** Has the user touched a field (errors show from then on)? */
  touched: boolean;
  busy: boolean;
  /** The engine's refusal of the last start. */
  error: LatheError | null;
  loadError: LatheError | null;
  /** The run whose spec filled the form (Re-run), until the form is started. */
  prefilledFrom: string | null;
}

interface TrainingNewActions {
  init(): Promise<void>;
  chooseDataset(name: string): Promise<void>;
  chooseVersion(n: number): Promise<void>;
  chooseTarget(target: string): Promise<void>;
  setTask(task: Task | null): void;
  toggleFeature(col: string): void;
  setAllFeatures(on: boolean): void;
  chooseTemplate(t: TemplateName): void;
  setHp(name: string, v: HpRaw): void;
  resetHp(): void;
  setSplit(patch: Partial<SplitForm>): void;
  setMeta(patch: Partial<Pick<SpecForm, 'name' | 'experiment'>>): void;
  setPriority(p: number): void;
  start(): Promise<string | null>;
  /** Fill the form with a run's spec (Re-run opens this form rather than starting a copy); the refusal, if any. */
  prefill(runId: string): Promise<LatheError | null>;
}

const EMPTY_FORM: SpecForm = { data: null, target: null, task: null, features: [], template: 'tabular-mlp', hp: {}, split: DEFAULT_SPLIT_FORM, name: '', experiment: '' };

export const initialTrainingNewState: TrainingNewState = {
  datasets: null,
  dataset: null,
  versions: null,
  version: null,
  profile: null,
  suggestion: null,
  suggesting: false,
  suggestError: null,
  form: EMPTY_FORM,
  priority: 0,
  touched: false,
  busy: false,
  error: null,
  loadError: null,
  prefilledFrom: null,
};

const templatesNow = (): TemplateDescription[] => useTrainingStore.getState().templates.data ?? [];
export const hpDescOf = (templates: TemplateDescription[], t: TemplateName): HyperparameterDescription[] => templates.find((x) => x.name === t)?.hyperparameters ?? [];

/** Columns of a table version (images: none; their target is always `class`). */
export function columnsOf(p: DatasetProfile | null): { name: string; type: string; distinct: number; missing: number }[] {
  return p && p.kind === 'table' ? p.columns.map((c) => ({ name: c.name, type: c.type, distinct: c.distinct, missing: c.missing })) : [];
}

/** The form a recorded spec reads as (`data` is the resolved `name@vN`, so the same version is trained). */
export function formOfSpec(spec: TrainingSpec, data: string, desc: HyperparameterDescription[]): SpecForm {
  const values = spec.hyperparameters as Record<string, HyperparameterDescription['default'] | undefined>;
  const sp = spec.split;
  const split =
    sp.kind === 'column'
      ? { ...DEFAULT_SPLIT_FORM, kind: 'column' as const, column: sp.column }
      : { kind: 'fraction' as const, train: String(sp.train), validation: String(sp.validation), test: String(sp.test), seed: String(sp.seed), stratify: sp.stratify, column: '' };
  return {
      data,
      target: spec.target ?? null,
      task: spec.task ?? null,
      features: spec.features ?? [],
      template: spec.template,
      hp: Object.fromEntries(desc.map((d) => [d.name, rawOf(d, values[d.name] ?? d.default)])),
      split,
      name: spec.name ?? '',
      experiment: spec.experiment ?? '',
  };
}

export const useTrainingNewStore = create<TrainingNewState & TrainingNewActions>()((set, get) => {
  /** A failure while filling the form from the engine shows as the form's load error. */
  const loadError = (e: LatheError) => set({ loadError: e });
  return {
  ...initialTrainingNewState,

  async init() {
    await useTrainingStore.getState().loadTemplates();
    const s = get();
    if (Object.keys(s.form.hp).length === 0) set({ form: { ...s.form, hp: initialHpForm(hpDescOf(templatesNow(), s.form.template)) } });
    await guarded(async () => {
      const datasets = await transport().call('datasets.list', {});
      set({ datasets, loadError: null });
      if (!get().dataset && datasets.length) {
        const first = datasets.find((d) => d.latest) ?? datasets[0];
        await get().chooseDataset(first.name);
      }
    }, loadError);
  },

  async chooseDataset(name) {
    set({ dataset: name, versions: null, version: null, profile: null, suggestion: null });
    await guarded(async () => {
      const versions = await transport().call('datasets.versions', { name });
      if (get().dataset !== name) return;
      set({ versions });
      if (versions.length) await get().chooseVersion(versions[0].number);
    }, loadError);
  },

  async chooseVersion(n) {
    const name = get().dataset;
    if (!name) return;
    const ref = `${name}@v${n}`;
    set((s) => ({ version: n, profile: null, form: { ...s.form, data: ref }, error: null }));
    await guarded(async () => {
      const { profile } = await transport().call('datasets.show', { ref });
      if (get().form.data !== ref) return;
      set({ profile });
      const cols = columnsOf(profile);
      const keep = get().form.target;
      if (profile.kind === 'images') await get().chooseTarget('class');
      else if (keep && cols.some((c) => c.name === keep)) await get().chooseTarget(keep);
      else {
        // No target yet: wait for the user's choice (asking the engine without one is a refusal, not help).
        set((s) => ({ suggestion: null, suggestError: null, form: { ...s.form, target: null, task: null, features: [] } }));
      }
    }, loadError);
  },

  async chooseTarget(target) {
    const data = get().form.data;
    if (!data) return;
    if (!target && get().profile?.kind !== 'images') {
      // An incomplete form is not an error: clear the target and ask nothing until one is chosen.
      set((s) => ({ suggestion: null, suggestError: null, suggesting: false, form: { ...s.form, target: null, task: null, features: [] } }));
      return;
    }
    set({ suggesting: true });
    try {
      const suggestion = await transport().call('training.suggest', target ? { data, target } : { data });
      if (get().form.data !== data) return;
      const template = suggestion.template;
      const t = templatesNow();
      set((s) => ({
        suggestion,
        suggesting: false,
        suggestError: null,
        error: null,
        form: {
          ...s.form,
          target: suggestion.target,
          task: suggestion.task,
          features: suggestion.features,
          template,
          hp: template === s.form.template && Object.keys(s.form.hp).length ? s.form.hp : initialHpForm(hpDescOf(t, template)),
        },
      }));
    } catch (e) {
      // The engine refused the target (constant, all missing...): keep the choice and show why.
      set((s) => ({ suggesting: false, suggestion: null, suggestError: toLatheError(e), error: null, form: { ...s.form, target: target || null } }));
    }
  },

  setTask(task) {
    set((s) => ({ form: { ...s.form, task }, touched: true }));
  },

  toggleFeature(col) {
    set((s) => ({
      touched: true,
      form: { ...s.form, features: s.form.features.includes(col) ? s.form.features.filter((f) => f !== col) : [...s.form.features, col] },
    }));
  },

  setAllFeatures(on) {
    set((s) => ({ touched: true, form: { ...s.form, features: on ? columnsOf(s.profile).map((c) => c.name).filter((c) => c !== s.form.target) : [] } }));
  },

  chooseTemplate(template) {
    set((s) => ({ touched: true, form: { ...s.form, template, hp: initialHpForm(hpDescOf(templatesNow(), template)) } }));
  },

  setHp(name, v) {
    set((s) => ({ touched: true, error: null, form: { ...s.form, hp: { ...s.form.hp, [name]: v } } }));
  },

  resetHp() {
    set((s) => ({ form: { ...s.form, hp: initialHpForm(hpDescOf(templatesNow(), s.form.template)) } }));
  },

  setSplit(patch) {
    set((s) => ({ touched: true, error: null, form: { ...s.form, split: { ...s.form.split, ...patch } } }));
  },

  setMeta(patch) {
    set((s) => ({ touched: true, form: { ...s.form, ...patch } }));
  },

  setPriority(priority) {
    set({ priority });
  },

  async start() {
    const s = get();
    const { spec, errors } = validateSpecForm(s.form, hpDescOf(templatesNow(), s.form.template));
    set({ touched: true });
    if (Object.keys(errors).length) return null;
    const started = await attempt(set, () => transport().call('training.start', { spec, priority: s.priority }));
    if (!started) return null;
    set({ prefilledFrom: null });
    void useTrainingStore.getState().loadJobs();
    return started.runId;
  },

  async prefill(runId) {
    try {
      await useTrainingStore.getState().loadTemplates();
      const spec = await transport().call('training.spec', { runId });
      // The recorded ref may be a tag or `latest`: train the version the run used, named by number.
      const { version, profile } = await transport().call('datasets.show', { ref: spec.data });
      const [datasets, versions] = await Promise.all([transport().call('datasets.list', {}), transport().call('datasets.versions', { name: version.dataset })]);
      const data = `${version.dataset}@v${version.number}`;
      const form = formOfSpec(spec, data, hpDescOf(templatesNow(), spec.template));
      // A spec that left the features to the engine gets the ones it would pick (the target is known, so asking is no refusal).
      const suggestion = !spec.features && (spec.target || profile.kind === 'images') ? await transport().call('training.suggest', spec.target ? { data, target: spec.target } : { data }) : null;
      if (suggestion) form.features = suggestion.features;
      set({ ...initialTrainingNewState, datasets, dataset: version.dataset, versions, version: version.number, profile, suggestion, form, prefilledFrom: runId });
      return null;
    } catch (e) {
      return toLatheError(e);
    }
  },
  };
});

export const trainingNewSelectors = {
  desc: (s: TrainingNewState, templates: TemplateDescription[]): HyperparameterDescription[] => hpDescOf(templates, s.form.template),
  errors: (s: TrainingNewState, templates: TemplateDescription[]): FieldErrors => validateSpecForm(s.form, hpDescOf(templates, s.form.template)).errors,
};

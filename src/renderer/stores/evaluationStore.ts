import { create } from 'zustand';
import type { DatasetProfile, DatasetSummary, DatasetVersion } from '../../shared/datasets';
import type { CostMatrix, Evaluation, EvaluationComparison, EvaluationSplit } from '../../shared/evaluation';
import type { Run } from '../../shared/tracking';
import type { ModelSignature } from '../../shared/training';
import { toLatheError, type LatheError } from '../../shared/errors';
import { transport } from '../transport';
import { binaryCostOf, defaultMatrix, EMPTY_BINARY_COST, matrixCostOf, type BinaryCostForm } from './evaluationLogic';
import type { FieldErrors } from './trainingForm';

import { idle, type Loadable } from './loadable';

/** The "Evaluate…" dialog: which data, which slice, what each outcome is worth. */
export interface EvaluateForm {
  runId: string | null;
  /** The model's signature (task, labels) read from the run's artifact. */
  signature: ModelSignature | null;
  datasets: DatasetSummary[] | null;
  dataset: string | null;
  versions: DatasetVersion[] | null;
  version: number | null;
  profile: DatasetProfile | null;
  slice: string;
  /** On the version the run trained on: which rows of its split to score (test: held out, the default). */
  split: EvaluationSplit;
  useCost: boolean;
  binary: BinaryCostForm;
  matrix: string[][];
  positive: string;
  busy: boolean;
  error: LatheError | null;
}

export interface EvaluationState {
  current: Loadable<Evaluation>;
  currentId: string | null;
  /** The evaluated run (its baselines sit next to the report). */
  run: Run | null;
  comparison: Loadable<EvaluationComparison>;
  compareIds: string[];
  form: EvaluateForm;
}

interface EvaluationActions {
  open(id: string): Promise<void>;
  openCompare(ids: string[]): Promise<void>;
  remove(id: string): Promise<boolean>;
  startForm(runId: string): Promise<void>;
  chooseDataset(name: string): Promise<void>;
  chooseVersion(n: number): Promise<void>;
  patchForm(p: Partial<Pick<EvaluateForm, 'slice' | 'split' | 'useCost' | 'binary' | 'positive'>>): void;
  setMatrixCell(i: number, j: number, v: string): void;
  /** Runs the evaluation; the new evaluation's id, or null when it was refused. */
  submit(): Promise<string | null>;
}

const EMPTY_FORM: EvaluateForm = {
  runId: null,
  signature: null,
  datasets: null,
  dataset: null,
  versions: null,
  version: null,
  profile: null,
  slice: '',
  split: 'test',
  useCost: false,
  binary: EMPTY_BINARY_COST,
  matrix: [],
  positive: '',
  busy: false,
  error: null,
};

export const initialEvaluationState: EvaluationState = { current: idle(), currentId: null, run: null, comparison: idle(), compareIds: [], form: EMPTY_FORM };

/** The chosen version is the one the run trained on (its split can be chosen). */
export const isTrainingVersion = (f: EvaluateForm): boolean => !!f.signature && (f.versions ?? []).find((v) => v.number === f.version)?.id === f.signature.dataVersion;

/** The classes a model predicts (empty for regression or before the signature is read). */
export const labelsOf = (f: EvaluateForm): string[] => (f.signature?.task === 'classification' ? (f.signature.labels ?? []) : []);

/** The cost the form describes (undefined when off) and its errors. */
export function costOfForm(f: EvaluateForm): { cost?: CostMatrix; errors: FieldErrors } {
  if (!f.useCost) return { errors: {} };
  const labels = labelsOf(f);
  if (labels.length === 2) return binaryCostOf(f.binary);
  if (labels.length > 2) return matrixCostOf(labels, f.matrix);
  return { errors: { cost: 'a cost matrix needs a classification model' } };
}

export const useEvaluationStore = create<EvaluationState & EvaluationActions>()((set, get) => ({
  ...initialEvaluationState,

  async open(id) {
    set((s) => ({ currentId: id, current: { data: s.current.data?.id === id ? s.current.data : null, loading: true, error: null } }));
    try {
      const data = await transport().call('evaluation.get', { id });
      if (get().currentId === id) set({ current: { data, loading: false, error: null } });
      if (get().run?.id !== data.runId) {
        const run = await transport()
          .call('runs.get', { id: data.runId })
          .catch(() => null);
        if (get().currentId === id) set({ run });
      }
    } catch (e) {
      if (get().currentId === id) set({ current: { data: null, loading: false, error: toLatheError(e) } });
    }
  },

  async openCompare(ids) {
    set((s) => ({ compareIds: ids, comparison: { data: s.comparison.data, loading: true, error: null } }));
    try {
      const data = await transport().call('evaluation.compare', { ids });
      if (get().compareIds === ids) set({ comparison: { data, loading: false, error: null } });
    } catch (e) {
      if (get().compareIds === ids) set({ comparison: { data: null, loading: false, error: toLatheError(e) } });
    }
  },

  async remove(id) {
    try {
      await transport().call('evaluation.delete', { id });
      return true;
    } catch (e) {
      set((s) => ({ current: { ...s.current, error: toLatheError(e) } }));
      return false;
    }
  },

  async startForm(runId) {
    set({ form: { ...EMPTY_FORM, runId } });
    try {
      const [sig, datasets, run] = await Promise.all([
        transport().call('runs.artifacts.read', { runId, path: 'model/signature.json' }),
        transport().call('datasets.list', {}),
        transport().call('runs.get', { id: runId }),
      ]);
      const signature = JSON.parse(sig.content) as ModelSignature;
      const labels = signature.task === 'classification' ? (signature.labels ?? []) : [];
      set((s) => ({
        form: { ...s.form, signature, datasets, matrix: defaultMatrix(labels.length), positive: labels.length === 2 ? labels[1] : '' },
      }));
      // Start from the data the run trained on (its newest version; the user picks another to test drift).
      const trained = signature.dataset || String(run.params.data ?? '').split('@')[0];
      const name = datasets.find((d) => d.name === trained)?.name ?? datasets[0]?.name;
      if (name) await get().chooseDataset(name);
    } catch (e) {
      set((s) => ({ form: { ...s.form, error: toLatheError(e) } }));
    }
  },

  async chooseDataset(name) {
    set((s) => ({ form: { ...s.form, dataset: name, versions: null, version: null, profile: null, slice: '' } }));
    try {
      const versions = await transport().call('datasets.versions', { name });
      if (get().form.dataset !== name) return;
      set((s) => ({ form: { ...s.form, versions } }));
      // The version the run trained on first (its held-out test split is the honest default), else the newest.
      const trained = versions.find((v) => v.id === get().form.signature?.dataVersion);
      if (versions.length) await get().chooseVersion((trained ?? versions[0]).number);
    } catch (e) {
      set((s) => ({ form: { ...s.form, error: toLatheError(e) } }));
    }
  },

  async chooseVersion(n) {
    const name = get().form.dataset;
    if (!name) return;
    set((s) => ({ form: { ...s.form, version: n, profile: null } }));
    try {
      const { profile } = await transport().call('datasets.show', { ref: `${name}@v${n}` });
      if (get().form.version === n && get().form.dataset === name) set((s) => ({ form: { ...s.form, profile } }));
    } catch (e) {
      set((s) => ({ form: { ...s.form, error: toLatheError(e) } }));
    }
  },

  patchForm(p) {
    set((s) => ({ form: { ...s.form, ...p, error: null } }));
  },

  setMatrixCell(i, j, v) {
    set((s) => ({ form: { ...s.form, error: null, matrix: s.form.matrix.map((row, a) => (a === i ? row.map((c, b) => (b === j ? v : c)) : row)) } }));
  },

  async submit() {
    const f = get().form;
    if (!f.runId || !f.dataset || f.version === null) return null;
    const { cost, errors } = costOfForm(f);
    if (Object.keys(errors).length) return null;
    set((s) => ({ form: { ...s.form, busy: true, error: null } }));
    try {
      const ev = await transport().call('evaluation.run', {
        runId: f.runId,
        data: `${f.dataset}@v${f.version}`,
        ...(f.slice ? { slice: f.slice } : {}),
        ...(isTrainingVersion(f) ? { split: f.split } : {}),
        ...(cost ? { cost } : {}),
        ...(cost && cost.kind === 'binary' && f.positive ? { positive: f.positive } : {}),
      });
      set((s) => ({ form: { ...s.form, busy: false }, current: { data: ev, loading: false, error: null }, currentId: ev.id }));
      return ev.id;
    } catch (e) {
      set((s) => ({ form: { ...s.form, busy: false, error: toLatheError(e) } }));
      return null;
    }
  },
}));

export const evaluationSelectors = {
  sliceColumns: (f: EvaluateForm): string[] =>
    f.profile && f.profile.kind === 'table' ? f.profile.columns.filter((c) => c.type === 'categorical' || c.type === 'boolean').map((c) => c.name) : [],
};

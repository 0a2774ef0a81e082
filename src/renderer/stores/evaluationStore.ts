import { create } from 'zustand';
import type { DatasetProfile, DatasetSummary, DatasetVersion } from '../../shared/datasets';
import type { CostMatrix, Evaluation, EvaluationComparison, EvaluationSplit } from '../../shared/evaluation';
import type { Run } from '../../shared/tracking';
import type { ModelSignature } from '../../shared/training';
import type { LatheError } from '../../shared/errors';
import { transport } from '../transport';
import { binaryCostOf, defaultMatrix, EMPTY_BINARY_COST, matrixCostOf, type BinaryCostForm } from './evaluationLogic';
import type { FieldErrors } from './trainingForm';

import { attempt, field, guarded, idle, load, ready, type Loadable } from './loadable';

/** A failure while filling the form shows in the form. */
const formError = (set: (fn: (s: EvaluationState) => Partial<EvaluationState>) => void) => (error: LatheError) => set((s) => ({ form: { ...s.form, error } }));

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
    set({ currentId: id });
    const still = (s: EvaluationState) => s.currentId === id;
    const data = await load(set, get, field('current'), () => transport().call('evaluation.get', { id }), { still, clear: get().current.data?.id !== id, dropOnError: true });
    if (!data || get().run?.id === data.runId) return;
    // The baselines beside the report; a report without them is still a report.
    const run = await transport()
      .call('runs.get', { id: data.runId })
      .catch(() => null);
    if (still(get())) set({ run });
  },

  async openCompare(ids) {
    set({ compareIds: ids });
    await load(set, get, field('comparison'), () => transport().call('evaluation.compare', { ids }), { still: (s) => s.compareIds === ids, dropOnError: true });
  },

  async remove(id) {
    const removed = await attempt(
      (p) => set((s) => ({ current: { ...s.current, error: p.error } })),
      async () => {
        await transport().call('evaluation.delete', { id });
        return true;
      },
    );
    return removed ?? false;
  },

  async startForm(runId) {
    set({ form: { ...EMPTY_FORM, runId } });
    await guarded(async () => {
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
    }, formError(set));
  },

  async chooseDataset(name) {
    set((s) => ({ form: { ...s.form, dataset: name, versions: null, version: null, profile: null, slice: '' } }));
    await guarded(async () => {
      const versions = await transport().call('datasets.versions', { name });
      if (get().form.dataset !== name) return;
      set((s) => ({ form: { ...s.form, versions } }));
      // The version the run trained on first (its held-out test split is the honest default), else the newest.
      const trained = versions.find((v) => v.id === get().form.signature?.dataVersion);
      if (versions.length) await get().chooseVersion((trained ?? versions[0]).number);
    }, formError(set));
  },

  async chooseVersion(n) {
    const name = get().form.dataset;
    if (!name) return;
    set((s) => ({ form: { ...s.form, version: n, profile: null } }));
    await guarded(async () => {
      const { profile } = await transport().call('datasets.show', { ref: `${name}@v${n}` });
      if (get().form.version === n && get().form.dataset === name) set((s) => ({ form: { ...s.form, profile } }));
    }, formError(set));
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
    const input = {
      runId: f.runId,
      data: `${f.dataset}@v${f.version}`,
      ...(f.slice ? { slice: f.slice } : {}),
      ...(isTrainingVersion(f) ? { split: f.split } : {}),
      ...(cost ? { cost } : {}),
      ...(cost && cost.kind === 'binary' && f.positive ? { positive: f.positive } : {}),
    };
    const ev = await attempt((p) => set((s) => ({ form: { ...s.form, ...p } })), () => transport().call('evaluation.run', input));
    if (!ev) return null;
    set({ current: ready(ev), currentId: ev.id });
    return ev.id;
  },
}));

export const evaluationSelectors = {
  sliceColumns: (f: EvaluateForm): string[] =>
    f.profile && f.profile.kind === 'table' ? f.profile.columns.filter((c) => c.type === 'categorical' || c.type === 'boolean').map((c) => c.name) : [],
};

import { create } from 'zustand';
import { toLatheError, type LatheError } from '../../shared/errors';
import type { DefinitionIssue, GateDecision, PipelineDetail, PipelineRun, PipelineSummary, StageExplanation } from '../../shared/pipelines';
import { transport } from '../transport';
import { useToastStore } from './toastStore';
import { attempt, field, guarded, idle, load, type Loadable } from './loadable';

/**
 * The Pipelines screen: the list, one pipeline (its file, DAG and triggers), its run history, the run
 * shown (live stage states from `pipelines.changed`), the stage selected, a gate decision, explain,
 * and the editor (checked as you type; stored on save).
 */
export interface PipelinesState {
  list: Loadable<PipelineSummary[]>;
  current: PipelineDetail | null;
  history: PipelineRun[];
  run: PipelineRun | null;
  stage: string | null;
  decision: GateDecision | null;
  explain: StageExplanation[] | null;
  tab: 'run' | 'history' | 'file';
  draft: string;
  issues: DefinitionIssue[];
  busy: boolean;
  error: LatheError | null;
}

interface PipelinesActions {
  loadList(): Promise<void>;
  open(name: string): Promise<void>;
  close(): void;
  showRun(id: string): Promise<void>;
  selectStage(stage: string | null): Promise<void>;
  setTab(tab: PipelinesState['tab']): void;
  setDraft(text: string): Promise<void>;
  save(): Promise<void>;
  runNow(opts?: { force?: boolean; from?: string }): Promise<void>;
  loadExplain(): Promise<void>;
  changed(name: string, runId?: string): void;
}

export const initialPipelinesState: PipelinesState = {
  list: idle(),
  current: null,
  history: [],
  run: null,
  stage: null,
  decision: null,
  explain: null,
  tab: 'run',
  draft: '',
  issues: [],
  busy: false,
  error: null,
};

let checkSeq = 0;
let refresh: ReturnType<typeof setTimeout> | null = null;

export const usePipelinesStore = create<PipelinesState & PipelinesActions>()((set, get) => {
  const showError = (error: LatheError) => set({ error });
  return {
    ...initialPipelinesState,

    async loadList() {
      await load(set, get, field('list'), () => transport().call('pipelines.list', {}));
    },

    async open(name) {
      await guarded(async () => {
        const [current, history] = await Promise.all([transport().call('pipelines.get', { name }), transport().call('pipelines.history', { name, limit: 50 })]);
        const keep = get().current?.name === name;
        set({ current, history, draft: keep && get().draft ? get().draft : current.text, issues: current.issues, error: null, explain: null });
        const runId = keep && get().run ? get().run!.id : history[0]?.id;
        if (runId) await get().showRun(runId);
        else set({ run: null, stage: null, decision: null });
      }, showError);
    },

    close() {
      set({ current: null, run: null, stage: null, decision: null, history: [], explain: null, tab: 'run' });
    },

    async showRun(id) {
      const run = await transport().call('pipelines.status', { runId: id });
      set({ run });
      const gate = run.stages.find((s) => s.type === 'gate' && typeof s.outputs.decision === 'string');
      set({ decision: gate ? await transport().call('pipelines.decision', { id: String(gate.outputs.decision) }) : null });
    },

    async selectStage(stage) {
      set({ stage });
    },

    setTab(tab) {
      set({ tab });
      if (tab === 'history' && get().current) void get().loadExplain();
    },

    async setDraft(text) {
      set({ draft: text });
      const seq = ++checkSeq;
      try {
        const { issues } = await transport().call('pipelines.check', { text });
        if (seq === checkSeq) set({ issues });
      } catch (e) {
        if (seq === checkSeq) set({ issues: [{ message: toLatheError(e).message, path: '', line: 1, column: 1 }] });
      }
    },

    async save() {
      const sourcePath = get().current?.sourcePath;
      const saved = await attempt(set, () => transport().call('pipelines.save', { text: get().draft, ...(sourcePath ? { sourcePath } : {}) }));
      if (!saved) return;
      set({ current: saved, issues: saved.issues });
      useToastStore.getState().push({ kind: 'success', message: `Saved pipeline ${saved.name}` });
      await get().loadList();
    },

    async runNow(opts = {}) {
      const name = get().current?.name;
      if (!name) return;
      set({ tab: 'run' });
      const run = await attempt(set, () => transport().call('pipelines.run', { name, force: !!opts.force, from: opts.from, wait: false }));
      if (!run) return;
      set({ run, stage: null, decision: null });
      await get().open(name);
      await get().showRun(run.id);
    },

    async loadExplain() {
      const name = get().current?.name;
      if (!name) return;
      await guarded(async () => set({ explain: await transport().call('pipelines.explain', { name }) }), showError);
    },

    changed(name, runId) {
      // Stage states arrive in bursts: refresh at most every 250 ms.
      if (refresh) return;
      refresh = setTimeout(() => {
        refresh = null;
        void get().loadList();
        const s = get();
        if (s.current?.name !== name) return;
        if (runId && s.run?.id === runId) void s.showRun(runId);
        // A run that just started (a trigger, another door): follow it.
        else if (runId && !s.history.some((r) => r.id === runId)) void s.open(name).then(() => get().showRun(runId));
        else void transport().call('pipelines.history', { name, limit: 50 }).then((history) => set({ history }));
      }, 250);
    },
  };
});

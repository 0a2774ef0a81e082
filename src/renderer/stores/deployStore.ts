import { create } from 'zustand';
import type { ExportFormat, ExportRecord, ModelVersion } from '../../shared/registry';
import type { LatheError } from '../../shared/errors';
import { transport } from '../transport';

export const FORMAT_INFO: Record<ExportFormat, { title: string; line: string }> = {
  tfjs: { title: 'TF.js', line: 'Layers model + preprocessing JSON; loads in Node and in a browser.' },
  onnx: { title: 'ONNX', line: 'Opset 13, preprocessing in the graph; checked against TF.js on 100 rows.' },
  serving: { title: 'Serving', line: 'A Node HTTP server folder (POST /predict) with a Dockerfile; runs without Lathe.' },
  card: { title: 'Model card', line: 'The model card as Markdown and HTML, to read or publish.' },
};

import { attempt, field, idle, load, type Loadable } from './loadable';

export interface DeployState {
  ref: string;
  format: ExportFormat;
  out: string;
  /** What `ref` points at now (models.show), for the line under the input. */
  resolved: Loadable<ModelVersion>;
  resolvedRef: string | null;
  busy: boolean;
  result: ExportRecord | null;
  error: LatheError | null;
  history: Loadable<ExportRecord[]>;
}

export const initialDeployState: DeployState = {
  ref: '',
  format: 'tfjs',
  out: '',
  resolved: idle(),
  resolvedRef: null,
  busy: false,
  result: null,
  error: null,
  history: idle(),
};

interface DeployActions {
  setRef(ref: string): void;
  setFormat(format: ExportFormat): void;
  setOut(out: string): void;
  resolve(): Promise<void>;
  runExport(): Promise<ExportRecord | null>;
  loadHistory(): Promise<void>;
}

export const useDeployStore = create<DeployState & DeployActions>()((set, get) => ({
  ...initialDeployState,

  setRef(ref) {
    set({ ref, error: null });
  },
  setFormat(format) {
    set({ format, error: null });
  },
  setOut(out) {
    set({ out, error: null });
  },

  async resolve() {
    const ref = get().ref.trim();
    if (!ref) {
      set({ resolved: idle(), resolvedRef: null });
      return;
    }
    if (get().resolvedRef === ref && (get().resolved.data || get().resolved.loading)) return;
    set({ resolvedRef: ref });
    await load(set, get, field('resolved'), () => transport().call('models.show', { ref }), { still: (s) => s.resolvedRef === ref, clear: true, dropOnError: true });
  },

  async runExport() {
    const { ref, format, out } = get();
    set({ result: null });
    const result = await attempt(set, () => transport().call('export.run', { ref: ref.trim(), format, out: out.trim() }));
    if (!result) return null;
    set({ result });
    void get().loadHistory();
    return result;
  },

  async loadHistory() {
    await load(set, get, field('history'), () => transport().call('export.history', { limit: 200 }));
  },
}));

/** A folder to suggest for an export: beside the workspace, named after the ref and format. */
export function suggestOut(home: string | undefined, ref: string, format: ExportFormat): string {
  if (!home || !ref.trim()) return '';
  const sep = home.includes('\\') && !home.includes('/') ? '\\' : '/';
  const base = home.replace(/[\\/]+$/, '');
  return `${base}${sep}exports${sep}${ref.trim().replace(/[^\w.-]+/g, '-')}-${format}`;
}

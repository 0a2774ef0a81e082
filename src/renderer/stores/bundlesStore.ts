import { create } from 'zustand';
import type { BundleImportResult, BundleSummary } from '../../shared/registry';
import { LatheError } from '../../shared/errors';
import { transport, type UploadItem, type UploadProgress } from '../transport';
import { useToastStore } from './toastStore';
import { attempt } from './loadable';

/** The call has returned, so its task is over: drop a progress toast the engine left unfinished. */
function endTasks(file: string, again = true) {
  const base = file.split(/[\\/]/).pop() ?? file;
  const toasts = useToastStore.getState();
  for (const t of Object.values(toasts.tasks)) if (!t.finished && /bundle|import/i.test(t.label) && t.label.includes(base)) toasts.dismissTask(t.task);
  // Events travel apart from the answer and may land just after it.
  if (again) setTimeout(() => endTasks(file, false), 800);
}

export interface BundlesState {
  // Export
  models: string[];
  runs: string;
  withData: boolean;
  out: string;
  exporting: boolean;
  exported: BundleSummary | null;
  exportError: LatheError | null;
  // Import
  file: string;
  /** A file chosen in the browser, uploaded to the engine's machine before the dry run. */
  upload: { label: string; bytes: number } | null;
  uploadProgress: UploadProgress | null;
  importing: null | 'uploading' | 'checking' | 'importing';
  /** The dry run of exactly `checkedFile` (an import is offered only after one). */
  dryRun: BundleImportResult | null;
  checkedFile: string | null;
  overwrite: boolean;
  imported: BundleImportResult | null;
  importError: LatheError | null;
}

export const initialBundlesState: BundlesState = {
  models: [],
  runs: '',
  withData: false,
  out: '',
  exporting: false,
  exported: null,
  exportError: null,
  file: '',
  upload: null,
  uploadProgress: null,
  importing: null,
  dryRun: null,
  checkedFile: null,
  overwrite: false,
  imported: null,
  importError: null,
};

interface BundlesActions {
  toggleModel(ref: string): void;
  setExportField(patch: Partial<Pick<BundlesState, 'runs' | 'withData' | 'out'>>): void;
  exportBundle(): Promise<BundleSummary | null>;
  setFile(file: string): void;
  /** Browser door: send a chosen file to the engine's machine; its path becomes `file`. */
  uploadFile(file: File): Promise<void>;
  setOverwrite(overwrite: boolean): void;
  checkImport(): Promise<BundleImportResult | null>;
  runImport(): Promise<BundleImportResult | null>;
  /** Adds the checked bundle's signer to the keyring, then checks the bundle again. */
  trustSigner(name?: string): Promise<void>;
}

/** The import's busy phase and error, as `attempt` reports them. */
const importPhase = (set: (p: Partial<BundlesState>) => void, phase: NonNullable<BundlesState['importing']>) => (p: { busy: boolean; error: LatheError | null }) =>
  set({ importing: p.busy ? phase : null, importError: p.error });

export const useBundlesStore = create<BundlesState & BundlesActions>()((set, get) => ({
  ...initialBundlesState,

  toggleModel(ref) {
    set((s) => ({ models: s.models.includes(ref) ? s.models.filter((m) => m !== ref) : [...s.models, ref] }));
  },

  setExportField(patch) {
    set({ ...patch, exportError: null });
  },

  async exportBundle() {
    const { models, runs, withData, out } = get();
    const input = { out: out.trim(), ...(models.length ? { models } : {}), ...(runs.trim() ? { runs: runs.trim() } : {}), withData };
    set({ exported: null });
    const exported = await attempt((p) => set({ exporting: p.busy, exportError: p.error }), () => transport().call('bundle.export', input));
    if (exported) set({ exported });
    return exported ?? null;
  },

  setFile(file) {
    set({ file, upload: null, dryRun: null, checkedFile: null, imported: null, importError: null });
  },

  async uploadFile(file) {
    const t = transport();
    set({ upload: { label: file.name, bytes: file.size }, file: '', dryRun: null, checkedFile: null, imported: null, importError: null });
    if (t.pathForFile) {
      const p = t.pathForFile(file);
      if (p) {
        set({ file: p, upload: null });
        return;
      }
    }
    if (!t.upload) {
      set({ importError: new LatheError('INVALID_INPUT', 'This window cannot upload files', { hint: 'Type the path of the bundle instead.' }), upload: null });
      return;
    }
    const send = t.upload.bind(t);
    const items: UploadItem[] = [{ file, relativePath: file.name }];
    set({ uploadProgress: null });
    const path = await attempt(importPhase(set, 'uploading'), () => send(items, (p) => set({ uploadProgress: p })));
    set(path ? { file: path, uploadProgress: null } : { uploadProgress: null, upload: null });
  },

  setOverwrite(overwrite) {
    set({ overwrite });
  },

  async checkImport() {
    const file = get().file.trim();
    set({ dryRun: null, checkedFile: null, imported: null });
    const dryRun = await attempt(importPhase(set, 'checking'), () => transport().call('bundle.import', { file, dryRun: true }));
    endTasks(file);
    if (dryRun) set({ dryRun, checkedFile: file });
    return dryRun ?? null;
  },

  async runImport() {
    const { checkedFile, overwrite } = get();
    if (!checkedFile) return null;
    const imported = await attempt(importPhase(set, 'importing'), () => transport().call('bundle.import', { file: checkedFile, dryRun: false, force: overwrite }));
    endTasks(checkedFile);
    if (imported) set({ imported });
    return imported ?? null;
  },

  async trustSigner(name) {
    const { checkedFile } = get();
    if (!checkedFile) return;
    const trusted = await attempt((p) => set({ importError: p.error }), () => transport().call('keys.trust', { bundle: checkedFile, ...(name ? { name } : {}) }));
    if (trusted) await get().checkImport();
  },
}));

const NO_CONFLICTS: BundleImportResult['conflicts'] = [];

export const bundlesSelectors = {
  canImport: (s: BundlesState) => !!s.dryRun && s.checkedFile === s.file.trim() && !s.importing && !s.imported,
  /** Alias conflicts of the dry run (what an import leaves unchanged unless overwrite is ticked). */
  conflicts: (s: BundlesState) => s.dryRun?.conflicts ?? NO_CONFLICTS,
};

/** A short fingerprint to recognise a key at a glance (the whole one is in the tooltip and `lathe keys list`). */
export function shortFingerprint(f: string | null | undefined, digits = 16): string {
  return (f?.slice(0, digits).match(/.{1,4}/g) ?? []).join(':');
}

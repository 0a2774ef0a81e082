import { create } from 'zustand';
import type { BundleImportResult, BundleSummary } from '../../shared/registry';
import { LatheError, toLatheError } from '../../shared/errors';
import { transport, type UploadItem, type UploadProgress } from '../transport';
import { useToastStore } from './toastStore';

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
    set({ exporting: true, exportError: null, exported: null });
    try {
      const exported = await transport().call('bundle.export', {
        out: out.trim(),
        ...(models.length ? { models } : {}),
        ...(runs.trim() ? { runs: runs.trim() } : {}),
        withData,
      });
      set({ exporting: false, exported });
      return exported;
    } catch (e) {
      set({ exporting: false, exportError: toLatheError(e) });
      return null;
    }
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
    set({ importing: 'uploading', uploadProgress: null });
    try {
      const items: UploadItem[] = [{ file, relativePath: file.name }];
      const path = await t.upload(items, (p) => set({ uploadProgress: p }));
      set({ file: path, importing: null, uploadProgress: null });
    } catch (e) {
      set({ importing: null, uploadProgress: null, upload: null, importError: toLatheError(e) });
    }
  },

  setOverwrite(overwrite) {
    set({ overwrite });
  },

  async checkImport() {
    const file = get().file.trim();
    set({ importing: 'checking', importError: null, dryRun: null, checkedFile: null, imported: null });
    try {
      const dryRun = await transport().call('bundle.import', { file, dryRun: true });
      set({ importing: null, dryRun, checkedFile: file });
      return dryRun;
    } catch (e) {
      set({ importing: null, importError: toLatheError(e) });
      return null;
    } finally {
      endTasks(file);
    }
  },

  async runImport() {
    const { checkedFile, overwrite } = get();
    if (!checkedFile) return null;
    set({ importing: 'importing', importError: null });
    try {
      const imported = await transport().call('bundle.import', { file: checkedFile, dryRun: false, force: overwrite });
      set({ importing: null, imported });
      return imported;
    } catch (e) {
      set({ importing: null, importError: toLatheError(e) });
      return null;
    } finally {
      endTasks(checkedFile);
    }
  },

  async trustSigner(name) {
    const { checkedFile } = get();
    if (!checkedFile) return;
    try {
      await transport().call('keys.trust', { bundle: checkedFile, ...(name ? { name } : {}) });
    } catch (e) {
      set({ importError: toLatheError(e) });
      return;
    }
    await get().checkImport();
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

import { create } from 'zustand';
import { datasetNameSchema, tagSchema, type AddResult } from '../../shared/datasets';
import { LatheError, toLatheError } from '../../shared/errors';
import { transport, type UploadItem, type UploadProgress } from '../transport';
import { useDatasetsStore } from './datasetsStore';

/**
 * The "Add a dataset or version" flow: what the user chose (files to upload in a browser, or a path the
 * engine reads in place), the upload, the import, and its result or error. The dialog only renders it.
 */

/** What the user chose to import: files to upload (browser) or a path the engine can read. */
export type AddSource = { kind: 'upload'; items: UploadItem[]; label: string; bytes: number } | { kind: 'path'; path: string };

export interface AddDatasetState {
  name: string;
  message: string;
  tag: string;
  source: AddSource | null;
  /** A typed path wins over a chosen file. */
  typedPath: string;
  busy: null | 'uploading' | 'importing';
  upload: UploadProgress | null;
  error: LatheError | null;
  result: AddResult | null;
}

interface AddDatasetActions {
  /** A fresh form, named after the dataset it adds a version to ('' for a new one). */
  reset(defaultName: string): void;
  setField(patch: Partial<Pick<AddDatasetState, 'name' | 'message' | 'tag' | 'typedPath'>>): void;
  /** Files chosen or dropped in the window (a folder: its files, with their relative paths). */
  chooseFiles(files: File[], folder: boolean): void;
  /** Electron's native open dialog. */
  pick(kind: 'file' | 'folder'): Promise<void>;
  /** Uploads when needed, then imports; the result, or undefined when refused (the error is in `error`). */
  submit(): Promise<AddResult | undefined>;
}

export const initialAddDatasetState: AddDatasetState = {
  name: '',
  message: '',
  tag: '',
  source: null,
  typedPath: '',
  busy: null,
  upload: null,
  error: null,
  result: null,
};

/** A dataset name from a file or folder name: `Penguins 2024.csv` -> `Penguins_2024`. */
export function nameFromFile(fileName: string): string {
  const stem = fileName.replace(/\.[^.]+$/, '');
  const cleaned = stem.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return cleaned.slice(0, 100);
}

/** Errors about an upload name its temporary copy; people chose `penguins.csv`, so say that. */
export function withOriginalName(err: LatheError, uploadedPath: string, original: string): LatheError {
  const swap = (s: string | undefined) => s?.split(uploadedPath).join(original);
  return new LatheError(err.code, swap(err.message) ?? err.message, { where: swap(err.where), hint: swap(err.hint) });
}

function firstIssue(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, v: string): string | null {
  const r = schema.safeParse(v);
  return r.success ? null : (r.error?.issues[0]?.message ?? 'invalid');
}

/** What the files chosen in the window become: a path where the engine can read them (Electron), or an upload. */
export function sourceOfFiles(files: File[], folder: boolean, pathForFile?: (f: File) => string): { source: AddSource; suggested: string } | null {
  if (files.length === 0) return null;
  const first = files[0];
  const p = pathForFile?.(first);
  if (p) {
    // Electron: the engine reads the file where it is; no copy.
    const rel = first.webkitRelativePath;
    const top = folder ? p.slice(0, p.length - (rel.split('/').slice(1).join('/').length + 1)) : p;
    return { source: { kind: 'path', path: top }, suggested: folder ? rel.split('/')[0] : first.name };
  }
  const items: UploadItem[] = files.map((f) => ({ file: f, relativePath: folder && f.webkitRelativePath ? f.webkitRelativePath : f.name }));
  const topName = folder ? items[0].relativePath.split('/')[0] : first.name;
  const label = folder ? `${topName}/ (${items.length} files)` : first.name;
  return { source: { kind: 'upload', items, label, bytes: files.reduce((s, f) => s + f.size, 0) }, suggested: topName };
}

/** Derived views: the source that will be imported, the field problems, whether Import may be pressed. */
export const addDatasetSelectors = {
  effective: (s: AddDatasetState): AddSource | null => (s.typedPath.trim() ? { kind: 'path', path: s.typedPath.trim() } : s.source),
  nameIssue: (s: AddDatasetState): string | null => (s.name ? firstIssue(datasetNameSchema, s.name) : null),
  tagIssue: (s: AddDatasetState): string | null => (s.tag ? firstIssue(tagSchema, s.tag) : null),
  canSubmit: (s: AddDatasetState): boolean =>
    !s.busy && !!s.name && !addDatasetSelectors.nameIssue(s) && !addDatasetSelectors.tagIssue(s) && !!addDatasetSelectors.effective(s),
};

export const useAddDatasetStore = create<AddDatasetState & AddDatasetActions>()((set, get) => {
  const choose = (source: AddSource, suggested: string) => {
    set((s) => ({ source, typedPath: '', result: null, error: null, name: !s.name && suggested ? nameFromFile(suggested) : s.name }));
  };

  return {
    ...initialAddDatasetState,

    reset(defaultName) {
      set({ ...initialAddDatasetState, name: defaultName });
    },

    setField(patch) {
      set(patch);
    },

    chooseFiles(files, folder) {
      const t = transport();
      const chosen = sourceOfFiles(files, folder, t.pathForFile?.bind(t));
      if (chosen) choose(chosen.source, chosen.suggested);
    },

    async pick(kind) {
      const p = await transport().pick?.(kind);
      if (p) choose({ kind: 'path', path: p }, p.split(/[\\/]/).pop() ?? '');
    },

    async submit() {
      const s = get();
      const effective = addDatasetSelectors.effective(s);
      if (!addDatasetSelectors.canSubmit(s) || !effective) return undefined;
      set({ error: null, result: null });
      const t = transport();
      let uploadedPath: string | null = null;
      try {
        let path = effective.kind === 'path' ? effective.path : '';
        if (effective.kind === 'upload') {
          if (!t.upload) throw new LatheError('INTERNAL', 'This door cannot upload files', { hint: 'Type the path of the file instead.' });
          set({ busy: 'uploading' });
          path = uploadedPath = await t.upload(effective.items, (upload) => set({ upload }));
        }
        set({ busy: 'importing' });
        const result = await useDatasetsStore.getState().add({ name: s.name, path, message: s.message, tag: s.tag || undefined });
        set({ result, busy: null, upload: null });
        return result;
      } catch (e) {
        let error = toLatheError(e);
        if (uploadedPath && effective.kind === 'upload') error = withOriginalName(error, uploadedPath, effective.items[0].relativePath.split('/')[0]);
        set({ error, busy: null, upload: null });
        return undefined;
      }
    },
  };
});

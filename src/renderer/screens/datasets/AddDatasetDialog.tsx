import { useRef, useState, type DragEvent } from 'react';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/ErrorBox';
import { datasetNameSchema, tagSchema, type AddResult } from '../../../shared/datasets';
import { LatheError, toLatheError } from '../../../shared/errors';
import { formatBytes, formatPercent } from '../../format';
import { useDatasetsStore } from '../../stores/datasetsStore';
import { useToastStore } from '../../stores/toastStore';
import { transport, type UploadItem, type UploadProgress } from '../../transport';
import { DialogForm, FormFooter } from '../../components/FormFooter';

/** What the user chose to import: files to upload (browser) or a path the engine can read. */
type Source = { kind: 'upload'; items: UploadItem[]; label: string; bytes: number } | { kind: 'path'; path: string };

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

export function AddDatasetDialog({ defaultName }: { defaultName: string }) {
  const t = transport();
  const setAddOpen = useDatasetsStore((s) => s.setAddOpen);
  const add = useDatasetsStore((s) => s.add);
  const open = useDatasetsStore((s) => s.open);
  const tasks = useToastStore((s) => s.tasks);
  const [name, setName] = useState(defaultName);
  const [message, setMessage] = useState('');
  const [tag, setTag] = useState('');
  const [source, setSource] = useState<Source | null>(null);
  const [typedPath, setTypedPath] = useState('');
  const [busy, setBusy] = useState<null | 'uploading' | 'importing'>(null);
  const [upload, setUpload] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<LatheError | null>(null);
  const [result, setResult] = useState<AddResult | null>(null);
  const [dragOver, setDragOver] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const folderRef = useRef<HTMLInputElement>(null);

  const close = () => setAddOpen(false);
  const nameIssue = name ? firstIssue(datasetNameSchema, name) : null;
  const tagIssue = tag ? firstIssue(tagSchema, tag) : null;
  const effective: Source | null = typedPath.trim() ? { kind: 'path', path: typedPath.trim() } : source;
  const canSubmit = !busy && !!name && !nameIssue && !tagIssue && !!effective;
  const importing = busy === 'importing' ? Object.values(tasks).find((x) => !x.finished) : undefined;

  const choose = (s: Source, suggested: string) => {
    setSource(s);
    setTypedPath('');
    setResult(null);
    setError(null);
    if (!name && suggested) setName(nameFromFile(suggested));
  };

  const fromFiles = (files: FileList | null, folder: boolean) => {
    if (!files || files.length === 0) return;
    const list = Array.from(files);
    if (t.pathForFile) {
      // Electron: the engine reads the file where it is; no copy.
      const p = t.pathForFile(list[0]);
      if (p) {
        const top = folder ? p.slice(0, p.length - (list[0].webkitRelativePath.split('/').slice(1).join('/').length + 1)) : p;
        choose({ kind: 'path', path: top }, folder ? list[0].webkitRelativePath.split('/')[0] : list[0].name);
        return;
      }
    }
    const items: UploadItem[] = list.map((f) => ({ file: f, relativePath: folder && f.webkitRelativePath ? f.webkitRelativePath : f.name }));
    const label = folder ? `${items[0].relativePath.split('/')[0]}/ (${items.length} files)` : list[0].name;
    choose({ kind: 'upload', items, label, bytes: list.reduce((s, f) => s + f.size, 0) }, folder ? items[0].relativePath.split('/')[0] : list[0].name);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragOver(false);
    fromFiles(e.dataTransfer.files, false);
  };

  const pick = async (kind: 'file' | 'folder') => {
    const p = await t.pick?.(kind);
    if (p) choose({ kind: 'path', path: p }, p.split(/[\\/]/).pop() ?? '');
  };

  const submit = async () => {
    if (!canSubmit || !effective) return;
    setError(null);
    setResult(null);
    let uploadedPath: string | null = null;
    try {
      let path: string;
      if (effective.kind === 'upload') {
        if (!t.upload) throw new LatheError('INTERNAL', 'This door cannot upload files', { hint: 'Type the path of the file instead.' });
        setBusy('uploading');
        path = await t.upload(effective.items, setUpload);
        uploadedPath = path;
      } else {
        path = effective.path;
      }
      setBusy('importing');
      const r = await add({ name, path, message, tag: tag || undefined });
      setResult(r);
    } catch (e) {
      let err = toLatheError(e);
      if (uploadedPath && effective.kind === 'upload') err = withOriginalName(err, uploadedPath, effective.items[0].relativePath.split('/')[0]);
      setError(err);
      useToastStore.getState().error(err);
    } finally {
      setBusy(null);
      setUpload(null);
    }
  };

  const footer = result ? (
    <>
      <button type="button" className="button" onClick={close}>
        Close
      </button>
      <button
        type="button"
        className="button primary"
        data-testid="add-open"
        onClick={() => {
          close();
          void open(result.version.dataset).then(() => useDatasetsStore.getState().select(result.version.number));
        }}
      >
        Open {result.version.dataset}@v{result.version.number}
      </button>
    </>
  ) : (
    <FormFooter formId="add-form" onCancel={close} disabled={!canSubmit} testId="add-submit">
      {busy === 'uploading' ? 'Uploading…' : busy === 'importing' ? 'Importing…' : 'Import'}
    </FormFooter>
  );

  return (
    <Dialog title={defaultName ? `Add a version of ${defaultName}` : 'Add a dataset or version'} onClose={close} testId="add-dialog" footer={footer}>
      <DialogForm id="add-form" onSubmit={() => void submit()}>
        <label className="field">
          <span>Name</span>
          <input
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="penguins"
            autoFocus={!defaultName}
            data-testid="add-name"
            aria-invalid={!!nameIssue}
          />
          {nameIssue ? <small className="field-error">{nameIssue}</small> : <small className="muted">An existing name adds a new version to it.</small>}
        </label>
        <div
          className={dragOver ? 'dropzone over' : 'dropzone'}
          onDragOver={(e) => {
            e.preventDefault();
            setDragOver(true);
          }}
          onDragLeave={() => setDragOver(false)}
          onDrop={onDrop}
          data-testid="add-dropzone"
        >
          <div>CSV, TSV, JSON Lines, Parquet, or a folder of images in class subfolders (birds/robin/1.png)</div>
          <div className="row gap">
            {t.pick ? (
              <>
                <button type="button" className="button" onClick={() => void pick('file')}>
                  Choose a file…
                </button>
                <button type="button" className="button" onClick={() => void pick('folder')}>
                  Choose an image folder…
                </button>
              </>
            ) : (
              <>
                <button type="button" className="button" onClick={() => fileRef.current?.click()}>
                  Choose a file…
                </button>
                <button type="button" className="button" onClick={() => folderRef.current?.click()}>
                  Choose an image folder…
                </button>
              </>
            )}
            <span className="muted small">or drop a file here</span>
          </div>
          <input
            ref={fileRef}
            type="file"
            hidden
            accept=".csv,.tsv,.tab,.txt,.jsonl,.ndjson,.json,.parquet"
            data-testid="add-file-input"
            onChange={(e) => fromFiles(e.target.files, false)}
          />
          <input
            ref={(el) => {
              folderRef.current = el;
              if (el) el.setAttribute('webkitdirectory', '');
            }}
            type="file"
            hidden
            multiple
            data-testid="add-folder-input"
            onChange={(e) => fromFiles(e.target.files, true)}
          />
          {source && !typedPath && (
            <div className="chosen" data-testid="add-chosen">
              {source.kind === 'upload' ? (
                <>
                  <span className="mono">{source.label}</span> <span className="muted">{formatBytes(source.bytes)}</span>
                </>
              ) : (
                <span className="mono">{source.path}</span>
              )}
            </div>
          )}
        </div>
        <label className="field">
          <span>
            …or a path on this computer <span className="muted">(read in place, nothing is uploaded)</span>
          </span>
          <input className="input mono" value={typedPath} onChange={(e) => setTypedPath(e.target.value)} placeholder="/data/penguins.csv" data-testid="add-path" />
        </label>
        <label className="field">
          <span>Message</span>
          <input className="input" value={message} onChange={(e) => setMessage(e.target.value)} placeholder="What changed in this version" data-testid="add-message" />
        </label>
        <label className="field">
          <span>
            Tag <span className="muted">(optional)</span>
          </span>
          <input className="input" value={tag} onChange={(e) => setTag(e.target.value)} placeholder="clean" data-testid="add-tag" aria-invalid={!!tagIssue} />
          {tagIssue && <small className="field-error">{tagIssue}</small>}
        </label>
      </DialogForm>
      {busy === 'uploading' && upload && (
        <div className="busy" data-testid="add-upload-progress">
          <div className="row space">
            <span>
              Uploading {upload.filesDone}/{upload.files} file{upload.files === 1 ? '' : 's'}
            </span>
            <span className="muted">{formatPercent(upload.sentBytes, upload.totalBytes)}</span>
          </div>
          <progress className="progress" max={upload.totalBytes || 1} value={upload.sentBytes} />
        </div>
      )}
      {busy === 'importing' && (
        <div className="busy" data-testid="add-import-progress">
          <div className="row space">
            <span>{importing ? `${importing.label}: ${importing.phase}` : 'Importing…'}</span>
            <span className="muted">{importing && importing.total > 0 ? formatPercent(importing.done, importing.total) : ''}</span>
          </div>
          <progress className="progress" max={importing && importing.total > 0 ? importing.total : undefined} value={importing && importing.total > 0 ? importing.done : undefined} />
        </div>
      )}
      <ErrorBox error={error} testId="add-error" />
      {result && (
        <div className={result.created ? 'result ok' : 'result same'} data-testid="add-result">
          <div className="strong">
            {result.created ? `Created ${result.version.dataset}@v${result.version.number}` : 'No new version'}
            <span className="mono muted"> {result.version.id.slice(0, 12)}</span>
          </div>
          <div>{result.note}</div>
          {result.warnings.length > 0 && (
            <ul className="warnings small" data-testid="add-warnings">
              {result.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <div className="muted small">
            {result.version.rowCount.toLocaleString('en-US')} rows · {formatBytes(result.version.size)} · {formatBytes(result.version.storedBytes)} newly stored
          </div>
        </div>
      )}
    </Dialog>
  );
}

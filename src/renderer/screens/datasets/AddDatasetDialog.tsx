import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/ErrorBox';
import { formatBytes, formatCount, formatPercent } from '../../format';
import { addDatasetSelectors, useAddDatasetStore } from '../../stores/addDatasetStore';
import { useDatasetsStore } from '../../stores/datasetsStore';
import { useToastStore } from '../../stores/toastStore';
import { transport } from '../../transport';
import { DialogForm, FormFooter } from '../../components/FormFooter';

export { nameFromFile, withOriginalName } from '../../stores/addDatasetStore';

/** The add-dataset form; its flow (upload, import, result, error) lives in useAddDatasetStore. */
export function AddDatasetDialog({ defaultName }: { defaultName: string }) {
  const t = transport();
  const setAddOpen = useDatasetsStore((s) => s.setAddOpen);
  const open = useDatasetsStore((s) => s.open);
  const tasks = useToastStore((s) => s.tasks);
  const { name, message, tag, source, typedPath, busy, upload, error, result } = useAddDatasetStore(
    useShallow((s) => ({ name: s.name, message: s.message, tag: s.tag, source: s.source, typedPath: s.typedPath, busy: s.busy, upload: s.upload, error: s.error, result: s.result })),
  );
  const { reset, setField, chooseFiles, pick, submit } = useAddDatasetStore.getState();
  const nameIssue = useAddDatasetStore(addDatasetSelectors.nameIssue);
  const tagIssue = useAddDatasetStore(addDatasetSelectors.tagIssue);
  const canSubmit = useAddDatasetStore(addDatasetSelectors.canSubmit);
  const [dragOver, setDragOver] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const folderRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    reset(defaultName);
    return () => reset('');
  }, [reset, defaultName]);

  const close = () => setAddOpen(false);
  const importing = busy === 'importing' ? Object.values(tasks).find((x) => !x.finished) : undefined;
  const fromFiles = (files: FileList | null, folder: boolean) => chooseFiles(Array.from(files ?? []), folder);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragOver(false);
    fromFiles(e.dataTransfer.files, false);
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
            onChange={(e) => setField({ name: e.target.value })}
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
          <input className="input mono" value={typedPath} onChange={(e) => setField({ typedPath: e.target.value })} placeholder="/data/penguins.csv" data-testid="add-path" />
        </label>
        <label className="field">
          <span>Message</span>
          <input className="input" value={message} onChange={(e) => setField({ message: e.target.value })} placeholder="What changed in this version" data-testid="add-message" />
        </label>
        <label className="field">
          <span>
            Tag <span className="muted">(optional)</span>
          </span>
          <input className="input" value={tag} onChange={(e) => setField({ tag: e.target.value })} placeholder="clean" data-testid="add-tag" aria-invalid={!!tagIssue} />
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
            {formatCount(result.version.rowCount, 'row')} · {formatBytes(result.version.size)} · {formatBytes(result.version.storedBytes)} newly stored
          </div>
        </div>
      )}
    </Dialog>
  );
}

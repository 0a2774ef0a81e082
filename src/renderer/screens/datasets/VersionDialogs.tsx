import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { DialogForm, FormFooter } from '../../components/FormFooter';
import { useAction } from '../../components/useAction';
import type { ExportResult } from '../../../shared/contract';
import { tagSchema, type DatasetVersion } from '../../../shared/datasets';
import { formatBytes, formatCount, shortId } from '../../format';
import { refOf, useDatasetsStore } from '../../stores/datasetsStore';
import { useToastStore } from '../../stores/toastStore';

export type VersionAction = { kind: 'tag' | 'export' | 'delete'; version: DatasetVersion };

export function TagDialog({ version, onClose }: { version: DatasetVersion; onClose: () => void }) {
  const tagAction = useDatasetsStore((s) => s.tag);
  const untag = useDatasetsStore((s) => s.untag);
  const [tag, setTag] = useState('');
  const parsed = tag ? tagSchema.safeParse(tag) : null;
  const issue = parsed && !parsed.success ? parsed.error.issues[0]?.message : null;
  const { run: submit, busy, error } = useAction(async () => {
    await tagAction(version, tag);
    useToastStore.getState().push({ kind: 'success', message: `Tagged ${refOf(version)} as ${tag}` });
    onClose();
  });
  return (
    <Dialog
      title={`Tag ${refOf(version)}`}
      onClose={onClose}
      testId="tag-dialog"
      footer={
        <FormFooter formId="tag-form" onCancel={onClose} disabled={!tag || !!issue || busy} testId="tag-submit">
          Tag
        </FormFooter>
      }
    >
      <DialogForm id="tag-form" onSubmit={() => void submit()}>
        <label className="field">
          <span>Tag</span>
          <input className="input" autoFocus value={tag} onChange={(e) => setTag(e.target.value)} placeholder="clean" data-testid="tag-input" />
          {issue ? <small className="field-error">{issue}</small> : <small className="muted">A tag is movable: putting it here takes it off any other version.</small>}
        </label>
      </DialogForm>
      {version.tags.length > 0 && (
        <div className="field">
          <span>Current tags</span>
          <div className="row gap">
            {version.tags.map((t) => (
              <span key={t} className="tag">
                {t}
                <button type="button" className="tag-x" aria-label={`Remove tag ${t}`} onClick={() => void untag(version, t).then(onClose)}>
                  ×
                </button>
              </span>
            ))}
          </div>
        </div>
      )}
      <ErrorBox error={error} />
    </Dialog>
  );
}

export function ExportDialog({ version, onClose }: { version: DatasetVersion; onClose: () => void }) {
  const exportVersion = useDatasetsStore((s) => s.exportVersion);
  const [out, setOut] = useState('');
  const [result, setResult] = useState<ExportResult | null>(null);
  const { run: submit, busy, error } = useAction(async () => setResult(await exportVersion(version, out.trim())));
  return (
    <Dialog
      title={`Export ${refOf(version)}`}
      onClose={onClose}
      testId="export-dialog"
      footer={
        result ? (
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        ) : (
          <FormFooter formId="export-form" onCancel={onClose} disabled={!out.trim() || busy} testId="export-submit">
            {busy ? 'Writing…' : 'Export'}
          </FormFooter>
        )
      }
    >
      <DialogForm id="export-form" onSubmit={() => void submit()}>
        <label className="field">
          <span>Folder on this computer</span>
          <input className="input mono" autoFocus value={out} onChange={(e) => setOut(e.target.value)} placeholder="/home/me/exports/penguins-v2" data-testid="export-path" />
          <small className="muted">The files are written byte-identical to what was imported ({formatBytes(version.size)}, {version.fileCount} file{version.fileCount === 1 ? '' : 's'}).</small>
        </label>
      </DialogForm>
      <ErrorBox error={error} />
      {result && (
        <div className="result ok" data-testid="export-result">
          <div className="strong">
            Wrote {result.files.length} file{result.files.length === 1 ? '' : 's'} ({formatBytes(result.bytes)})
          </div>
          <div>
            to <code data-testid="export-outdir">{result.outDir}</code>
          </div>
          <ul className="file-list mono small">
            {result.files.slice(0, 20).map((f) => (
              <li key={f}>{f}</li>
            ))}
            {result.files.length > 20 && <li className="muted">…and {result.files.length - 20} more</li>}
          </ul>
        </div>
      )}
    </Dialog>
  );
}

export function DeleteDialog({ version, onClose }: { version: DatasetVersion; onClose: () => void }) {
  const remove = useDatasetsStore((s) => s.remove);
  const confirm = async () => {
    await remove(version);
    useToastStore.getState().push({ kind: 'success', message: `Deleted ${refOf(version)}. Run \`lathe gc\` to free its storage.` });
  };
  return (
    <ConfirmDialog title={`Delete ${refOf(version)}?`} confirmLabel="Delete version" inline onClose={onClose} onConfirm={confirm} testId="delete-dialog" confirmTestId="delete-confirm" errorTestId="delete-error">
      <p>
        Version <span className="mono">{shortId(version.id)}</span> ({formatCount(version.rowCount, 'row')}) will be removed from the history. Other
        versions keep their data; chunks they share stay stored.
      </p>
      <p className="muted">The engine refuses while anything (a run, a model) still uses this version.</p>
    </ConfirmDialog>
  );
}

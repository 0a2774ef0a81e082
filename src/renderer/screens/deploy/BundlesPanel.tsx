import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { formatBytes, formatInt, formatPercent } from '../../format';
import { useAppStore } from '../../stores/appStore';
import { bundlesSelectors, shortFingerprint, useBundlesStore } from '../../stores/bundlesStore';
import { modelsSelectors, useModelsStore } from '../../stores/modelsStore';
import { countLabel, importSummary } from '../../stores/modelsView';
import { transport } from '../../transport';
import type { BundleImportResult } from '../../../shared/registry';
import { TaskProgress } from './TaskProgress';

const isBundleTask = (label: string) => /bundle/i.test(label);

function ExportBundle() {
  const models = useModelsStore(useShallow(modelsSelectors.sortedList));
  const s = useBundlesStore(useShallow((x) => ({ models: x.models, runs: x.runs, withData: x.withData, out: x.out, exporting: x.exporting, exported: x.exported, exportError: x.exportError })));
  const { toggleModel, setExportField, exportBundle } = useBundlesStore.getState();
  const home = useAppStore((x) => x.info?.home);
  useEffect(() => {
    if (!useBundlesStore.getState().out && home) setExportField({ out: `${home.replace(/[\\/]+$/, '')}/bundles/registry.lathe-bundle.tar` });
  }, [home, setExportField]);
  return (
    <div className="card bundle-card" data-testid="bundle-export">
      <h3>Export a bundle</h3>
      <p className="muted small">One file with models, their runs and lineage (and optionally the data), to move to another workstation without a network.</p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void exportBundle();
        }}
      >
        <div className="field">
          <span>
            Models <span className="muted">(none chosen: every model)</span>
          </span>
          {models.length === 0 ? (
            <small className="muted">No registered models.</small>
          ) : (
            <div className="bundle-models" data-testid="bundle-models">
              {models.map((m) => {
                const refs = [m.name, ...Object.keys(m.aliases).sort().map((a) => `${m.name}@${a}`)];
                return (
                  <div key={m.name} className="bundle-model">
                    {refs.map((r) => (
                      <label key={r} className={s.models.includes(r) ? 'ref-toggle on' : 'ref-toggle'}>
                        <input type="checkbox" checked={s.models.includes(r)} onChange={() => toggleModel(r)} data-testid="bundle-model" data-ref={r} />
                        <span className="mono">{r}</span>
                      </label>
                    ))}
                  </div>
                );
              })}
            </div>
          )}
        </div>
        <label className="field">
          <span>
            Runs <span className="muted">(a query, optional)</span>
          </span>
          <input className="input mono" value={s.runs} onChange={(e) => setExportField({ runs: e.target.value })} placeholder='status = "finished" and params.data = "penguins"' data-testid="bundle-runs" />
        </label>
        <label className="check small">
          <input type="checkbox" checked={s.withData} onChange={(e) => setExportField({ withData: e.target.checked })} data-testid="bundle-with-data" />
          <span>
            <strong>With data</strong>: include the dataset versions themselves (a bigger file; the other side can retrain)
          </span>
        </label>
        <label className="field">
          <span>Bundle file on this computer</span>
          <input className="input mono" value={s.out} onChange={(e) => setExportField({ out: e.target.value })} placeholder="/home/me/registry.lathe-bundle.tar" data-testid="bundle-out" />
        </label>
        <div className="row gap">
          <button type="submit" className="button primary" disabled={s.exporting || !s.out.trim()} data-testid="bundle-export-submit">
            {s.exporting ? 'Writing…' : 'Export bundle'}
          </button>
          <span className="muted small">
            or <code>lathe bundle export --out &lt;file&gt;</code>
          </span>
        </div>
      </form>
      {s.exporting && <TaskProgress match={isBundleTask} fallback="Writing the bundle…" testId="bundle-export-progress" />}
      <ErrorBox error={s.exportError} testId="bundle-export-error" />
      {s.exported && !s.exporting && (
        <div className="result ok" data-testid="bundle-export-result">
          <div className="strong">
            Wrote {formatInt(s.exported.objects)} object{s.exported.objects === 1 ? '' : 's'} ({formatBytes(s.exported.bytes)})
          </div>
          <div className="small">
            to <code data-testid="bundle-export-file">{s.exported.file}</code>
          </div>
          <div className="muted small">
            {[countLabel('models', s.exported.models), countLabel('versions', s.exported.versions), countLabel('runs', s.exported.runs), countLabel('datasetVersions', s.exported.datasetVersions)].join(' · ')}
          </div>
          {s.exported.signer && (
            <div className="muted small" data-testid="bundle-export-signer">
              Signed by {s.exported.signer.name}{' '}
              <span className="mono" title={s.exported.signer.fingerprint}>
                {shortFingerprint(s.exported.signer.fingerprint)}
              </span>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** Who signed the bundle and whether this workspace knows them; an unknown signer can be trusted from here. */
function SignerLine({ r, testId }: { r: BundleImportResult; testId: string }) {
  const s = r.signer;
  if (!s) return null;
  const state = !s.signed ? 'unsigned' : s.self ? 'self' : s.known ? 'trusted' : 'unknown';
  const badge = { unsigned: 'Unsigned', self: 'This workspace', trusted: 'Trusted', unknown: 'Unknown signer' }[state];
  return (
    <div className="signer small" data-testid={`${testId}-signer`} data-state={state}>
      <span className={`badge signer-${state}`}>{badge}</span>
      {s.signed ? (
        <span>
          Signed by <strong>{s.name}</strong> <span className="mono muted" title={s.fingerprint ?? ''}>{shortFingerprint(s.fingerprint)}</span>
        </span>
      ) : (
        <span className="muted">made by an older Lathe, or its signature was removed: its origin cannot be checked</span>
      )}
      {state === 'unknown' && r.dryRun && (
        <button type="button" className="button small" onClick={() => void useBundlesStore.getState().trustSigner()} title="Compare the fingerprint with the sender first" data-testid={`${testId}-trust`}>
          Trust this signer
        </button>
      )}
    </div>
  );
}

function ImportReport({ r, testId, overwrite }: { r: BundleImportResult; testId: string; overwrite?: boolean }) {
  const sum = importSummary(r);
  const notes = (r.warnings ?? []).filter((w) => w !== r.signer?.warning);
  return (
    <div className={sum.nothing ? 'result same' : 'result ok'} data-testid={testId} data-nothing={sum.nothing}>
      <div className="strong" data-testid={`${testId}-headline`}>
        {r.dryRun ? (sum.nothing ? 'Nothing would change: everything in this bundle is already here.' : 'An import would add:') : sum.nothing ? 'Nothing changed: everything was already here.' : 'Imported:'}
      </div>
      <SignerLine r={r} testId={testId} />
      {sum.added.length > 0 && <div>{sum.added.join(' · ')}</div>}
      {notes.length > 0 && (
        <ul className="warnings small" data-testid={`${testId}-warnings`}>
          {notes.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <div className="muted small">
        {r.objects.total} object{r.objects.total === 1 ? '' : 's'} in the bundle, {r.objects.new} new ({formatBytes(r.objects.bytes)})
        {sum.unchanged.length > 0 ? ` · already here: ${sum.unchanged.join(', ')}` : ''} · format version {r.formatVersion}
      </div>
      {r.renumbered.length > 0 && (
        <div className="small">
          Renumbered (the number was taken here):{' '}
          {r.renumbered.map((x) => `${x.model} v${x.from} → v${x.to}`).join(', ')}
        </div>
      )}
      {r.conflicts.length > 0 && (
        <table className="table compact conflicts" data-testid={`${testId}-conflicts`}>
          <thead>
            <tr>
              <th>Conflict</th>
              <th>Here</th>
              <th>In the bundle</th>
              <th>{r.dryRun ? 'Would be' : 'Result'}</th>
            </tr>
          </thead>
          <tbody>
            {r.conflicts.map((c) => (
              <tr key={`${c.model}@${c.alias}`}>
                <td className="mono">
                  {c.model}@{c.alias}
                </td>
                <td className="mono">{c.local === null ? '—' : `v${c.local}`}</td>
                <td className="mono">{c.bundle === null ? '—' : `v${c.bundle}`}</td>
                <td>{(r.dryRun ? overwrite : c.resolution === 'overwritten') ? `v${c.bundle ?? '—'} (the bundle’s)` : `v${c.local ?? '—'} (kept as here)`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ImportBundle() {
  const s = useBundlesStore(
    useShallow((x) => ({ file: x.file, upload: x.upload, uploadProgress: x.uploadProgress, importing: x.importing, dryRun: x.dryRun, overwrite: x.overwrite, imported: x.imported, importError: x.importError })),
  );
  const canImport = useBundlesStore(bundlesSelectors.canImport);
  const conflicts = useBundlesStore(bundlesSelectors.conflicts);
  const { setFile, uploadFile, setOverwrite, checkImport, runImport } = useBundlesStore.getState();
  const [confirm, setConfirm] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const t = transport();
  const nothing = s.dryRun ? importSummary(s.dryRun).nothing : false;
  return (
    <div className="card bundle-card" data-testid="bundle-import">
      <h3>Import a bundle</h3>
      <p className="muted small">
        Checked in quarantine (its signature, every object’s hash, every entry’s name, every record against the rules the app itself keeps) before anything
        becomes visible, then merged all or nothing. A dry run first says what would change and who signed it.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (s.file.trim()) void checkImport();
        }}
      >
        <label className="field">
          <span>Bundle file on this computer</span>
          <input className="input mono" value={s.upload ? '' : s.file} onChange={(e) => setFile(e.target.value)} placeholder="/media/usb/registry.lathe-bundle.tar" data-testid="bundle-file" />
        </label>
        <div className="row gap">
          <button
            type="button"
            className="button"
            onClick={async () => {
              if (t.pick) {
                const p = await t.pick('file');
                if (p) setFile(p);
              } else fileRef.current?.click();
            }}
            data-testid="bundle-choose"
          >
            Choose a file…
          </button>
          <input
            ref={fileRef}
            type="file"
            hidden
            data-testid="bundle-file-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void uploadFile(f);
              e.target.value = '';
            }}
          />
          {s.upload && (
            <span className="small" data-testid="bundle-chosen">
              <span className="mono">{s.upload.label}</span> <span className="muted">{formatBytes(s.upload.bytes)}</span>
            </span>
          )}
          <div className="spacer" />
          <button type="submit" className="button" disabled={!s.file.trim() || !!s.importing} data-testid="bundle-dry-run">
            {s.importing === 'checking' ? 'Checking…' : 'Dry run'}
          </button>
          <button type="button" className="button primary" disabled={!canImport || nothing} onClick={() => setConfirm(true)} data-testid="bundle-import-submit">
            Import…
          </button>
        </div>
      </form>
      {s.importing === 'uploading' && s.uploadProgress && (
        <div className="busy" data-testid="bundle-upload-progress">
          <div className="row space">
            <span>Uploading {s.upload?.label}</span>
            <span className="muted">{formatPercent(s.uploadProgress.sentBytes, s.uploadProgress.totalBytes)}</span>
          </div>
          <progress className="progress" max={s.uploadProgress.totalBytes || 1} value={s.uploadProgress.sentBytes} />
        </div>
      )}
      {(s.importing === 'checking' || s.importing === 'importing') && (
        <TaskProgress match={isBundleTask} fallback={s.importing === 'checking' ? 'Checking the bundle…' : 'Importing…'} testId="bundle-import-progress" />
      )}
      <ErrorBox error={s.importError} testId="bundle-import-error" />
      {s.dryRun && !s.imported && <ImportReport r={s.dryRun} testId="bundle-dry-run-result" overwrite={s.overwrite} />}
      {s.dryRun && !s.imported && conflicts.length > 0 && (
        <label className="check small overwrite">
          <input type="checkbox" checked={s.overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="bundle-overwrite" />
          <span>
            <strong>Overwrite aliases</strong>: point the {conflicts.length === 1 ? 'conflicting alias' : `${conflicts.length} conflicting aliases`} where the bundle says
            (otherwise they stay as they are here)
          </span>
        </label>
      )}
      {s.imported && <ImportReport r={s.imported} testId="bundle-import-result" />}
      {confirm && s.dryRun && (
        <ConfirmDialog title="Import this bundle?" tone="primary" keepLabel="Cancel" confirmLabel="Import" testId="bundle-confirm" confirmTestId="bundle-confirm-import" onClose={() => setConfirm(false)} onConfirm={runImport}>
          <p>
            <span className="mono">{s.file}</span>
          </p>
          <p>Adds {importSummary(s.dryRun).added.join(', ') || 'nothing new'}. Ids are kept: runs and versions from the other workstation appear beside yours.</p>
          {conflicts.length > 0 && (
            <p>
              {conflicts.length} alias conflict{conflicts.length === 1 ? '' : 's'}:{' '}
              {s.overwrite ? <strong>the bundle’s aliases replace yours.</strong> : 'your aliases stay as they are.'}
            </p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}

export function BundlesPanel() {
  return (
    <section className="bundles" data-testid="bundles">
      <h2>Registry bundles</h2>
      <div className="bundle-cards">
        <ExportBundle />
        <ImportBundle />
      </div>
    </section>
  );
}

import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorBox } from '../../components/ErrorBox';
import { formatBytes, formatDate, formatInt, shortId } from '../../format';
import { datasetsSelectors, useDatasetsStore, type VersionTab } from '../../stores/datasetsStore';
import { DiffView } from './DiffView';
import { ProfileView } from './ProfileView';
import { RowsTable } from './RowsTable';
import { DeleteDialog, ExportDialog, TagDialog, type VersionAction } from './VersionDialogs';
import { ClickableRow } from '../../components/ClickableRow';

function VersionTimeline({ onAction }: { onAction: (a: VersionAction) => void }) {
  const versions = useDatasetsStore((s) => s.versions.data) ?? [];
  const selected = useDatasetsStore((s) => s.selected);
  const diffPick = useDatasetsStore((s) => s.diffPick);
  const select = useDatasetsStore((s) => s.select);
  const toggleDiffPick = useDatasetsStore((s) => s.toggleDiffPick);
  return (
    <div className="table-wrap timeline">
      <table className="table" data-testid="versions-table">
        <thead>
          <tr>
            <th title="Pick two versions to compare">Diff</th>
            <th>Version</th>
            <th className="col-id">Id</th>
            <th>Created</th>
            <th>Message</th>
            <th>Tags</th>
            <th className="num">Rows</th>
            <th className="num">Size</th>
            <th className="num" title="Bytes this version added to the store (identical chunks are stored once)">Stored (dedup)</th>
            <th className="actions-col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <ClickableRow key={v.id} selected={v.number === selected} focusable={false} data-testid={`version-row-${v.number}`} onOpen={() => select(v.number)}>
              <td onClick={(e) => e.stopPropagation()}>
                <input
                  type="checkbox"
                  aria-label={`Pick v${v.number} for a diff`}
                  checked={diffPick.includes(v.number)}
                  onChange={() => toggleDiffPick(v.number)}
                  data-testid={`diff-pick-${v.number}`}
                />
              </td>
              <td>
                <button type="button" className="link mono" onClick={() => select(v.number)}>
                  v{v.number}
                </button>
              </td>
              <td className="mono muted col-id" title={v.id}>
                {shortId(v.id)}
              </td>
              <td className="nowrap muted" title={v.createdAt}>
                {formatDate(v.createdAt)}
              </td>
              <td className="truncate message" title={v.message} data-testid={`version-message-${v.number}`}>
                {v.message || <span className="muted">—</span>}
              </td>
              <td>
                {v.tags.map((t) => (
                  <span key={t} className="tag">
                    {t}
                  </span>
                ))}
              </td>
              <td className="num">{formatInt(v.rowCount)}</td>
              <td className="num">{formatBytes(v.size)}</td>
              <td className="num">{formatBytes(v.storedBytes)}</td>
              <td className="actions-col nowrap" onClick={(e) => e.stopPropagation()}>
                <button type="button" className="button small" onClick={() => onAction({ kind: 'tag', version: v })} data-testid={`tag-button-${v.number}`}>
                  Tag
                </button>
                <button type="button" className="button small" onClick={() => onAction({ kind: 'export', version: v })} data-testid={`export-button-${v.number}`}>
                  Export
                </button>
                <button type="button" className="button small danger-ghost" onClick={() => onAction({ kind: 'delete', version: v })} data-testid={`delete-button-${v.number}`}>
                  Delete
                </button>
              </td>
            </ClickableRow>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const TABS: { id: VersionTab; label: string }[] = [
  { id: 'rows', label: 'Rows' },
  { id: 'profile', label: 'Profile' },
  { id: 'diff', label: 'Diff' },
];

export function DatasetDetail({ name }: { name: string }) {
  const versions = useDatasetsStore((s) => s.versions);
  const version = useDatasetsStore(datasetsSelectors.selectedVersion);
  const pair = useDatasetsStore(useShallow(datasetsSelectors.diffPair));
  const tab = useDatasetsStore((s) => s.tab);
  const setTab = useDatasetsStore((s) => s.setTab);
  const close = useDatasetsStore((s) => s.close);
  const setAddOpen = useDatasetsStore((s) => s.setAddOpen);
  const runDiff = useDatasetsStore((s) => s.runDiff);
  const diffPick = useDatasetsStore((s) => s.diffPick);
  const [action, setAction] = useState<VersionAction | null>(null);
  const count = versions.data?.length ?? 0;

  return (
    <section className="screen detail" data-testid="dataset-detail">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={close} data-testid="back-to-list" aria-label="Back to datasets">
          ← Datasets
        </button>
        <h1 data-testid="dataset-title">{name}</h1>
        <span className="muted">
          {count} version{count === 1 ? '' : 's'}
        </span>
        <div className="spacer" />
        <button
          type="button"
          className="button"
          disabled={!pair}
          onClick={() => void runDiff(null)}
          data-testid="diff-button"
          title={pair ? `Compare v${pair[0].number} with v${pair[1].number}` : 'Tick two versions to compare them'}
        >
          {pair ? `Diff v${pair[0].number} → v${pair[1].number}` : `Diff (pick ${2 - diffPick.length} more)`}
        </button>
        <button type="button" className="button primary" onClick={() => setAddOpen(true)} data-testid="add-version">
          Add version
        </button>
      </div>
      <ErrorBox error={versions.error} />
      {versions.data && <VersionTimeline onAction={setAction} />}
      {version && (
        <div className="version-pane">
          <div className="tabs" role="tablist">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={tab === t.id}
                className={tab === t.id ? 'tab active' : 'tab'}
                data-testid={`tab-${t.id}`}
                disabled={t.id === 'diff' && !pair}
                onClick={() => (t.id === 'diff' ? void runDiff() : setTab(t.id))}
              >
                {t.label}
              </button>
            ))}
            <div className="spacer" />
            {tab !== 'diff' && (
              <span className="muted small tab-caption">
                {name}@v{version.number} · <span className="mono">{shortId(version.id)}</span> · {version.format}
              </span>
            )}
          </div>
          <div className="tab-body">
            {tab === 'rows' && <RowsTable key={version.id} version={version} />}
            {tab === 'profile' && <ProfileView key={version.id} version={version} />}
            {tab === 'diff' && <DiffView />}
          </div>
        </div>
      )}
      {action?.kind === 'tag' && <TagDialog version={action.version} onClose={() => setAction(null)} />}
      {action?.kind === 'export' && <ExportDialog version={action.version} onClose={() => setAction(null)} />}
      {action?.kind === 'delete' && <DeleteDialog version={action.version} onClose={() => setAction(null)} />}
    </section>
  );
}

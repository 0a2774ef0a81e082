import { useEffect, useMemo } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { aliasesOf, modelsSelectors, useModelsStore, type ModelTab } from '../../stores/modelsStore';
import { moveRows, shortTime } from '../../stores/modelsView';
import { formatTime } from '../../stores/runsTable';
import { AliasChips } from './AliasChips';
import { CardTab } from './CardTab';
import { CompareTab } from './CompareTab';
import { LineageTab } from './LineageTab';
import { OverviewTab } from './OverviewTab';
import { VersionsTimeline } from './VersionsTimeline';

const TABS: { id: ModelTab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'lineage', label: 'Lineage' },
  { id: 'card', label: 'Model card' },
  { id: 'compare', label: 'Compare' },
];

function AliasPanel() {
  const versionsData = useModelsStore((s) => s.versions.data);
  const aliases = useMemo(() => aliasesOf(versionsData), [versionsData]);
  const history = useModelsStore((s) => s.history);
  const setAliasDialog = useModelsStore((s) => s.setAliasDialog);
  const rows = moveRows(history.data ?? []);
  return (
    <div className="card alias-panel" data-testid="alias-panel">
      <div className="card-head">
        <span className="card-title">Aliases</span>
        <button type="button" className="button small" onClick={() => setAliasDialog({ alias: '' })} data-testid="move-alias">
          Move alias…
        </button>
      </div>
      {aliases.length === 0 ? (
        <p className="muted small">
          No aliases yet. Point <code>champion</code> at the version you serve; refs like <code>model@champion</code> then follow it everywhere.
        </p>
      ) : (
        <AliasChips aliases={aliases} onOpen={(alias) => setAliasDialog({ alias })} />
      )}
      <ErrorBox error={history.error} />
      {rows.length > 0 && (
        <div className="alias-history">
          <table className="table compact" data-testid="alias-history">
            <thead>
              <tr>
                <th>When</th>
                <th>Alias</th>
                <th>From</th>
                <th>To</th>
                <th>Who</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-testid="alias-move">
                  <td className="muted nowrap" title={formatTime(r.at)}>
                    {shortTime(r.at)}
                  </td>
                  <td className="nowrap">{r.alias}</td>
                  <td className="mono">{r.from}</td>
                  <td className={r.what === 'removed' ? 'mono removed-text' : 'mono'}>{r.to}</td>
                  <td className="nowrap">{r.by}</td>
                  <td className="move-reason" title={r.reason}>
                    {r.reason || <span className="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function ModelDetail({ name }: { name: string }) {
  const versions = useModelsStore((s) => s.versions);
  const version = useModelsStore(modelsSelectors.selectedVersion);
  const tab = useModelsStore((s) => s.tab);
  const setTab = useModelsStore((s) => s.setTab);
  const close = useModelsStore((s) => s.close);
  const setRegisterOpen = useModelsStore((s) => s.setRegisterOpen);
  const count = versions.data?.length ?? 0;
  useEffect(() => {
    if (!versions.data && !versions.loading && !versions.error) void useModelsStore.getState().open(name);
  }, [name, versions.data, versions.loading, versions.error]);

  return (
    <section className="screen detail model-detail" data-testid="model-detail">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={close} data-testid="back-to-models">
          ← Models
        </button>
        <h1 data-testid="model-title">{name}</h1>
        <span className="muted">{versions.data ? `${count} version${count === 1 ? '' : 's'}` : ''}</span>
        <div className="spacer" />
        <button type="button" className="button" onClick={() => setRegisterOpen(true)} data-testid="register-from-run">
          Register from run…
        </button>
      </div>
      <ErrorBox error={versions.error} />
      <div className="model-top">
        <VersionsTimeline />
        <AliasPanel />
      </div>
      {version && (
        <div className="version-pane model-version-pane">
          <div className="tabs" role="tablist">
            <span className="tab-caption strong" data-testid="version-caption">
              v{version.number}
            </span>
            {TABS.map((t) => (
              <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'tab active' : 'tab'} onClick={() => setTab(t.id)} data-testid={`model-tab-${t.id}`}>
                {t.label}
              </button>
            ))}
          </div>
          <div className="tab-body model-tab-body">
            {tab === 'overview' && <OverviewTab version={version} />}
            {tab === 'lineage' && <LineageTab version={version} />}
            {tab === 'card' && <CardTab version={version} />}
            {tab === 'compare' && <CompareTab version={version} />}
          </div>
        </div>
      )}
      {versions.data && count === 0 && <div className="empty small">This model has no versions left.</div>}
    </section>
  );
}

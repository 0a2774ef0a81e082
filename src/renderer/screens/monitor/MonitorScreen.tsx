import { useEffect, useState } from 'react';
import type { MonitoredModel, MonitorTimeline, RawRowsSummary } from '../../../shared/monitoring';
import { ErrorBox } from '../../components/ErrorBox';
import { transport } from '../../transport';
import { rangeBounds } from '../../stores/monitorStore';
import { useToastStore } from '../../stores/toastStore';
import { attempt } from '../../stores/loadable';
import { toLatheError, type LatheError } from '../../../shared/errors';
import { formatBytes, formatInt, formatNumber } from '../../format';
import { RANGES, useMonitorStore, type MonitorTab } from '../../stores/monitorStore';
import { AlertsPanel } from './AlertsPanel';
import { FeaturesPanel } from './FeaturesPanel';
import { TimelineCharts, windowLabel } from './TimelineCharts';
import './monitor.css';
import { ClickableRow } from '../../components/ClickableRow';

/**
 * Monitor: the models whose predictions are logged (traffic, last window, drift share, headline metric
 * estimated/realized, business value, alert state) and one model's monitor: time series with alias
 * markers, features sorted by drift with reference vs current histograms, and alerts. Numbers come
 * from merged window sketches (docs/MONITORING.md), so a week of hourly windows opens at once.
 */

const STATE_TEXT: Record<MonitoredModel['state'], string> = { ok: 'ok', pending: 'pending', firing: 'firing', 'no-data': 'no data' };

function MonitorEmpty() {
  return (
    <div className="empty" data-testid="monitor-empty">
      <div className="empty-title">No monitored models yet</div>
      <p>A model is monitored once its prediction logs are ingested. Logs come three ways, in one format:</p>
      <ul className="how-list">
        <li>
          Export a version as a <strong>serving</strong> folder under <strong>Deploy</strong> and run it: it logs every request to <code>logs/</code> in its folder.
        </li>
        <li>
          Carry those logs over and run <code>lathe monitor ingest &lt;model&gt; logs/*.ndjson</code>, then <code>lathe monitor labels</code> when ground truth arrives.
        </li>
        <li>
          Or POST NDJSON to <code>/api/monitor/ingest?ref=&lt;model&gt;</code> on this machine, with the same token as every call.
        </li>
      </ul>
      <SampleHistory />
    </div>
  );
}

/** The sample's monitored champion with three days of replayed traffic, one click away (monitor.sample). */
function SampleHistory() {
  const loadList = useMonitorStore((s) => s.loadList);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheError | null>(null);
  const add = async () => {
    setBusy(true);
    try {
      const r = await transport().call('monitor.sample', {});
      useToastStore.getState().push({ kind: 'success', message: `Added ${r.model}: ${formatInt(r.requests)} replayed requests, ${formatInt(r.labels)} labels` });
      setError(null);
      await loadList();
    } catch (e) {
      setError(toLatheError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="mon-sample">
      <p>
        To look around first: a sample champion trained on the penguins, with three days of hourly requests replayed through it — heavier birds from the third day on, labels
        for the first two.
      </p>
      <button type="button" className="button" onClick={() => void add()} disabled={busy} data-testid="monitor-sample">
        {busy ? 'Adding…' : 'Add the sample’s production history'}
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

function ModelList(props: { list: MonitoredModel[] }) {
  const open = useMonitorStore((s) => s.open);
  return (
    <div className="table-scroll">
      <table className="table mon-list" data-testid="monitor-list">
        <thead>
          <tr>
            <th>Model</th>
            <th className="num">Predictions</th>
            <th>Last window</th>
            <th className="num">Drift share</th>
            <th>Headline (est. / real.)</th>
            <th className="num">Value / 1000</th>
            <th>Alerts</th>
          </tr>
        </thead>
        <tbody>
          {props.list.map((m) => (
            <ClickableRow key={m.model} focusable={false} onOpen={() => void open(m.model)} data-testid="monitor-row" data-model={m.model}>
              <td>
                <button type="button" className="link" onClick={() => void open(m.model)}>
                  {m.model}
                </button>
                <div className="muted small">v{m.versions.join(', v')}</div>
              </td>
              <td className="num">{formatInt(m.rows)}</td>
              <td className="small">
                {m.lastWindow === null ? '—' : windowLabel(m.lastWindow)}
                <div className="muted small">{formatInt(m.lastRows)} rows</div>
              </td>
              <td className="num">{m.driftShare === null ? '—' : `${Math.round(m.driftShare * 100)}%`}</td>
              <td className="small">
                {m.headline ? `${m.headline.metric} ${formatNumber(m.headline.estimated)} / ${formatNumber(m.headline.realized)}` : '—'}
              </td>
              <td className="num">{formatNumber(m.valuePer1000.realized ?? m.valuePer1000.estimated)}</td>
              <td>
                <span className={`mon-badge mon-state-${m.state}`} data-testid="monitor-state">
                  {STATE_TEXT[m.state]}
                </span>
                {m.alerts.firing > 0 && <span className="small"> {m.alerts.firing} firing</span>}
              </td>
            </ClickableRow>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Summary(props: { timeline: MonitorTimeline }) {
  const t = props.timeline;
  const s = t.summary;
  const last = t.aliasMoves.at(-1);
  return (
    <div className="mon-summary" data-testid="monitor-summary">
      <span>
        <strong>{formatInt(s.rows)}</strong> predictions in {t.windows.length} windows of {t.windowMinutes} min
      </span>
      {s.firstValuePer1000 !== null && s.lastValuePer1000 !== null && (
        <span>
          {last ? `Since ${last.alias} moved to v${last.to ?? '—'}` : 'Over the range'}, value per 1000 predictions went from <strong>{formatNumber(s.firstValuePer1000)}</strong> to{' '}
          <strong>{formatNumber(s.lastValuePer1000)}</strong>
        </span>
      )}
      <span className="muted small" data-testid="raw-rows" title="Raw logged rows are the next training's data (Make dataset…)">
        {rawRowsLine(t.raw)}
      </span>
    </div>
  );
}

/**
 * "The next training's data": the range's logged rows with their labels become a dataset version,
 * with lineage from the model versions that served them.
 */
/** Where the range's raw rows are kept, in one line: what a dataset made now would read. */
function rawRowsLine(r: RawRowsSummary): string {
  const sealed = r.parts ? `${formatInt(r.sealedRows)} sealed in ${formatInt(r.parts)} Parquet part${r.parts === 1 ? '' : 's'} (${formatBytes(r.partBytes)})` : '';
  const landing = r.landingFiles ? `${formatInt(r.landingRows)} landing as NDJSON (${formatInt(r.landingFiles)} window file${r.landingFiles === 1 ? '' : 's'}; closed windows are sealed into Parquet while the app is idle)` : '';
  return `Raw rows: ${[sealed, landing].filter(Boolean).join('; ') || 'none'}`;
}

function MakeDataset(props: { model: string }) {
  const range = useMonitorStore((s) => s.range);
  const list = useMonitorStore((s) => s.list);
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(`${props.model}-field`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheError | null>(null);
  const make = async () => {
    const bounds = rangeBounds(list.data?.find((m) => m.model === props.model), range);
    const r = await attempt(
      (p) => {
        setBusy(p.busy);
        setError(p.error);
      },
      () => transport().call('monitor.toDataset', { ref: props.model, name, ...bounds }),
    );
    if (!r) return;
    useToastStore.getState().push({
      kind: 'success',
      message: `${r.created ? 'Made' : 'Already had'} ${r.dataset}@v${r.version.number}: ${formatInt(r.rows)} logged rows with labels${r.unlabelled ? ` (${formatInt(r.unlabelled)} without a label left out)` : ''}`,
    });
    setOpen(false);
  };
  if (!open)
    return (
      <button type="button" className="button small" onClick={() => setOpen(true)} data-testid="make-dataset" title="The logged rows of this range with their labels, as a dataset version for the next training">
        Make dataset…
      </button>
    );
  return (
    <form
      className="row gap mon-make-dataset"
      onSubmit={(e) => {
        e.preventDefault();
        void make();
      }}
    >
      <label className="small">
        Dataset <input value={name} onChange={(e) => setName(e.target.value)} size={18} data-testid="make-dataset-name" />
      </label>
      <button type="submit" className="button small primary" disabled={busy || !name.trim()} data-testid="make-dataset-go">
        {busy ? 'Making…' : 'Make'}
      </button>
      <button type="button" className="button small ghost" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

const TABS: { id: MonitorTab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'features', label: 'Features' },
  { id: 'alerts', label: 'Alerts' },
];

function ModelMonitor() {
  const s = useMonitorStore();
  const firing = s.alerts?.firing ?? 0;
  return (
    <section className="screen mon-screen" data-testid="monitor-model">
      <div className="screen-head">
        <div className="row gap">
          <button type="button" className="button ghost" onClick={s.close} data-testid="back-to-monitor">
            ← Monitored models
          </button>
          <h1 className="truncate">{s.model}</h1>
        </div>
        <div className="row gap" role="group" aria-label="Range">
          {s.model && <MakeDataset model={s.model} />}
          {RANGES.map((r) => (
            <button key={r} type="button" className={`button small${s.range === r ? ' primary' : ''}`} onClick={() => void s.setRange(r)} data-testid={`range-${r}`}>
              {r === 'all' ? 'All' : `Last ${r}`}
            </button>
          ))}
        </div>
      </div>
      <ErrorBox error={s.error} />
      {s.timeline && <Summary timeline={s.timeline} />}
      <div className="tabs">
        {TABS.map((t) => (
          <button key={t.id} type="button" className={`tab${s.tab === t.id ? ' active' : ''}`} onClick={() => s.setTab(t.id)} data-testid={`mon-tab-${t.id}`}>
            {t.label}
            {t.id === 'alerts' && firing > 0 && <span className="mon-count">{firing}</span>}
          </button>
        ))}
      </div>
      <div className="mon-body">
        {!s.timeline && s.loading && <p className="muted">Loading…</p>}
        {s.tab === 'overview' && s.timeline && (
          <>
            <TimelineCharts timeline={s.timeline} />
            <p className="muted small mon-caveat">{s.timeline.caveat}</p>
          </>
        )}
        {s.tab === 'features' && s.drift && <FeaturesPanel drift={s.drift} />}
        {s.tab === 'alerts' && s.alerts && s.model && <AlertsPanel model={s.model} alerts={s.alerts} />}
      </div>
    </section>
  );
}

export function MonitorScreen() {
  const { data: list, error: listError } = useMonitorStore((s) => s.list);
  const model = useMonitorStore((s) => s.model);
  const loadList = useMonitorStore((s) => s.loadList);
  useEffect(() => {
    void loadList();
  }, [loadList]);
  if (model) return <ModelMonitor />;
  return (
    <section className="screen" data-testid="monitor-screen">
      <div className="screen-head">
        <h1>Monitor</h1>
      </div>
      <ErrorBox error={listError} />
      {list === null ? <p className="muted">Loading…</p> : list.length === 0 ? <MonitorEmpty /> : <ModelList list={list} />}
    </section>
  );
}

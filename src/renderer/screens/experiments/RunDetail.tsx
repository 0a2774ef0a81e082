import { useEffect, useMemo, useRef, useState } from 'react';
import type { ArtifactPreview, Run } from '../../../shared/tracking';
import { ErrorBox } from '../../components/ErrorBox';
import { colorFor } from '../../components/charts/series';
import { useExperimentsStore } from '../../stores/experimentsStore';
import { useRunDetailStore, type RunTab } from '../../stores/runsDetailStore';
import type { Loadable } from '../../stores/loadable';
import { formatBytes, formatDuration, formatMetric, formatTime } from '../../format';
import { compareMetricNames, orderMetrics } from '../../metrics';
import { ChartControls, ChartGrid, type ChartSettings } from './ChartGrid';
import { Markdown } from './Markdown';
import { StatusChip } from './StatusChip';
import { RegisterModelButton } from '../models/RegisterModelButton';
import Papa from 'papaparse';
import { usePollWhile } from '../../components/usePollWhile';
import { DatasetVersionLink } from '../../components/DatasetVersion';

function KeyValues({ data, testId, empty }: { data: Record<string, string>; testId: string; empty: string }) {
  const entries = Object.entries(data).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <table className="table compact kv" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <td className="mono kv-key">{k}</td>
            <td className="kv-value">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Overview({ run }: { run: Run }) {
  const env = run.environment ?? {};
  return (
    <div className="overview" data-testid="run-overview">
      <div className="cards">
        <div className="card">
          <h3>Run</h3>
          <dl className="stats">
            <dt>Status</dt>
            <dd>
              <StatusChip status={run.status} />
            </dd>
            <dt>Started</dt>
            <dd>{formatTime(run.startTime)}</dd>
            <dt>Ended</dt>
            <dd>{run.endTime ? formatTime(run.endTime) : '—'}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(run.duration)}</dd>
            <dt>Source</dt>
            <dd>{run.source}</dd>
            <dt>Experiment</dt>
            <dd>{run.experimentName}</dd>
            <dt>Id</dt>
            <dd className="mono small">{run.id}</dd>
          </dl>
        </div>
        <div className="card">
          <h3>Environment</h3>
          <dl className="stats" data-testid="run-environment">
            {env.host && (
              <>
                <dt>Host</dt>
                <dd>{env.host}</dd>
              </>
            )}
            {env.os && (
              <>
                <dt>OS</dt>
                <dd>{env.os}</dd>
              </>
            )}
            {env.command && (
              <>
                <dt>Command</dt>
                <dd className="mono small env-command">{env.command.join(' ')}</dd>
              </>
            )}
            {env.cwd && (
              <>
                <dt>Folder</dt>
                <dd className="mono small">{env.cwd}</dd>
              </>
            )}
            {env.gitCommit && (
              <>
                <dt>Git</dt>
                <dd className="mono small">
                  {env.gitCommit.slice(0, 12)} {env.gitDirty ? <span className="chip chip-modified">dirty</span> : <span className="muted">clean</span>}
                </dd>
              </>
            )}
            {(env.python || env.node || env.appVersion || env.backend) && (
              <>
                <dt>Runtime</dt>
                <dd className="small">{[env.python && `Python ${env.python}`, env.node && `Node ${env.node}`, env.appVersion && `Lathe ${env.appVersion}`, env.backend].filter(Boolean).join(' · ')}</dd>
              </>
            )}
            {!env.host && !env.command && !env.os && <dd className="muted">Not recorded (runs logged through the API carry no environment).</dd>}
          </dl>
        </div>
        <div className="card">
          <h3>Lineage</h3>
          {run.inputs.length === 0 ? (
            <p className="muted small">No dataset versions recorded. Scripts can log them with <code>runs.logInputs</code>.</p>
          ) : (
            <ul className="lineage" data-testid="run-lineage">
              {run.inputs.map((i) => (
                <li key={i.id}>
                  <DatasetVersionLink id={i.id} dataset={i.dataset} number={i.number} idChars={16} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <div className="cards">
        <div className="card">
          <h3>Params</h3>
          <KeyValues data={run.params} testId="run-params" empty="No params." />
        </div>
        <div className="card">
          <h3>Metrics (last · min · max)</h3>
          {Object.keys(run.metrics).length === 0 ? (
            <p className="muted small">No metrics.</p>
          ) : (
            <table className="table compact kv metrics-kv" data-testid="run-metrics">
              <tbody>
                {Object.entries(run.metrics)
                  .sort(([a], [b]) => compareMetricNames(a, b))
                  .map(([k, m]) => (
                    <tr key={k}>
                      <td className="mono kv-key">{k}</td>
                      <td className="num">{formatMetric(m.last)}</td>
                      <td className="num muted">{formatMetric(m.min)}</td>
                      <td className="num muted">{formatMetric(m.max)}</td>
                      <td className="num muted small">step {m.step}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="card">
          <h3>Tags</h3>
          <KeyValues data={run.tags} testId="run-tags" empty="No tags." />
        </div>
      </div>
      <div className="card">
        <h3>Notes</h3>
        {run.notes.trim() ? <Markdown source={run.notes} /> : <p className="muted small">No notes.</p>}
      </div>
    </div>
  );
}

function LogView({ name, log, running }: { name: string; log: Loadable<ArtifactPreview>; running: boolean }) {
  const preview = log.data;
  const ref = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  useEffect(() => {
    if (follow && ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [preview, follow]);
  return (
    <div className="card log-card" data-testid="log-view" data-name={name}>
      <div className="card-head">
        <span className="card-title mono">{name}</span>
        <span className="muted small">{preview ? formatBytes(preview.size) : ''}{preview?.truncated ? ' (showing the start)' : ''}</span>
        {running && (
          <label className="row gap small">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
          </label>
        )}
      </div>
      <pre ref={ref} className="log">
        {/* Not "(empty)" while the first read is still on its way: the file may well have content. */}
        {preview ? preview.content || '(empty)' : log.loading ? 'Loading…' : '(empty)'}
      </pre>
    </div>
  );
}

function Logs({ run }: { run: Run }) {
  const logs = useRunDetailStore((s) => s.logs);
  const names = Object.keys(logs).sort((a, b) => Number(a.includes('stderr')) - Number(b.includes('stderr')) || a.localeCompare(b));
  if (names.length === 0) return <div className="empty small">No stdout or stderr stored: runs started with <code>lathe run</code> keep them here.</div>;
  return (
    <div className="logs">
      {names.map((n) => (
        <LogView key={n} name={n} log={logs[n]} running={run.status === 'running'} />
      ))}
    </div>
  );
}

function CsvPreview({ text }: { text: string }) {
  const rows = useMemo(() => Papa.parse<string[]>(text, { preview: 51 }).data.filter((r) => r.length > 1 || r[0] !== ''), [text]);
  if (rows.length === 0) return <p className="muted">Empty CSV.</p>;
  return (
    <div className="table-wrap">
      <table className="table compact" data-testid="csv-preview">
        <thead>
          <tr>
            {rows[0].map((h, i) => (
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(1).map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PreviewBody({ p }: { p: ArtifactPreview }) {
  if (p.kind === 'image' && p.encoding === 'base64' && /^image\/(png|jpeg|gif|webp|bmp)$/.test(p.mediaType)) {
    return <img className="artifact-image" alt={p.path} src={`data:${p.mediaType};base64,${p.content}`} data-testid="image-preview" />;
  }
  if (p.kind === 'csv') return <CsvPreview text={p.content} />;
  if (p.kind === 'json') {
    let pretty = p.content;
    try {
      pretty = JSON.stringify(JSON.parse(p.content), null, 2);
    } catch {
      // truncated or invalid: show as it is
    }
    return <pre className="log" data-testid="json-preview">{pretty}</pre>;
  }
  if (p.kind === 'text') return <pre className="log">{p.content}</pre>;
  return <p className="muted">A binary file ({p.mediaType}); no preview.</p>;
}

function Artifacts() {
  const artifacts = useRunDetailStore((s) => s.artifacts);
  const preview = useRunDetailStore((s) => s.preview);
  const previewPath = useRunDetailStore((s) => s.previewPath);
  const loadPreview = useRunDetailStore((s) => s.loadPreview);
  if (artifacts.error) return <ErrorBox error={artifacts.error} />;
  if (!artifacts.data) return <div className="muted pad">Loading artifacts…</div>;
  if (artifacts.data.length === 0) return <div className="empty small">No artifacts. MLflow&apos;s <code>log_artifact</code> and <code>lathe run</code> logs land here.</div>;
  return (
    <div className="artifacts">
      <ul className="artifact-list" data-testid="artifact-list">
        {artifacts.data.map((a) => (
          <li key={a.path}>
            <button type="button" className={a.path === previewPath ? 'artifact active' : 'artifact'} onClick={() => void loadPreview(a.path)} data-testid="artifact-item">
              <span className="mono truncate">{a.path}</span>
              <span className="muted small">{formatBytes(a.size)}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="artifact-preview card" data-testid="artifact-preview">
        {!previewPath && <p className="muted">Choose a file to preview it.</p>}
        <ErrorBox error={preview.error} />
        {preview.data && (
          <>
            <div className="card-head">
              <span className="card-title mono">{preview.data.path}</span>
              <span className="muted small">
                {preview.data.mediaType} · {formatBytes(preview.data.size)}
                {preview.data.truncated ? ' · truncated' : ''}
              </span>
            </div>
            <PreviewBody p={preview.data} />
          </>
        )}
      </div>
    </div>
  );
}

const TABS: { id: RunTab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'logs', label: 'Logs' },
  { id: 'artifacts', label: 'Artifacts' },
];

export function RunDetail({ runId }: { runId: string }) {
  const state = useRunDetailStore((s) => s.run);
  const tab = useRunDetailStore((s) => s.tab);
  const setTab = useRunDetailStore((s) => s.setTab);
  const show = useExperimentsStore((s) => s.show);
  const [settings, setSettings] = useState<ChartSettings>({ xMode: 'step', log: false, smoothing: 0 });
  useEffect(() => {
    void useRunDetailStore
      .getState()
      .open(runId)
      .then(() => useRunDetailStore.getState().setTab(useRunDetailStore.getState().tab));
  }, [runId]);
  const run = state.data?.id === runId ? state.data : null;
  const running = run?.status === 'running';
  // Runs written by another process (`lathe run` in a terminal) send no events to this server: poll while running.
  usePollWhile(running, 2000, () => {
    const s = useRunDetailStore.getState();
    s.metricsArrived(runId);
    if (s.tab === 'logs') void s.loadLogs();
  });
  // Rebuilt only when what the chart shows changes (not on every metric reload of the run).
  const chartId = run?.id;
  const chartName = run?.name ?? '';
  const chartStart = run?.startTime ?? 0;
  const chartRuns = useMemo(() => (chartId ? [{ id: chartId, name: chartName, color: colorFor(0), startTime: chartStart, running }] : []), [chartId, chartName, chartStart, running]);
  const metricKeys = useMemo(() => orderMetrics(Object.keys(run?.metrics ?? {})), [run]);
  return (
    <section className="screen detail run-detail" data-testid="run-detail">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => show({ kind: 'runs', experimentId: run?.experimentId ?? null })} data-testid="back-to-runs">
          ← {run ? run.experimentName : 'Runs'}
        </button>
        <h1 className="truncate" data-testid="run-title">
          {run?.name ?? '…'}
        </h1>
        {run && <StatusChip status={run.status} />}
        {run && <span className="muted small">{formatDuration(run.duration)}</span>}
        {run && <div className="spacer" />}
        {run && <RegisterModelButton run={run} />}
      </div>
      <ErrorBox error={state.error} />
      {run && (
        <>
          <div className="tabs" role="tablist">
            {TABS.map((t) => (
              <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'tab active' : 'tab'} onClick={() => setTab(t.id)} data-testid={`run-tab-${t.id}`}>
                {t.label}
                {t.id === 'metrics' ? <span className="muted"> {metricKeys.length}</span> : null}
              </button>
            ))}
          </div>
          <div className="run-tab-body">
            {tab === 'overview' && <Overview run={run} />}
            {tab === 'metrics' && (
              <>
                <ChartControls value={settings} onChange={setSettings} />
                <ChartGrid metrics={metricKeys} runs={chartRuns} settings={settings} />
              </>
            )}
            {tab === 'logs' && <Logs run={run} />}
            {tab === 'artifacts' && <Artifacts />}
          </div>
        </>
      )}
    </section>
  );
}

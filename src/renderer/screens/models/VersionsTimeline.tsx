import { useModelsStore } from '../../stores/modelsStore';
import { keyMetrics, shortTime } from '../../stores/modelsView';
import { formatMetric, formatTime } from '../../stores/runsTable';
import { openRun } from '../../navigation';
import { ClickableRow } from '../../components/ClickableRow';
import { DatasetVersionLink } from '../../components/DatasetVersion';

/** Every version of the open model, newest first: a row each, click to open it in the tabs below. */
export function VersionsTimeline() {
  const versions = useModelsStore((s) => s.versions.data);
  const selected = useModelsStore((s) => s.selected);
  const select = useModelsStore((s) => s.select);
  if (!versions) return <div className="muted pad">Loading versions…</div>;
  return (
    <div className="table-wrap timeline versions-timeline">
      <table className="table compact" data-testid="versions-timeline">
        <thead>
          <tr>
            <th>Version</th>
            <th>Run</th>
            <th>Data</th>
            <th>Key metrics</th>
            <th>Backend · Lathe</th>
            <th>Description</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <ClickableRow key={v.id} selected={v.number === selected} data-testid="version-row" data-version={v.number} onOpen={() => select(v.number)}>
              <td className="nowrap">
                <span className="mono strong">v{v.number}</span>{' '}
                {v.aliases.map((a) => (
                  <span key={a} className="tag">
                    {a}
                  </span>
                ))}
              </td>
              <td className="nowrap">
                {v.runId ? (
                  <button
                    type="button"
                    className="link"
                    onClick={(e) => {
                      e.stopPropagation();
                      openRun(v.runId!);
                    }}
                    data-testid="version-run-link"
                  >
                    {v.runName ?? v.runId.slice(0, 12)}
                  </button>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="nowrap">
                {v.datasets.length === 0 && <span className="muted">—</span>}
                {v.datasets.map((d) => (
                  <DatasetVersionLink key={d.id} id={d.id} dataset={d.dataset} number={d.number} />
                ))}
              </td>
              <td className="key-metrics">
                {keyMetrics(v.metrics).map(([k, m]) => (
                  <span key={k} className="key-metric">
                    <span className="muted">{k}</span> {formatMetric(m)}
                  </span>
                ))}
              </td>
              <td>
                {v.backend ?? '—'} <span className="muted nowrap">· {v.appVersion}</span>
              </td>
              <td className="truncate message" title={v.description}>
                {v.description || <span className="muted">—</span>}
              </td>
              <td className="muted nowrap" title={`${formatTime(v.createdAt)} by ${v.createdBy}`}>
                {shortTime(v.createdAt)}
              </td>
            </ClickableRow>
          ))}
        </tbody>
      </table>
    </div>
  );
}

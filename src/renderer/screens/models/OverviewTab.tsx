import type { ModelVersion } from '../../../shared/registry';
import { formatBytes } from '../../format';
import { formatMetric, formatTime } from '../../stores/runsTable';
import { openRun } from '../../navigation';
import { DatasetVersionLink } from '../../components/DatasetVersion';

interface SignatureLike {
  task?: string;
  target?: string;
  template?: string;
  labels?: string[];
  inputs?: { kind?: string; columns?: { name: string; type: string }[]; width?: number; height?: number; channels?: number };
}

function Signature({ signature }: { signature: unknown }) {
  if (!signature || typeof signature !== 'object') return <p className="muted small">No signature stored with this version.</p>;
  const s = signature as SignatureLike;
  const cols = s.inputs?.columns ?? [];
  return (
    <div className="signature" data-testid="version-signature">
      <dl className="stats">
        {s.task && (
          <>
            <dt>Task</dt>
            <dd>
              {s.task}
              {s.target ? ` of ${s.target}` : ''}
            </dd>
          </>
        )}
        {s.template && (
          <>
            <dt>Template</dt>
            <dd>{s.template}</dd>
          </>
        )}
        {s.labels && s.labels.length > 0 && (
          <>
            <dt>Labels</dt>
            <dd>{s.labels.join(', ')}</dd>
          </>
        )}
        {s.inputs?.kind === 'image' && (
          <>
            <dt>Input</dt>
            <dd>
              images {s.inputs.width}×{s.inputs.height}×{s.inputs.channels}
            </dd>
          </>
        )}
      </dl>
      {cols.length > 0 && (
        <table className="table compact kv">
          <tbody>
            {cols.map((c) => (
              <tr key={c.name}>
                <td className="kv-key mono">{c.name}</td>
                <td className="muted">{c.type}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function OverviewTab({ version: v }: { version: ModelVersion }) {
  const metrics = Object.entries(v.metrics).sort(([a], [b]) => a.localeCompare(b));
  const params = Object.entries(v.params).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="overview model-overview" data-testid="version-overview">
      <div className="cards">
        <div className="card">
          <h3>Version</h3>
          <dl className="stats">
            <dt>Ref</dt>
            <dd className="mono">
              {v.model}@{v.number}
            </dd>
            <dt>Id</dt>
            <dd className="mono small">{v.id}</dd>
            <dt>Registered</dt>
            <dd>
              {formatTime(v.createdAt)} <span className="muted">by {v.createdBy}</span>
            </dd>
            <dt>Run</dt>
            <dd>
              {v.runId ? (
                <button type="button" className="link" onClick={() => openRun(v.runId!)}>
                  {v.runName ?? v.runId}
                </button>
              ) : (
                '—'
              )}
            </dd>
            <dt>Data</dt>
            <dd>
              {v.datasets.length === 0
                ? '—'
                : v.datasets.map((d) => <DatasetVersionLink key={d.id} id={d.id} dataset={d.dataset} number={d.number} />)}
            </dd>
            <dt>Backend</dt>
            <dd>{v.backend ?? '—'}</dd>
            <dt>Lathe</dt>
            <dd>{v.appVersion}</dd>
            <dt>Aliases</dt>
            <dd>{v.aliases.length ? v.aliases.join(', ') : '—'}</dd>
          </dl>
          {v.description && <p className="version-description">{v.description}</p>}
        </div>
        <div className="card">
          <h3>Signature</h3>
          <Signature signature={v.signature} />
        </div>
        <div className="card">
          <h3>Files</h3>
          <table className="table compact kv" data-testid="version-files">
            <tbody>
              {v.files.map((f) => (
                <tr key={f.path}>
                  <td className="mono">{f.path}</td>
                  <td className="num muted">{formatBytes(f.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div className="cards">
        <div className="card">
          <h3>Metrics</h3>
          {metrics.length === 0 ? (
            <p className="muted small">No metrics.</p>
          ) : (
            <table className="table compact kv" data-testid="version-metrics">
              <tbody>
                {metrics.map(([k, m]) => (
                  <tr key={k}>
                    <td className="mono kv-key">{k}</td>
                    <td className="num">{formatMetric(m)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="card">
          <h3>Params</h3>
          {params.length === 0 ? (
            <p className="muted small">No params.</p>
          ) : (
            <table className="table compact kv" data-testid="version-params">
              <tbody>
                {params.map(([k, p]) => (
                  <tr key={k}>
                    <td className="mono kv-key">{k}</td>
                    <td className="kv-value">{p}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </div>
  );
}

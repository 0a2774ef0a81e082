import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ModelVersion } from '../../../shared/registry';
import { ErrorBox } from '../../components/ErrorBox';
import { modelsSelectors, useModelsStore } from '../../stores/modelsStore';
import type { MetricValue } from '../../../shared/tracking';
import { metricDelta } from '../../stores/modelsView';
import { formatMetric } from '../../format';
import { compareMetricNames } from '../../metrics';
import { MetricDelta } from '../experiments/MetricDelta';

/** Two versions side by side: params (differences marked), metrics, and evaluations on the same data. */
export function CompareTab({ version }: { version: ModelVersion }) {
  const versions = useModelsStore((s) => s.versions.data) ?? [];
  const compareWith = useModelsStore((s) => s.compareWith);
  const setCompareWith = useModelsStore((s) => s.setCompareWith);
  const compare = useModelsStore((s) => s.compare);
  const pair = useModelsStore(useShallow(modelsSelectors.comparePair));
  const [onlyDiff, setOnlyDiff] = useState(true);
  const others = versions.filter((v) => v.id !== version.id);
  const data = pair && compare.data && compare.data.versions.map((v) => v.id).join() === pair.map((v) => v.id).join() ? compare.data : null;
  const params = data ? data.params.filter((p) => !onlyDiff || p.differs) : [];
  // Evaluation data by name when a version was trained on it, else by its id.
  const dataLabel = (id: string) => {
    const d = versions.flatMap((v) => v.datasets).find((x) => x.id === id && x.dataset);
    return d ? `${d.dataset}${d.number !== undefined ? `@v${d.number}` : ''}` : `dataset version ${id.slice(0, 12)}`;
  };
  return (
    <div className="compare-tab" data-testid="version-compare">
      <div className="row gap">
        <span>
          Compare <span className="mono strong">v{version.number}</span> with
        </span>
        <select
          className="input select"
          value={compareWith ?? ''}
          onChange={(e) => setCompareWith(e.target.value ? Number(e.target.value) : null)}
          data-testid="compare-with"
          disabled={others.length === 0}
        >
          <option value="">{others.length === 0 ? 'no other version' : 'choose a version…'}</option>
          {others.map((v) => (
            <option key={v.id} value={v.number}>
              v{v.number}
              {v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}
            </option>
          ))}
        </select>
        {data && (
          <label className="check small">
            <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} data-testid="compare-only-diff" /> only params that differ
          </label>
        )}
      </div>
      {others.length === 0 && <p className="muted small">Register another version of this model (from another run) to compare them.</p>}
      <ErrorBox error={compare.error} />
      {pair && !data && !compare.error && <div className="muted pad">Comparing…</div>}
      {data && (
        <div className="cards compare-cards model-compare">
          <div className="card">
            <h3>Metrics</h3>
            <MetricsTable versions={data.versions} metrics={data.metrics} testId="compare-metrics" />
          </div>
          <div className="card">
            <h3>Params {onlyDiff ? <span className="muted">that differ</span> : null}</h3>
            {params.length === 0 ? (
              <p className="muted small">{onlyDiff ? 'Both versions were trained with the same params.' : 'No params.'}</p>
            ) : (
              <table className="table compact compare-table" data-testid="compare-params">
                <thead>
                  <tr>
                    <th>Param</th>
                    {data.versions.map((v) => (
                      <th key={v.id}>v{v.number}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {params.map((p) => (
                    <tr key={p.key} className={p.differs ? 'differs' : ''}>
                      <td className="mono">{p.key}</td>
                      {p.values.map((x, i) => (
                        <td key={i} className="compare-value" title={x ?? ''}>
                          {x ?? <span className="muted">—</span>}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <div className="card card-wide" data-testid="compare-same-data">
            <h3>On the same evaluation data</h3>
            {data.sameData.length === 0 ? (
              <p className="muted small">
                No evaluation of both versions on the same dataset version yet. Evaluate each on one held-out version (<code>lathe eval</code>, or the
                evaluation calls) and the results line up here.
              </p>
            ) : (
              data.sameData.map((d) => (
                <div key={d.datasetVersion} className="same-data">
                  <div className="small muted">
                    on <span className="mono">{dataLabel(d.datasetVersion)}</span>
                  </div>
                  <MetricsTable versions={data.versions} metrics={d.metrics} />
                </div>
              ))
            )}
          </div>
        </div>
      )}
    </div>
  );
}

/** Metrics of the compared versions, one column each, with the change from the first to the last. */
function MetricsTable(props: { versions: { id: string; number: number }[]; metrics: { key: string; values: readonly (MetricValue | null)[] }[]; testId?: string }) {
  return (
    <table className="table compact compare-table" data-testid={props.testId}>
      <thead>
        <tr>
          <th>Metric</th>
          {props.versions.map((v) => (
            <th key={v.id} className="num">
              v{v.number}
            </th>
          ))}
          <th className="num">Δ</th>
        </tr>
      </thead>
      <tbody>
        {[...props.metrics]
          .sort((a, b) => compareMetricNames(a.key, b.key))
          .map((m) => (
            <tr key={m.key}>
              <td className="mono">{m.key}</td>
              {m.values.map((x, i) => (
                <td key={i} className="num">
                  {formatMetric(x)}
                </td>
              ))}
              <MetricDelta metric={m.key} delta={metricDelta(m.values)} />
            </tr>
          ))}
      </tbody>
    </table>
  );
}

import { useEffect } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { betterIs, headlineLabel } from '../../stores/evaluationLogic';
import { useEvaluationStore } from '../../stores/evaluationStore';
import { formatMetric, formatMoney, formatTime } from '../../format';
import { MetricDelta } from '../experiments/MetricDelta';
import { useTrainingStore } from '../../stores/trainingStore';

/** The later value minus the first, when both are finite numbers. */
function change(first: number | null | undefined, v: number | null | undefined): number | null {
  if (typeof first !== 'number' || typeof v !== 'number' || !Number.isFinite(first) || !Number.isFinite(v)) return null;
  return Math.abs(v - first) < 1e-12 ? 0 : v - first;
}

/** Two or more evaluations side by side: headline metrics (best marked) and business value. */
export function EvaluationCompare({ ids }: { ids: string[] }) {
  const state = useEvaluationStore((s) => s.comparison);
  const show = useTrainingStore((s) => s.show);
  const key = ids.join(',');
  useEffect(() => {
    void useEvaluationStore.getState().openCompare(key.split(','));
  }, [key]);
  const c = state.data;
  const back = c?.evaluations[0]?.runId;
  return (
    <section className="screen detail" data-testid="evaluation-compare">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => (back ? show({ kind: 'run', runId: back }) : show({ kind: 'home' }))} data-testid="back-from-compare">
          ← Back
        </button>
        <h1>Compare {ids.length} evaluations</h1>
      </div>
      <ErrorBox error={state.error} />
      {!c && state.loading && <div className="muted pad">Loading…</div>}
      {c && (
        <div className="table-wrap compare-evals">
          <table className="table compact">
            <thead>
              <tr>
                <th>Metric</th>
                {c.evaluations.map((e) => (
                  <th key={e.id} className="num">
                    <button type="button" className="link" onClick={() => show({ kind: 'evaluation', id: e.id })}>
                      {e.runName}
                    </button>
                    <div className="muted small mono">{e.dataRef}</div>
                    <div className="muted small">{formatTime(e.createdAt)}</div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {c.metrics.map((m) => (
                <tr key={m} data-testid="compare-metric-row">
                  <td>
                    {headlineLabel(m)}
                    {betterIs(m) && <span className="muted small"> ({betterIs(m) === 'max' ? 'higher' : 'lower'} is better)</span>}
                  </td>
                  {c.evaluations.map((e, i) => (
                    <td key={e.id} className={c.best[m] === i ? 'num best' : 'num'}>
                      {m === 'value_per_1000' ? formatMoney(e.headline[m] ?? null) : formatMetric(e.headline[m] ?? null)}
                      {c.best[m] === i && <span className="best-mark" aria-label="best"> ★</span>}
                      {i > 0 && <MetricDelta metric={m} delta={change(c.evaluations[0].headline[m], e.headline[m])} inline />}
                    </td>
                  ))}
                </tr>
              ))}
              {!c.metrics.includes('value_per_1000') && (
                <tr className="sum-row" data-testid="compare-business">
                  <td>Business value per 1000 cases</td>
                  {c.evaluations.map((e) => (
                    <td key={e.id} className="num">
                      {e.businessValuePer1000 === null ? <span className="muted">no cost matrix</span> : formatMoney(e.businessValuePer1000)}
                    </td>
                  ))}
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">Business values compare only when the evaluations used the same cost matrix on comparable data.</p>
    </section>
  );
}

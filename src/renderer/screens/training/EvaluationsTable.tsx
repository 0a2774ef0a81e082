import type { EvaluationSummary } from '../../../shared/evaluation';
import { headlineLabel } from '../../stores/evaluationLogic';
import { formatMetric, formatMoney, formatTime } from '../../format';
import { useTrainingStore } from '../../stores/trainingStore';
import { ClickableRow } from '../../components/ClickableRow';
import { ErrorBox } from '../../components/ErrorBox';
import type { Loadable } from '../../stores/loadable';
import type { ReactNode } from 'react';

const SHOWN = ['accuracy', 'f1_macro', 'auc', 'log_loss', 'mae', 'rmse', 'r2'];

/** Evaluations with their headline numbers; tick two or more to compare them (across runs too). */
export function EvaluationsTable({ list, showRun }: { list: EvaluationSummary[]; showRun?: boolean }) {
  const pick = useTrainingStore((s) => s.comparePick);
  const togglePick = useTrainingStore((s) => s.togglePick);
  const show = useTrainingStore((s) => s.show);
  const keys = SHOWN.filter((k) => list.some((e) => k in e.headline)).slice(0, 4);
  return (
    <table className="table compact" data-testid="evaluations-table">
      <thead>
        <tr>
          <th aria-label="Compare" />
          {showRun && <th>Run</th>}
          <th>Data</th>
          {keys.map((k) => (
            <th key={k} className="num">
              {headlineLabel(k)}
            </th>
          ))}
          <th className="num">Value / 1000</th>
          <th>When</th>
        </tr>
      </thead>
      <tbody>
        {list.map((e) => (
          <ClickableRow key={e.id} onOpen={() => show({ kind: 'evaluation', id: e.id })} data-testid="evaluation-row">
            <td onClick={(ev) => ev.stopPropagation()}>
              <input type="checkbox" checked={pick.includes(e.id)} onChange={() => togglePick(e.id)} aria-label="Pick for comparison" data-testid="evaluation-pick" />
            </td>
            {showRun && <td className="truncate strong">{e.runName}</td>}
            <td className="mono small">
              {e.dataRef} <span className="muted">· {e.split}</span>
              {e.trainingRows !== 0 && (
                <span className="badge warning badge-below" title="This evaluation scored rows the model was trained on: its numbers are optimistic" data-testid="training-rows-mark">
                  {e.trainingRows === null ? 'may include training rows' : `includes ${e.trainingRows} training rows`}
                </span>
              )}
            </td>
            {keys.map((k) => (
              <td key={k} className="num">
                {formatMetric(e.headline[k] ?? null)}
              </td>
            ))}
            <td className="num">{e.businessValuePer1000 === null ? <span className="muted">—</span> : formatMoney(e.businessValuePer1000)}</td>
            <td className="nowrap muted">{formatTime(e.createdAt)}</td>
          </ClickableRow>
        ))}
      </tbody>
    </table>
  );
}

/** A card of evaluations (a run's, or the newest of all runs), with Compare once two are ticked; `empty` says what to do while there are none. */
export function EvaluationsCard(props: { state: Loadable<EvaluationSummary[]>; testId: string; showRun?: boolean; actions?: ReactNode; empty: ReactNode }) {
  const list = props.state.data ?? [];
  return (
    <div className="card" data-testid={props.testId}>
      <div className="card-head">
        <h3>Evaluations</h3>
        <span className="spacer" />
        <CompareButton />
        {props.actions}
      </div>
      <ErrorBox error={props.state.error} />
      {list.length === 0 && (props.state.data || !props.state.loading) ? <p className="muted small">{props.empty}</p> : <EvaluationsTable list={list} showRun={props.showRun} />}
    </div>
  );
}

/** "Compare N" once two or more are ticked. */
export function CompareButton() {
  const pick = useTrainingStore((s) => s.comparePick);
  const show = useTrainingStore((s) => s.show);
  if (pick.length < 2) return pick.length === 1 ? <span className="muted small">tick one more to compare</span> : null;
  return (
    <button type="button" className="button small" onClick={() => show({ kind: 'compare', ids: pick })} data-testid="compare-evaluations">
      Compare {pick.length}
    </button>
  );
}

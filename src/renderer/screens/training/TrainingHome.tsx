import { useEffect } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { formatDuration, formatMetric, formatTime } from '../../stores/runsTable';
import { useSweepsStore } from '../../stores/sweepsStore';
import { useTrainingStore } from '../../stores/trainingStore';
import { StatusChip } from '../experiments/StatusChip';
import { EvaluationsCard } from './EvaluationsTable';
import { QueuePanel } from './QueuePanel';
import { ClickableRow } from '../../components/ClickableRow';

function RecentRuns() {
  const recent = useTrainingStore((s) => s.recent);
  const show = useTrainingStore((s) => s.show);
  const runs = recent.data ?? [];
  return (
    <div className="card" data-testid="recent-trainings">
      <div className="card-head">
        <h3>Trainings</h3>
        <span className="muted small">{runs.length ? 'newest first' : ''}</span>
      </div>
      <ErrorBox error={recent.error} />
      {recent.data && runs.length === 0 ? (
        <div className="muted small" data-testid="trainings-empty">
          No trainings yet. <strong>New training</strong> starts one from a dataset version: pick the target column, the template and its settings, and watch it learn here.
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table compact">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th>Data</th>
                <th>Target</th>
                <th className="num">Epochs</th>
                <th className="num">val_loss</th>
                <th className="num">test_acc</th>
                <th>Started</th>
                <th className="num">Took</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <ClickableRow key={r.id} onOpen={() => show({ kind: 'run', runId: r.id })} data-testid="training-row">
                  <td className="truncate strong">{r.name}</td>
                  <td>
                    <StatusChip status={r.status} />
                  </td>
                  <td className="mono small">{r.params.data ?? '—'}</td>
                  <td className="truncate">{r.params.target ?? '—'}</td>
                  <td className="num">{r.params.epochs_run ?? r.metrics.loss?.count ?? '—'}</td>
                  <td className="num">{formatMetric(r.metrics.val_loss?.min ?? null)}</td>
                  <td className="num">{formatMetric(r.metrics.test_acc?.last ?? null)}</td>
                  <td className="nowrap">{formatTime(r.startTime)}</td>
                  <td className="num">{formatDuration(r.duration)}</td>
                </ClickableRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Sweeps() {
  const list = useSweepsStore((s) => s.list);
  const show = useTrainingStore((s) => s.show);
  useEffect(() => {
    void useSweepsStore.getState().loadList();
  }, []);
  const sweeps = list.data ?? [];
  return (
    <div className="card" data-testid="sweeps-list">
      <div className="card-head">
        <h3>Sweeps</h3>
        <span className="spacer" />
        <button type="button" className="button small" onClick={() => show({ kind: 'new-sweep' })} data-testid="new-sweep">
          New sweep
        </button>
      </div>
      <ErrorBox error={list.error} />
      {list.data && sweeps.length === 0 ? (
        <p className="muted small">No sweeps yet. A sweep trains one spec over a grid or random ranges of its settings, in parallel, stopping poor trials early.</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Sweep</th>
              <th>Status</th>
              <th>Strategy</th>
              <th className="num">Trials</th>
              <th>Objective</th>
              <th className="num">Best</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {sweeps.map((s) => (
              <ClickableRow key={s.id} onOpen={() => show({ kind: 'sweep', id: s.id })} data-testid="sweep-row">
                <td className="truncate strong">{s.name}</td>
                <td>
                  <span className={`status status-${s.status === 'cancelled' ? 'killed' : s.status}`}>{s.status}</span>
                </td>
                <td>{s.strategy}</td>
                <td className="num">{Object.values(s.counts).reduce((a, b) => a + b, 0)}</td>
                <td className="mono small">
                  {s.objective.metric} ({s.objective.direction === 'minimize' ? 'min' : 'max'})
                </td>
                <td className="num">{formatMetric(s.best?.objective ?? null)}</td>
                <td className="nowrap">{formatTime(s.createdAt)}</td>
              </ClickableRow>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AllEvaluations() {
  const evals = useTrainingStore((s) => s.allEvaluations);
  return (
    <EvaluationsCard
      state={evals}
      testId="all-evaluations"
      showRun
      empty="No evaluations yet. Open a finished training and choose Evaluate… to score it on any dataset version, with a cost matrix for business value."
    />
  );
}

export function TrainingHome() {
  const show = useTrainingStore((s) => s.show);
  useEffect(() => {
    const s = useTrainingStore.getState();
    void s.loadRecent();
    void s.loadJobs();
    void s.loadAllEvaluations();
  }, []);
  return (
    <section className="screen" data-testid="training-home">
      <div className="screen-head">
        <h1>Training</h1>
        <span className="muted small">Models trained in background workers, every one a tracked run tied to its dataset version.</span>
        <span className="spacer" />
        <button type="button" className="button" onClick={() => show({ kind: 'new-sweep' })} data-testid="open-new-sweep">
          New sweep
        </button>
        <button type="button" className="button primary" onClick={() => show({ kind: 'new' })} data-testid="new-training">
          New training
        </button>
      </div>
      <QueuePanel />
      <RecentRuns />
      <AllEvaluations />
      <Sweeps />
    </section>
  );
}

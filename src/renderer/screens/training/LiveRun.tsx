import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Run } from '../../../shared/tracking';
import { TRAINING_HINTS_TAG, type TrainingHint } from '../../../shared/training';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { MetricChart } from '../../components/charts/MetricChart';
import { colorFor } from '../../components/charts/series';
import { useWidth } from '../../components/charts/useWidth';
import { useAppStore } from '../../stores/appStore';
import { baselinesOf } from '../../stores/evaluationLogic';
import { useExperimentsStore } from '../../stores/experimentsStore';
import { formatDuration, formatEta, formatMetric, formatNumber, formatTime } from '../../format';
import { metricDirection, orderMetrics } from '../../metrics';
import { chartGroups, fractionDone, trainingSelectors, useTrainingStore } from '../../stores/trainingStore';
import { StatusChip } from '../experiments/StatusChip';
import { RegisterModelButton } from '../models/RegisterModelButton';
import { EvaluateDialog } from './EvaluateDialog';
import { EvaluationsCard } from './EvaluationsTable';
import { usePollWhile } from '../../components/usePollWhile';
import { useTrainingNewStore } from '../../stores/trainingNewStore';
import { useToastStore } from '../../stores/toastStore';

function ProgressCard({ run }: { run: Run }) {
  const job = useTrainingStore((s) => trainingSelectors.jobOf(s, run.id));
  const live = useTrainingStore((s) => s.progress[run.id]);
  const queued = useTrainingStore(useShallow((s) => (s.jobs.data?.jobs ?? []).filter((j) => j.state === 'queued').map((j) => j.id)));
  const p = (job?.state === 'running' ? live?.progress : null) ?? job?.progress ?? live?.progress ?? null;
  const running = run.status === 'running';
  const frac = running ? fractionDone(p) : run.status === 'finished' ? 1 : fractionDone(p);
  const epochsRun = run.params.epochs_run ?? (run.metrics.loss ? String(run.metrics.loss.count) : null);
  return (
    <div className="card progress-card" data-testid="training-progress">
      <div className="progress-line">
        <span className="strong" data-testid="progress-epoch">
          {!running && epochsRun
            ? `${epochsRun} of ${run.params.epochs ?? '?'} epoch${run.params.epochs === '1' ? '' : 's'} run`
            : job?.state === 'queued'
            ? `Queued${queued.indexOf(job.id) >= 0 ? ` · #${queued.indexOf(job.id) + 1} in line` : ''} · waits for a free worker`
            : p
              ? `Epoch ${Math.min(p.epoch, p.epochs)} / ${p.epochs}`
              : running
                ? 'Starting…'
                : epochsRun
                  ? `${epochsRun} epoch${epochsRun === '1' ? '' : 's'} run`
                  : '—'}
        </span>
        {p && running && p.batches > 0 && (
          <span className="muted small">
            batch {p.batch} / {p.batches}
          </span>
        )}
        {p && running && <span className="muted small">{p.phase}</span>}
        <span className="spacer" />
        {running && p && (
          <>
            <span className="small" data-testid="progress-rate">
              {formatNumber(Math.round(p.samplesPerSec))} samples/s
            </span>
            <span className="small" data-testid="progress-eta">
              ETA {formatEta(p.etaMs)}
            </span>
          </>
        )}
        {!running && run.duration !== null && <span className="muted small">took {formatDuration(run.duration)}</span>}
      </div>
      <progress className="progress" max={1} value={frac ?? undefined} data-testid="progress-bar" />
      <div className="muted small row gap">
        <span>started {formatTime(run.startTime)}</span>
        {job?.worker !== null && job?.worker !== undefined && <span>· worker {job.worker + 1}</span>}
        {run.params.data && (
          <span>
            · data <span className="mono">{run.params.data}</span>
          </span>
        )}
        {run.params.target && (
          <span>
            · target <span className="mono">{run.params.target}</span>
          </span>
        )}
        {run.params['split.train_rows'] && (
          <span>
            · split {run.params['split.train_rows']} / {run.params['split.validation_rows'] ?? 0} / {run.params['split.test_rows'] ?? 0} rows
          </span>
        )}
        {run.params.stopped_early === 'true' && <span>· stopped early (best epoch {formatMetric(run.metrics.best_epoch?.last ?? null)})</span>}
      </div>
      <RunHints run={run} />
    </div>
  );
}

/** What the finished run advises: still improving at its last epoch, beaten by its own baseline. */
function RunHints({ run }: { run: Run }) {
  let hints: TrainingHint[] = [];
  try {
    hints = JSON.parse(run.tags[TRAINING_HINTS_TAG] ?? '[]') as TrainingHint[];
  } catch {
    hints = [];
  }
  if (hints.length === 0) return null;
  return (
    <div className="card notes warning" data-testid="run-hints">
      {hints.map((h) => (
        <div key={h.code} className="small" data-testid={`hint-${h.code}`}>
          <strong>{h.message}.</strong> {h.hint}
        </div>
      ))}
    </div>
  );
}

function Curves({ run }: { run: Run }) {
  const histories = useTrainingStore((s) => s.histories);
  const loadHistories = useTrainingStore((s) => s.loadHistories);
  const keys = useMemo(() => Object.keys(run.metrics).sort(), [run.metrics]);
  const groups = useMemo(() => chartGroups(keys), [keys]);
  const wanted = groups.flatMap((g) => g.keys);
  const missing = wanted.filter((k) => !histories[k]).join('|');
  useEffect(() => {
    if (missing) void loadHistories(missing.split('|'));
  }, [missing, loadHistories]);
  const [ref, width] = useWidth<HTMLDivElement>();
  const cols = width > 1000 ? (groups.length === 4 ? 4 : 3) : width > 640 ? 2 : 1;
  const cell = width > 0 ? Math.floor((width - (cols - 1) * 10) / cols) - 24 : 0;
  if (groups.length === 0) {
    return (
      <div ref={ref} className="empty small" data-testid="curves-waiting">
        {run.status === 'running' ? 'Waiting for the first batch… curves appear as the worker reports them.' : 'This run logged no training curves.'}
      </div>
    );
  }
  return (
    <div ref={ref} className="chart-grid" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }} data-testid="training-curves">
      {groups.map((g) => (
        <div key={g.id} className="card chart-card" data-testid="training-chart" data-metric={g.id}>
          <div className="card-head">
            <span className="card-title mono">{g.title}</span>
            <span className="legend">
              {g.keys.map((k, i) => (
                <span key={k} className="legend-item small">
                  <span className="swatch" style={{ background: colorFor(i) }} />
                  {k.startsWith('val_') ? 'validation' : g.perBatch ? 'per batch' : k === 'lr' ? 'per epoch' : 'train'}
                </span>
              ))}
            </span>
          </div>
          <MetricChart
            series={g.keys.map((k, i) => ({ id: k, name: k, color: colorFor(i), history: histories[k] ?? null }))}
            width={cell}
            height={180}
            xMode="step"
            log={false}
            smoothing={g.perBatch ? 0.6 : 0}
            metric={g.keys[0]}
            xLabel={g.perBatch ? 'batch' : 'epoch'}
          />
        </div>
      ))}
    </div>
  );
}

function Baselines({ run }: { run: Run }) {
  const baselines = baselinesOf(run.metrics);
  if (baselines.length === 0) return null;
  const metrics = orderMetrics(new Set(baselines.flatMap((b) => Object.keys(b.values))));
  const model = (m: string) => {
    const v = run.metrics[m]?.last;
    return typeof v === 'number' ? v : null;
  };
  const higherBetter = (m: string) => metricDirection(m) !== 'min';
  return (
    <div className="card" data-testid="baselines">
      <h3>What the network adds</h3>
      <table className="table compact">
        <thead>
          <tr>
            <th>Model</th>
            {metrics.map((m) => (
              <th key={m} className="num">
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td className="strong">this network</td>
            {metrics.map((m) => {
              const v = model(m);
              const beats = v !== null && baselines.every((b) => b.values[m] === undefined || (higherBetter(m) ? v >= b.values[m] : v <= b.values[m]));
              return (
                <td key={m} className={beats ? 'num best' : 'num'}>
                  {formatMetric(v)}
                </td>
              );
            })}
          </tr>
          {baselines.map((b) => (
            <tr key={b.name}>
              <td className="muted">{b.name === 'logreg' ? 'logistic regression' : b.name === 'linreg' ? 'linear regression' : b.name === 'majority' ? 'majority class' : b.name}</td>
              {metrics.map((m) => (
                <td key={m} className="num muted">
                  {formatMetric(b.values[m] ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Evaluations({ run, onEvaluate }: { run: Run; onEvaluate: () => void }) {
  const evals = useTrainingStore((s) => s.evaluations);
  return (
    <EvaluationsCard
      state={evals}
      testId="run-evaluations"
      actions={
        <button type="button" className="button small" disabled={run.status !== 'finished'} onClick={onEvaluate} data-testid="evaluate-inline">
          Evaluate…
        </button>
      }
      empty={run.status === 'finished' ? 'Not evaluated yet. Evaluate the model on any version with the same columns: metrics, curves, slices and business value.' : 'A finished run can be evaluated.'}
    />
  );
}

export function LiveRun({ runId }: { runId: string }) {
  const state = useTrainingStore((s) => s.run);
  const hasCheckpoint = useTrainingStore((s) => s.hasCheckpoint);
  const { show, cancel, resume } = useTrainingStore(useShallow((s) => ({ show: s.show, cancel: s.cancel, resume: s.resume })));
  // Re-run opens New training with this run's spec, to change what should differ before starting.
  const rerun = async (id: string) => {
    const refused = await useTrainingNewStore.getState().prefill(id);
    if (refused) useToastStore.getState().error(refused);
    else show({ kind: 'new' });
  };
  const [confirm, setConfirm] = useState(false);
  const [evaluate, setEvaluate] = useState(false);
  useEffect(() => {
    void useTrainingStore.getState().openRun(runId);
  }, [runId]);
  const run = state.data?.id === runId ? state.data : null;
  const running = run?.status === 'running';
  // A run that shows running with no job in this server's queue (another process, a crash) is re-read now and then.
  usePollWhile(running, 5000, () => void useTrainingStore.getState().reloadRun());
  const openInExperiments = () => {
    useAppStore.getState().go('experiments');
    useExperimentsStore.getState().show({ kind: 'run', runId });
  };
  const backend = run?.tags['lathe.backend'] ?? run?.environment?.backend;
  const device = run?.tags['lathe.device'];
  const failure = run?.tags['training.error'];
  return (
    <section className="screen detail live-run" data-testid="live-run">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => show({ kind: 'home' })} data-testid="back-to-training">
          ← Training
        </button>
        <h1 className="truncate" data-testid="live-title">
          {run?.name ?? '…'}
        </h1>
        {run && <StatusChip status={run.status} />}
        {backend && (
          <span className="badge backend-badge" title={device ?? backend} data-testid="run-backend">
            {backend}
          </span>
        )}
        {run?.tags['lathe.template'] && <span className="muted small">{run.tags['lathe.template']}</span>}
        <span className="spacer" />
        {run && (
          <div className="row gap">
            {running && (
              <button type="button" className="button danger-ghost" onClick={() => setConfirm(true)} data-testid="cancel-training">
                Cancel…
              </button>
            )}
            {(run.status === 'failed' || run.status === 'killed') && hasCheckpoint && (
              <button type="button" className="button" onClick={() => void resume(run.id)} data-testid="resume-training">
                Resume
              </button>
            )}
            {!running && (
              <button type="button" className="button" onClick={() => void rerun(run.id)} data-testid="rerun-training">
                Re-run…
              </button>
            )}
            <button type="button" className="button" disabled={run.status !== 'finished'} onClick={() => setEvaluate(true)} data-testid="evaluate-run" title={run.status === 'finished' ? undefined : 'A finished run can be evaluated'}>
              Evaluate…
            </button>
            <RegisterModelButton run={run} />
            <button type="button" className="button ghost" onClick={openInExperiments} data-testid="open-in-experiments">
              Open in Experiments ↗
            </button>
          </div>
        )}
      </div>
      <ErrorBox error={state.error} />
      {run && failure && run.status !== 'running' && <ErrorBox error={{ code: 'INTERNAL', message: failure }} testId="training-error" />}
      {run && (
        <div className="live-body">
          <ProgressCard run={run} />
          <Curves run={run} />
          <div className="cards live-cards">
            <Baselines run={run} />
            <Evaluations run={run} onEvaluate={() => setEvaluate(true)} />
          </div>
        </div>
      )}
      {confirm && run && (
        <ConfirmDialog
          title="Cancel this training?"
          keepLabel="Keep training"
          confirmLabel="Cancel training"
          testId="cancel-dialog"
          confirmTestId="confirm-cancel"
          onClose={() => setConfirm(false)}
          onConfirm={() => cancel({ runId: run.id })}
        >
          <p>
            <strong>{run.name}</strong> stops now and becomes <em>killed</em>. The metrics logged so far are kept
            {run.params.checkpointEvery && run.params.checkpointEvery !== '0' ? `, and it can resume from its last checkpoint (every ${run.params.checkpointEvery} epochs)` : ''}.
          </p>
        </ConfirmDialog>
      )}
      {evaluate && run && (
        <EvaluateDialog
          runId={run.id}
          onClose={() => setEvaluate(false)}
          onDone={(id) => {
            setEvaluate(false);
            show({ kind: 'evaluation', id });
          }}
        />
      )}
    </section>
  );
}

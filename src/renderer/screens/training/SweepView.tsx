import { useEffect, useMemo, useState } from 'react';
import type { ParamValue, SweepTrial, TrialStatus } from '../../../shared/sweeps';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { ParallelCoordinates, type PcLine } from '../../components/charts/ParallelCoordinates';
import { useWidth } from '../../components/charts/useWidth';
import { formatMetric, formatTime } from '../../stores/runsTable';
import { sweepsSelectors, useSweepsStore } from '../../stores/sweepsStore';
import { useTrainingStore } from '../../stores/trainingStore';
import { usePollWhile } from '../../components/usePollWhile';
import { ClickableRow } from '../../components/ClickableRow';

export const paramText = (v: ParamValue | undefined): string => (v === undefined ? '—' : Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'number' ? formatMetric(v) : String(v));

export function TrialChip({ status }: { status: TrialStatus }) {
  const cls = status === 'pruned' ? 'status status-killed' : status === 'cancelled' ? 'status status-killed' : status === 'queued' ? 'status status-queued' : `status status-${status}`;
  return (
    <span className={cls} data-testid="trial-status">
      {status === 'running' && <span className="pulse" aria-hidden />}
      {status}
    </span>
  );
}

const BEST = '#e8a33c';
const OTHER = '#4e9af1';

export function SweepView({ id }: { id: string }) {
  const state = useSweepsStore((s) => s.current);
  const cancel = useSweepsStore((s) => s.cancel);
  const show = useTrainingStore((s) => s.show);
  const [confirm, setConfirm] = useState(false);
  const [ref, width] = useWidth<HTMLDivElement>();
  useEffect(() => {
    void useSweepsStore.getState().open(id);
  }, [id]);
  const sweep = state.data?.id === id ? state.data : null;
  const running = sweep?.status === 'running';
  // Trials progress through epochs between status events: re-read while it runs.
  usePollWhile(running, 2000, () => void useSweepsStore.getState().reload());
  const keys = useMemo(() => sweepsSelectors.paramKeys(sweep), [sweep]);
  const objective = sweep?.spec.objective;
  const bestTrial = sweep?.best?.trial ?? null;
  const axes = useMemo(() => [...keys.map((k) => ({ id: k, label: k.replace(/^hyperparameters\./, '') })), { id: '__objective', label: objective ? `${objective.metric} (${objective.direction === 'minimize' ? 'min' : 'max'})` : 'objective' }], [keys, objective]);
  const lines: PcLine[] = useMemo(
    () =>
      (sweep?.trials ?? [])
        .filter((t) => t.objective !== null || t.status === 'finished')
        .map((t: SweepTrial) => ({
          id: String(t.trial),
          name: `trial ${t.trial}${t.trial === bestTrial ? ' (best)' : ''}: ${objective?.metric ?? 'objective'} ${formatMetric(t.objective)}`,
          color: t.trial === bestTrial ? BEST : OTHER,
          values: { ...Object.fromEntries(keys.map((k) => [k, Array.isArray(t.params[k]) ? paramText(t.params[k]) : ((t.params[k] as string | number | undefined) ?? null)])), __objective: t.objective },
        }))
        // The best is drawn last (on top).
        .sort((a, b) => Number(a.color === BEST) - Number(b.color === BEST)),
    [sweep, keys, bestTrial, objective],
  );
  const openRun = (runId: string | null) => runId && show({ kind: 'run', runId });
  return (
    <section className="screen detail sweep-view" data-testid="sweep-view">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => show({ kind: 'home' })} data-testid="back-to-training">
          ← Training
        </button>
        <h1 className="truncate" data-testid="sweep-title">
          {sweep?.name ?? '…'}
        </h1>
        {sweep && <span className={`status status-${sweep.status === 'cancelled' ? 'killed' : sweep.status}`} data-testid="sweep-status">{sweep.status}</span>}
        {sweep && (
          <span className="muted small">
            {sweep.spec.strategy.kind} · {sweep.trials.length} trials · {sweep.spec.parallelism} in parallel
            {sweep.spec.pruning ? ` · successive halving (eta ${sweep.spec.pruning.eta})` : ''} · started {formatTime(sweep.createdAt)}
          </span>
        )}
        <span className="spacer" />
        {running && (
          <button type="button" className="button danger-ghost" onClick={() => setConfirm(true)} data-testid="cancel-sweep">
            Cancel sweep…
          </button>
        )}
      </div>
      <ErrorBox error={state.error} />
      {sweep?.error && <ErrorBox error={{ code: 'INTERNAL', message: sweep.error }} testId="sweep-error" />}
      {sweep && (
        <div ref={ref} className="sweep-body">
          <div className="row gap sweep-counts" data-testid="sweep-counts">
            {(Object.entries(sweep.counts) as [TrialStatus, number][])
              .filter(([, n]) => n > 0)
              .map(([st, n]) => (
                <span key={st} className="small">
                  <TrialChip status={st} /> {n}
                </span>
              ))}
            <span className="spacer" />
            {sweep.best ? (
              <span className="small best-summary" data-testid="sweep-best">
                Best: <strong>trial {sweep.best.trial}</strong> · {objective?.metric} {formatMetric(sweep.best.objective)}{' '}
                {sweep.best.runId && (
                  <button type="button" className="link" onClick={() => openRun(sweep.best!.runId)}>
                    open run
                  </button>
                )}
              </span>
            ) : (
              <span className="muted small">No finished trial yet.</span>
            )}
          </div>
          <div className="table-wrap">
            <table className="table compact" data-testid="trials-table">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Status</th>
                  {keys.map((k) => (
                    <th key={k} className="num mono" title={k}>
                      {k.replace(/^hyperparameters\./, '')}
                    </th>
                  ))}
                  <th className="num">{objective?.metric ?? 'objective'}</th>
                  <th className="num">Epochs</th>
                  <th className="num">Rung</th>
                  <th>Note</th>
                </tr>
              </thead>
              <tbody>
                {sweep.trials.map((t) => (
                  <ClickableRow key={t.trial} className={t.trial === bestTrial ? 'best-trial' : undefined} onOpen={t.runId ? () => openRun(t.runId) : undefined} data-testid="trial-row" data-best={t.trial === bestTrial ? 'true' : undefined}>
                    <td className="num">
                      {t.trial}
                      {t.trial === bestTrial && <span className="best-mark" aria-label="best"> ★</span>}
                    </td>
                    <td>
                      <TrialChip status={t.status} />
                    </td>
                    {keys.map((k) => (
                      <td key={k} className="num mono">
                        {paramText(t.params[k])}
                      </td>
                    ))}
                    <td className="num strong">{formatMetric(t.objective)}</td>
                    <td className="num">{t.epochs}</td>
                    <td className="num">{t.rung}</td>
                    <td className="truncate small muted" title={t.error ?? undefined}>
                      {t.error ?? ''}
                    </td>
                  </ClickableRow>
                ))}
              </tbody>
            </table>
          </div>
          <div className="card">
            <div className="card-head">
              <h3>Parameters against {objective?.metric ?? 'the objective'}</h3>
              <span className="legend small">
                <span className="legend-item">
                  <span className="swatch" style={{ background: BEST }} /> best trial
                </span>
                <span className="legend-item">
                  <span className="swatch" style={{ background: OTHER }} /> other trials
                </span>
              </span>
            </div>
            {lines.length === 0 ? <p className="muted small">Trials appear here once they report their objective.</p> : <ParallelCoordinates axes={axes} lines={lines} width={Math.max(0, width - 26)} height={260} />}
          </div>
        </div>
      )}
      {confirm && sweep && (
        <ConfirmDialog title="Cancel this sweep?" keepLabel="Keep running" confirmLabel="Cancel sweep" confirmTestId="confirm-cancel-sweep" onClose={() => setConfirm(false)} onConfirm={() => cancel(sweep.id)}>
          <p>Queued trials are dropped and running ones killed; finished trials and their runs stay.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

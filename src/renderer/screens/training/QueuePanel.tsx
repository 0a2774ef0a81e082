import { useState } from 'react';
import type { JobInfo } from '../../../shared/training';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { formatEta, formatNumber, formatTime } from '../../format';
import { fractionDone, orderJobs, useTrainingStore } from '../../stores/trainingStore';
import { ClickableRow } from '../../components/ClickableRow';

function JobState({ job }: { job: JobInfo }) {
  const cls = job.state === 'running' ? 'status-running' : job.state === 'done' ? 'status-finished' : job.state === 'failed' ? 'status-failed' : job.state === 'cancelled' ? 'status-killed' : 'status-queued';
  return (
    <span className={`status ${cls}`} data-testid="job-state">
      {job.state === 'running' && <span className="pulse" aria-hidden />}
      {job.state}
    </span>
  );
}

/** What runs where: the compute queue, live from the training.jobs event; cancel from here. */
export function QueuePanel() {
  const jobs = useTrainingStore((s) => s.jobs);
  const liveProgress = useTrainingStore((s) => s.progress);
  const cancel = useTrainingStore((s) => s.cancel);
  const show = useTrainingStore((s) => s.show);
  const recent = useTrainingStore((s) => s.recent.data);
  const nameOf = (runId: string | null) => (runId ? recent?.find((r) => r.id === runId)?.name : undefined);
  const [confirm, setConfirm] = useState<JobInfo | null>(null);
  const list = orderJobs(jobs.data?.jobs ?? []);
  const workers = jobs.data?.workers ?? 0;
  const busy = list.filter((j) => j.state === 'running').length;
  return (
    <div className="card queue-panel" data-testid="queue-panel">
      <div className="card-head">
        <h3>Queue</h3>
        <span className="muted small" data-testid="queue-summary">
          {workers ? `${busy} of ${workers} worker${workers === 1 ? '' : 's'} busy` : ''}
          {list.some((j) => j.state === 'queued') ? ` · ${list.filter((j) => j.state === 'queued').length} waiting` : ''}
        </span>
      </div>
      <ErrorBox error={jobs.error} />
      {list.length === 0 ? (
        <p className="muted small" data-testid="queue-empty">
          Nothing queued. Trainings, sweep trials and evaluations wait here for a free worker, highest priority first.
        </p>
      ) : (
        <table className="table compact queue-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>State</th>
              <th className="num">Worker</th>
              <th className="num">Priority</th>
              <th>Progress</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((j) => {
              const p = (j.runId && j.state === 'running' ? liveProgress[j.runId]?.progress : null) ?? j.progress;
              const frac = j.state === 'done' ? 1 : fractionDone(p);
              return (
                <ClickableRow key={j.id} onOpen={j.runId ? () => show({ kind: 'run', runId: j.runId! }) : undefined} data-testid="job-row" data-state={j.state}>
                  <td className="truncate job-label" title={j.label}>
                    <span className="muted small">{j.kind}</span> {nameOf(j.runId) ? <strong>{nameOf(j.runId)}</strong> : null} {j.label}
                  </td>
                  <td>
                    <JobState job={j} />
                  </td>
                  <td className="num">{j.worker === null ? '—' : j.worker + 1}</td>
                  <td className="num">{j.priority}</td>
                  <td className="job-progress">
                    {j.state === 'running' && p ? (
                      <>
                        <progress className="progress" max={1} value={frac ?? undefined} />
                        <span className="muted small nowrap">
                          {p.epochs ? `epoch ${Math.min(p.epoch, p.epochs)}/${p.epochs}` : p.phase} · {formatNumber(Math.round(p.samplesPerSec))}/s · ETA {formatEta(p.etaMs)}
                        </span>
                      </>
                    ) : j.state === 'failed' ? (
                      <span className="field-error small truncate" title={j.error?.message}>
                        {j.error?.message ?? 'failed'}
                      </span>
                    ) : (
                      <span className="muted small">{j.endedAt ? `ended ${formatTime(j.endedAt)}` : `queued ${formatTime(j.createdAt)}`}</span>
                    )}
                  </td>
                  <td className="actions-col" onClick={(e) => e.stopPropagation()}>
                    {(j.state === 'queued' || j.state === 'running') && j.kind !== 'evaluate' && (
                      <button type="button" className="button small danger-ghost" onClick={() => setConfirm(j)} data-testid="job-cancel">
                        Cancel
                      </button>
                    )}
                  </td>
                </ClickableRow>
              );
            })}
          </tbody>
        </table>
      )}
      {confirm && (
        <ConfirmDialog title="Cancel this job?" confirmLabel="Cancel job" testId="cancel-job-dialog" confirmTestId="confirm-cancel-job" onClose={() => setConfirm(null)} onConfirm={() => cancel({ jobId: confirm.id })}>
          <p>
            <strong>{confirm.label}</strong> {confirm.state === 'running' ? 'stops now' : 'leaves the queue'}; its run becomes killed and keeps the metrics logged so far.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

import type { RunStatus } from '../../../shared/tracking';

export function StatusChip({ status }: { status: RunStatus }) {
  return (
    <span className={`status status-${status}`} data-testid="status-chip">
      {status === 'running' && <span className="pulse" aria-hidden />}
      {status}
    </span>
  );
}

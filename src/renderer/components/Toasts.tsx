import { useToastStore, toastSelectors } from '../stores/toastStore';
import { useShallow } from 'zustand/react/shallow';
import { formatPercent } from '../format';

/** Errors (message, where, hint) and task progress, bottom right, announced to screen readers. */
export function Toasts() {
  const toasts = useToastStore((s) => s.toasts);
  const tasks = useToastStore(useShallow(toastSelectors.taskList));
  const dismiss = useToastStore((s) => s.dismiss);
  return (
    <div className="toasts" aria-live="polite">
      {tasks.map((t) => (
        <div key={t.task} className="toast toast-task" data-testid="task-toast">
          <div className="toast-title">
            <span>{t.label}</span>
            <span className="muted">{t.total > 0 ? formatPercent(t.done, t.total) : ''}</span>
          </div>
          <div className="muted small">{t.phase}</div>
          <progress className="progress" max={t.total > 0 ? t.total : undefined} value={t.total > 0 ? t.done : undefined} />
        </div>
      ))}
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid={`toast-${t.kind}`}>
          <div className="toast-title">
            <span className="toast-message">
              {t.message}
              {t.count > 1 && <span className="muted small toast-count"> ×{t.count}</span>}
            </span>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
          {t.where && (
            <div className="small">
              at <code>{t.where}</code>
            </div>
          )}
          {t.hint && <div className="small toast-hint">{t.hint}</div>}
        </div>
      ))}
    </div>
  );
}

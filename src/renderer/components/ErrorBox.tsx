import type { LatheErrorData } from '../../shared/errors';

/** An error in place (inside a dialog or a panel): message, where, hint — all as text. */
export function ErrorBox({ error, testId }: { error: LatheErrorData | null; testId?: string }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert" data-testid={testId ?? 'error-box'}>
      <div className="error-message">{error.message}</div>
      {error.where && (
        <div className="error-where">
          at <code>{error.where}</code>
        </div>
      )}
      {error.hint && <div className="error-hint">{error.hint}</div>}
    </div>
  );
}

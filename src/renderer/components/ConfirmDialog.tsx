import { useEffect, useRef, type ReactNode } from 'react';
import { Dialog } from './Dialog';
import { ErrorBox } from './ErrorBox';
import { useAction } from './useAction';

export interface ConfirmDialogProps {
  title: string;
  /** What happens, in the words of the thing it happens to. */
  children: ReactNode;
  /** The button that does it: "Delete version", "Cancel training". */
  confirmLabel: string;
  /** The button that leaves things as they are ("Keep it"); it has the focus, so Enter does no harm. */
  keepLabel?: string;
  /** Danger (red) for what cannot be undone; primary for a weighty but harmless step (an import). */
  tone?: 'danger' | 'primary';
  onClose(): void;
  /**
   * Does it. By default the dialog closes first and the action tells its own outcome (a store action that
   * toasts). With `inline`, the dialog stays open while it runs, shows a refusal in place, and closes when
   * it succeeds.
   */
  onConfirm(): unknown;
  inline?: boolean;
  testId?: string;
  confirmTestId?: string;
  errorTestId?: string;
  wide?: boolean;
}

/** "Are you sure?" for destructive or weighty actions, on the app's <Dialog>. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { onClose, onConfirm, inline } = props;
  const keep = useRef<HTMLButtonElement>(null);
  // After <Dialog> has opened (its effect runs first): showModal focuses the first button (Close), and
  // React's autoFocus does not reach it, so the harmless choice takes the focus here.
  useEffect(() => keep.current?.focus(), []);
  const { run, busy, error } = useAction(async () => {
    await onConfirm();
    onClose();
  });
  const confirm = () => {
    if (inline) {
      void run();
      return;
    }
    onClose();
    void onConfirm();
  };
  return (
    <Dialog
      title={props.title}
      onClose={onClose}
      testId={props.testId}
      wide={props.wide}
      footer={
        <>
          <button ref={keep} type="button" className="button" onClick={onClose}>
            {props.keepLabel ?? 'Keep it'}
          </button>
          <button type="button" className={`button ${props.tone ?? 'danger'}`} disabled={busy} onClick={confirm} data-testid={props.confirmTestId}>
            {props.confirmLabel}
          </button>
        </>
      }
    >
      {props.children}
      {inline && <ErrorBox error={error} testId={props.errorTestId} />}
    </Dialog>
  );
}

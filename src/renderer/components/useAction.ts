import { useCallback, useState } from 'react';
import { toLatheError, type LatheError } from '../../shared/errors';
import { useToastStore } from '../stores/toastStore';

export interface ActionOptions {
  /**
   * Names the action for its toasts. Without `toast`, a success still dismisses error toasts an
   * earlier attempt of `key` raised elsewhere (a store action, another dialog).
   */
  key?: string;
  /** Tell a failure by a toast (for a button with no panel to show it in) instead of keeping it for <ErrorBox>. */
  toast?: boolean;
}

/**
 * The busy / error bookkeeping every dialog action needs: `run()` clears the last error, marks the
 * action busy, and keeps any failure as a LatheError for <ErrorBox> (or, with `toast`, shows it as a
 * toast, so it appears once, in one place). A success dismisses the failure toasts of `key`. Returns the
 * action's result, or undefined when it failed.
 */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>, opts: ActionOptions = {}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheError | null>(null);
  const { key, toast } = opts;
  const run = useCallback(
    async (...args: A): Promise<T | undefined> => {
      setBusy(true);
      setError(null);
      try {
        const result = await action(...args);
        if (key) useToastStore.getState().dismissKey(key);
        return result;
      } catch (e) {
        if (toast) useToastStore.getState().error(e, key);
        else setError(toLatheError(e));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action, key, toast],
  );
  return { run, busy, error, setError };
}

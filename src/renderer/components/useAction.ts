import { useCallback, useState } from 'react';
import { toLatheError, type LatheError } from '../../shared/errors';

/**
 * The busy / error bookkeeping every dialog action needs: `run()` clears the last error, marks the
 * action busy, and keeps any failure as a LatheError for <ErrorBox>. Returns the action's result, or
 * undefined when it failed.
 */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheError | null>(null);
  const run = useCallback(
    async (...args: A): Promise<T | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await action(...args);
      } catch (e) {
        setError(toLatheError(e));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, setError };
}

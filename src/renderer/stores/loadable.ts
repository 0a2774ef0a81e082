import type { LatheError } from '../../shared/errors';

/** Something a store fetches: the data once it came, whether a fetch is under way, the last error. */
export interface Loadable<T> {
  data: T | null;
  loading: boolean;
  error: LatheError | null;
}

/** Nothing fetched yet. */
export const idle = <T>(): Loadable<T> => ({ data: null, loading: false, error: null });

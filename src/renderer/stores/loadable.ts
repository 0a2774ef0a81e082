import { toLatheError, type LatheError } from '../../shared/errors';

/** Something a store fetches: the data once it came, whether a fetch is under way, the last error. */
export interface Loadable<T> {
  data: T | null;
  loading: boolean;
  error: LatheError | null;
}

/** Nothing fetched yet. */
export const idle = <T>(): Loadable<T> => ({ data: null, loading: false, error: null });
/** A fetch under way, showing `data` (what was there before) meanwhile. */
export const pending = <T>(data: T | null = null): Loadable<T> => ({ data, loading: true, error: null });
/** Data that came. */
export const ready = <T>(data: T): Loadable<T> => ({ data, loading: false, error: null });

type DataOf<L> = L extends Loadable<infer T> ? T : never;
type EntryOf<R> = R extends Record<string, Loadable<infer T>> ? T : never;

/** Where a Loadable lives in a store's state: a field, or one entry of a record of them. */
export interface Slot<S, T> {
  /** Names the slot for the stale-request guard (a newer load of the same slot wins). */
  id: string;
  read(s: S): Loadable<T> | undefined;
  write(s: S, l: Loadable<T>): Partial<S>;
}

/** The field `key` of the state, itself a Loadable. */
export function field<S, K extends keyof S & string>(key: K): Slot<S, DataOf<S[K]>> {
  return {
    id: key,
    read: (s) => s[key] as Loadable<DataOf<S[K]>>,
    write: (_s, l) => ({ [key]: l }) as Partial<S>,
  };
}

/** The entry `id` of the field `key`, a record of Loadables (profiles by version id, histories by key...). */
export function entry<S, K extends keyof S & string>(key: K, id: string): Slot<S, EntryOf<S[K]>> {
  return {
    id: `${key}\u0000${id}`,
    read: (s) => (s[key] as Record<string, Loadable<EntryOf<S[K]>>>)[id],
    write: (s, l) => ({ [key]: { ...(s[key] as object), [id]: l } }) as Partial<S>,
  };
}

type SetState<S> = (fn: (s: S) => Partial<S>) => void;

export interface LoadOptions<S, T> {
  /** Is the answer still wanted (the model, run or ref it was asked for is still the open one)? */
  still?: (s: S) => boolean;
  /** Already there or on its way: do not ask again (immutable things: profiles, lineage, cards). */
  reuse?: boolean;
  /** Show nothing while loading (a different thing is coming), instead of what was there. */
  clear?: boolean;
  /** On failure, drop what was shown (it belonged to a request that now fails) instead of keeping it under the error. */
  dropOnError?: boolean;
  /** More state to set with the data, in the same update (a selection that depends on it). */
  also?: (data: T, s: S) => Partial<S>;
}

/** The newest request per store and slot: an older answer that arrives later is dropped. */
const latest = new WeakMap<object, Map<string, number>>();
let requestSeq = 0;

/**
 * Fetches into a store's Loadable: marks it loading, then stores the data or the error, unless a newer
 * load of the same slot started meanwhile or `still` says the answer is no longer wanted. Returns the
 * data, or undefined when it failed, was superseded or was not asked for. Never throws: the error is
 * in the slot, for the panel that shows it.
 */
export async function load<S, T>(set: SetState<S>, get: () => S, slot: Slot<S, T>, fetch: () => Promise<T>, opts: LoadOptions<S, T> = {}): Promise<T | undefined> {
  const have = slot.read(get());
  if (opts.reuse && have && (have.data !== null || have.loading)) return undefined;
  const mine = ++requestSeq;
  const bySlot = latest.get(set) ?? new Map<string, number>();
  latest.set(set, bySlot);
  bySlot.set(slot.id, mine);
  const current = () => bySlot.get(slot.id) === mine && (!opts.still || opts.still(get()));
  set((s) => slot.write(s, pending(opts.clear ? null : (slot.read(s)?.data ?? null))));
  try {
    const data = await fetch();
    if (!current()) return undefined;
    set((s) => ({ ...slot.write(s, ready(data)), ...opts.also?.(data, s) }));
    return data;
  } catch (e) {
    if (!current()) return undefined;
    const error = toLatheError(e);
    set((s) => slot.write(s, { data: opts.dropOnError ? null : (slot.read(s)?.data ?? null), loading: false, error }));
    return undefined;
  }
}

/**
 * An action whose busy flag and error sit in a store or a component (a form the user submits, a load
 * that fills several fields): clears the last error, marks busy, and keeps a failure for the <ErrorBox>.
 * `still` drops an answer no longer wanted (a newer load started, the model was closed): nothing is
 * written for it, the newer one owns the flag. The action's result, or undefined when it failed or was
 * dropped.
 */
export async function attempt<T>(
  write: (patch: { busy: boolean; error: LatheError | null }) => void,
  action: () => Promise<T>,
  opts: { still?: () => boolean } = {},
): Promise<T | undefined> {
  write({ busy: true, error: null });
  try {
    const result = await action();
    if (opts.still && !opts.still()) return undefined;
    write({ busy: false, error: null });
    return result;
  } catch (e) {
    if (opts.still && !opts.still()) return undefined;
    write({ busy: false, error: toLatheError(e) });
    return undefined;
  }
}

/**
 * A step that fills a form from the engine (a dataset's versions, a profile, a model's signature): its
 * failure goes to `onError` (the form's load error) instead of escaping. Never throws.
 */
export async function guarded(step: () => Promise<void>, onError: (error: LatheError) => void): Promise<void> {
  try {
    await step();
  } catch (e) {
    onError(toLatheError(e));
  }
}

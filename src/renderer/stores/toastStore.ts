import { create } from 'zustand';
import type { TaskProgress } from '../../shared/contract';
import { LatheError, toLatheError } from '../../shared/errors';

export interface Toast {
  id: number;
  kind: 'error' | 'success' | 'info';
  message: string;
  code?: string;
  where?: string;
  hint?: string;
  /** The action that raised it: a later success of that action dismisses it. */
  key?: string;
  /** How many times the same message came while it was shown (shown as ×N). */
  count: number;
}

export interface TaskToast extends TaskProgress {
  finished: boolean;
  /** Which event last touched it (a newer one cancels the older one's dismissal). */
  stamp: number;
}
let taskStamp = 0;
const STALE_TASK_MS = 15000;

interface ToastState {
  toasts: Toast[];
  tasks: Record<string, TaskToast>;
}

interface ToastActions {
  /** Shows a toast; one like it already shown (same kind, message and where) comes back to the end, counted, with its timer restarted. */
  push(t: Omit<Toast, 'id' | 'count'>): number;
  error(e: unknown, key?: string): number;
  dismiss(id: number): void;
  /** A later attempt of the action `key` went through: its failure toasts are old news. */
  dismissKey(key: string): void;
  progress(p: TaskProgress): void;
  dismissTask(task: string): void;
}

let nextId = 1;
const AUTO_DISMISS_MS = { error: 15000, success: 5000, info: 5000 } as const;
/** At most this many toasts at once; the oldest go first. */
export const MAX_TOASTS = 4;
const timers = new Map<number, ReturnType<typeof setTimeout>>();
const sameToast = (a: Omit<Toast, 'id' | 'count'>, b: Toast) => a.kind === b.kind && a.message === b.message && (a.where ?? '') === (b.where ?? '');

export const initialToastState: ToastState = { toasts: [], tasks: {} };

/** Is a progress event the last one of its task? */
export function isTaskFinished(p: TaskProgress): boolean {
  return ['done', 'failed', 'error', 'finished'].includes(p.phase) || (p.total > 0 && p.done >= p.total);
}

export const useToastStore = create<ToastState & ToastActions>()((set, get) => ({
  ...initialToastState,
  push(t) {
    const twin = get().toasts.find((x) => sameToast(t, x));
    const id = twin?.id ?? nextId++;
    const toast: Toast = { ...t, id, count: (twin?.count ?? 0) + 1 };
    set((s) => ({ toasts: [...s.toasts.filter((x) => x.id !== id), toast].slice(-MAX_TOASTS) }));
    if (typeof window !== 'undefined') {
      clearTimeout(timers.get(id));
      timers.set(id, setTimeout(() => get().dismiss(id), AUTO_DISMISS_MS[t.kind]));
    }
    return id;
  },
  error(e, key) {
    const err: LatheError = toLatheError(e);
    return get().push({ kind: 'error', message: err.message, code: err.code, where: err.where, hint: err.hint, ...(key ? { key } : {}) });
  },
  dismiss(id) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
  dismissKey(key) {
    for (const t of get().toasts) if (t.key === key && t.kind === 'error') get().dismiss(t.id);
  },
  progress(p) {
    const finished = isTaskFinished(p);
    const stamp = ++taskStamp;
    set((s) => ({ tasks: { ...s.tasks, [p.task]: { ...p, finished, stamp } } }));
    if (typeof window === 'undefined') return;
    // A finished task leaves after a moment; one that goes quiet (failed without a last event) later.
    window.setTimeout(() => {
      if (get().tasks[p.task]?.stamp === stamp) get().dismissTask(p.task);
    }, finished ? 1000 : STALE_TASK_MS);
  },
  dismissTask(task) {
    set((s) => {
      const { [task]: _gone, ...rest } = s.tasks;
      return { tasks: rest };
    });
  },
}));

export const toastSelectors = {
  taskList: (s: ToastState) => Object.values(s.tasks),
};

/**
 * Runs an action that has no form to show its failure in (a button in a list, a menu command): a failure
 * becomes one error toast under `key`; a success dismisses the toasts of earlier failed attempts of `key`
 * and, when `success` says so, tells what was done. The action's result, or undefined when it failed.
 */
export async function toasted<T>(key: string, action: () => Promise<T>, success?: (result: T) => string | null): Promise<T | undefined> {
  const toasts = useToastStore.getState();
  try {
    const result = await action();
    toasts.dismissKey(key);
    const message = success?.(result);
    if (message) toasts.push({ kind: 'success', message });
    return result;
  } catch (e) {
    toasts.error(e, key);
    return undefined;
  }
}

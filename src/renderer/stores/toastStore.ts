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
  push(t: Omit<Toast, 'id'>): number;
  error(e: unknown): number;
  dismiss(id: number): void;
  progress(p: TaskProgress): void;
  dismissTask(task: string): void;
}

let nextId = 1;
const AUTO_DISMISS_MS = { error: 15000, success: 5000, info: 5000 } as const;
const MAX_TOASTS = 5;

export const initialToastState: ToastState = { toasts: [], tasks: {} };

/** Is a progress event the last one of its task? */
export function isTaskFinished(p: TaskProgress): boolean {
  return ['done', 'failed', 'error', 'finished'].includes(p.phase) || (p.total > 0 && p.done >= p.total);
}

export const useToastStore = create<ToastState & ToastActions>()((set, get) => ({
  ...initialToastState,
  push(t) {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts, { ...t, id }].slice(-MAX_TOASTS) }));
    if (typeof window !== 'undefined') window.setTimeout(() => get().dismiss(id), AUTO_DISMISS_MS[t.kind]);
    return id;
  },
  error(e) {
    const err: LatheError = toLatheError(e);
    return get().push({ kind: 'error', message: err.message, code: err.code, where: err.where, hint: err.hint });
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
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

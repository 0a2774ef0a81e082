import type { EventMap, EventName, LatheEvent } from '../../shared/contract';

type Listener = (event: LatheEvent) => void;

/** Where a listener's failure goes: by default the process's stderr, with the event that caused it. */
export type ListenerErrorReport = (error: unknown, event: LatheEvent) => void;

const reportToStderr: ListenerErrorReport = (error, event) => {
  console.error(`lathe: a listener of '${event.type}' threw (event ${describe(event)}):`, error);
};

function describe(event: LatheEvent): string {
  try {
    const text = JSON.stringify(event.data);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return '(unprintable)';
  }
}

/** A typed fan-out of engine events to whichever doors are listening (IPC, SSE, CLI progress). */
export class EventBus {
  private listeners = new Set<Listener>();

  constructor(private readonly report: ListenerErrorReport = reportToStderr) {}

  emit<K extends EventName>(type: K, data: EventMap[K]): void {
    // The one place an event is built from its parts: TypeScript cannot see that a generic K picks one
    // member of the union, the signature above guarantees it.
    const event = { type, data } as LatheEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (error) {
        // A broken listener (a closed SSE socket) must not break the engine's work, nor vanish.
        this.report(error, event);
      }
    }
  }

  /** Every event. Narrow with `e.type === '...'`: `e.data` then has that event's type. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One kind of event, its data typed. */
  on<K extends EventName>(type: K, handler: (data: EventMap[K]) => void): () => void {
    return this.subscribe((e) => {
      if (e.type === type) handler(e.data as EventMap[K]);
    });
  }
}

import type { EventMap, EventName, LatheEvent } from '../../shared/contract';

type Listener = (event: LatheEvent) => void;

/** A typed fan-out of engine events to whichever doors are listening (IPC, SSE, CLI progress). */
export class EventBus {
  private listeners = new Set<Listener>();

  emit<K extends EventName>(type: K, data: EventMap[K]): void {
    const event = { type, data } as LatheEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener (a closed SSE socket) must not break the engine's work.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

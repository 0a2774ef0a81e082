import type { CallInput, CallName, CallOutput } from '../../shared/contract';
import type { LatheBridge } from '../../shared/bridge';
import { LatheError, type LatheErrorData } from '../../shared/errors';
import type { EventListener, Transport } from './transport';

function asLatheError(e: unknown): LatheError {
  if (e instanceof LatheError) return e;
  if (typeof e === 'object' && e !== null && typeof (e as LatheErrorData).code === 'string' && typeof (e as LatheErrorData).message === 'string') {
    return LatheError.fromData(e as LatheErrorData);
  }
  return new LatheError('INTERNAL', e instanceof Error ? e.message : String(e));
}

/** The desktop door: window.lathe from the Electron preload. */
export function createIpcTransport(bridge: LatheBridge): Transport {
  return {
    door: 'electron',
    async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
      try {
        return (await bridge.call(name, input ?? {})) as CallOutput<K>;
      } catch (e) {
        throw asLatheError(e);
      }
    },
    subscribe(listener: EventListener) {
      return bridge.onEvent(listener);
    },
    pick: (kind) => bridge.pick(kind),
    pathForFile: (file) => bridge.pathForFile(file),
  };
}

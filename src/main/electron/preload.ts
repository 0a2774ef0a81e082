/**
 * The preload of Lathe's window. Sandboxed: bundled by scripts/build-main.mjs into one CJS file whose
 * only require is 'electron'. Exposes `window.lathe` (the LatheBridge in src/shared/bridge.ts): the
 * contract and nothing else — no generic channel forwarding, no ipcRenderer, no Node.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { BRIDGE_CHANNELS, type LatheBridge, type PickKind } from '../../shared/bridge';
import type { LatheEvent } from '../../shared/contract';
import type { LatheErrorData } from '../../shared/errors';
import { unwrapEnvelope } from './envelope';

function invalid(message: string, where: string): LatheErrorData {
  return { code: 'INVALID_INPUT', message, where };
}

async function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  let envelope: unknown;
  try {
    envelope = await ipcRenderer.invoke(channel, ...args);
  } catch (e) {
    // Only structured-clonable input crosses IPC; functions, DOM nodes etc. fail here.
    throw invalid(`Could not send the call to Lathe: ${e instanceof Error ? e.message : String(e)}`, 'input');
  }
  return unwrapEnvelope(envelope);
}

const bridge: LatheBridge = {
  door: 'electron',

  call(name: string, input?: unknown): Promise<unknown> {
    if (typeof name !== 'string') return Promise.reject(invalid('The call name must be a string', 'name'));
    return invoke(BRIDGE_CHANNELS.call, name, input ?? {});
  },

  onEvent(listener: (event: LatheEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    // The IpcRendererEvent (with its `sender`) never reaches the page: only the event's data does.
    const forward = (_e: IpcRendererEvent, event: LatheEvent) => listener(event);
    ipcRenderer.on(BRIDGE_CHANNELS.event, forward);
    return () => {
      ipcRenderer.removeListener(BRIDGE_CHANNELS.event, forward);
    };
  },

  async pick(kind: PickKind): Promise<string | null> {
    return (await invoke(BRIDGE_CHANNELS.pick, { kind })) as string | null;
  },

  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('lathe', bridge);

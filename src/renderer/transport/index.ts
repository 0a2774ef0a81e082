import { latheBridge } from '../../shared/bridge';
import { createHttpTransport } from './httpTransport';
import { createIpcTransport } from './ipcTransport';
import type { Transport } from './transport';

export type { Transport, UploadItem, UploadProgress } from './transport';

let current: Transport | null = null;

/** The one transport of this page: IPC when the Electron preload is present, else HTTP. */
export function transport(): Transport {
  if (!current) {
    const bridge = latheBridge();
    current = bridge ? createIpcTransport(bridge) : createHttpTransport();
  }
  return current;
}

/** Tests swap in a fake. */
export function setTransport(t: Transport | null): void {
  current = t;
}

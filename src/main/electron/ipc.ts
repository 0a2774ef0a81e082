/**
 * The IPC side of the Electron door: ONE generic call handler driven by the contract, the native picker,
 * and engine events forwarded to the window. Every handler checks who is calling first
 * (our window, its main frame, the app's origin) and answers with a plain-data envelope.
 */
import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type OpenDialogOptions } from 'electron';
import { BRIDGE_CHANNELS } from '../../shared/bridge';
import type { DoorEngine as Engine } from '../engine/engine';
import { createCallHandler } from './callHandler';
import { errorEnvelope, toEnvelope } from './envelope';
import { APP_ORIGIN, isTrustedIpcSender, isTrustedSender, parsePickKind, untrustedSenderError, type IpcSenderFacts } from './ipcGuard';

export interface IpcOptions {
  engine: Promise<Engine>;
  /** Our one window (null while none is open). */
  getWindow: () => BrowserWindow | null;
  appOrigin?: string;
}

/** What we know about the sender of an IPC message, read defensively (a disposed frame throws). */
export function senderFacts(event: IpcMainInvokeEvent, win: BrowserWindow | null): IpcSenderFacts {
  try {
    const frame = event.senderFrame;
    const ours = win !== null && !win.isDestroyed() && event.sender === win.webContents;
    const main = ours ? win.webContents.mainFrame : null;
    return {
      senderUrl: frame ? frame.url : null,
      isMainFrame:
        frame !== null && main !== null && frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId,
      isOurWindow: ours,
    };
  } catch {
    return { senderUrl: null, isMainFrame: false, isOurWindow: false };
  }
}

/** Registers the handlers; returns a function that removes them and stops forwarding events. */
export function registerIpc(opts: IpcOptions): () => void {
  const appOrigin = opts.appOrigin ?? APP_ORIGIN;
  const handleCall = createCallHandler({
    engine: opts.engine,
    appOrigin,
    onRefused: (facts) => console.warn(`[lathe] refused IPC call from ${facts.senderUrl ?? '(unknown frame)'}`),
    onInternalError: (name, error) => console.error(`[lathe] ${name} failed:`, error),
  });

  ipcMain.handle(BRIDGE_CHANNELS.call, (event, name: unknown, input: unknown) => handleCall(senderFacts(event, opts.getWindow()), name, input));

  ipcMain.handle(BRIDGE_CHANNELS.pick, async (event, input: unknown) => {
    const win = opts.getWindow();
    const facts = senderFacts(event, win);
    if (!isTrustedIpcSender(facts, appOrigin)) return errorEnvelope(untrustedSenderError(facts.senderUrl));
    return toEnvelope(async () => {
      const kind = parsePickKind(input);
      const options: OpenDialogOptions = {
        title: kind === 'file' ? 'Choose a file' : 'Choose a folder',
        properties: kind === 'file' ? ['openFile'] : ['openDirectory'],
      };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    });
  });

  let unsubscribe: (() => void) | null = null;
  let disposed = false;
  opts.engine.then(
    (engine) => {
      if (disposed) return;
      unsubscribe = engine.events.subscribe((event) => {
        const win = opts.getWindow();
        if (!win || win.isDestroyed()) return;
        const contents = win.webContents;
        // Events go only to our own page, never to whatever a frame might have navigated to.
        if (!isTrustedSender(contents.getURL(), appOrigin)) return;
        contents.send(BRIDGE_CHANNELS.event, event);
      });
    },
    () => {
      /* engine failures are reported by main.ts */
    },
  );

  return () => {
    disposed = true;
    unsubscribe?.();
    ipcMain.removeHandler(BRIDGE_CHANNELS.call);
    ipcMain.removeHandler(BRIDGE_CHANNELS.pick);
  };
}

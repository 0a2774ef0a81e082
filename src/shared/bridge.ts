/**
 * The shape of `window.lathe`: what the Electron preload exposes to the renderer, and nothing more.
 * It is the contract's transport for the desktop door: one generic `call` driven by the contract table
 * (validated again in the main process), the event stream, and the two things only a desktop app can
 * do (a native file/folder picker, the path of a dropped file). No generic channel forwarding.
 *
 * Imports nothing from Node, Electron or React (types only from the contract).
 */
import type { LatheEvent } from './contract';
import type { LatheErrorData } from './errors';

/** IPC channel names. Only the preload and src/main/electron use them. */
export const BRIDGE_CHANNELS = {
  call: 'lathe:call',
  pick: 'lathe:pick',
  event: 'lathe:event',
} as const;

export type PickKind = 'file' | 'folder';

/**
 * What crosses IPC for every call: errors travel as plain data, never as Error objects (Electron's
 * IPC keeps only an Error's message).
 */
export type BridgeEnvelope<T = unknown> = { ok: true; value: T } | { ok: false; error: LatheErrorData };

export interface LatheBridge {
  /**
   * Runs one contract call (`name` from the contract table, `input` checked by its schema in the main
   * process). Resolves with the call's output; rejects with a plain `LatheErrorData` object
   * `{ code, message, where?, hint? }`.
   */
  call(name: string, input?: unknown): Promise<unknown>;
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: LatheEvent) => void): () => void;
  /** The native open dialog: an absolute path, or null when the user cancelled. */
  pick(kind: PickKind): Promise<string | null>;
  /** The absolute path of a File from a drop or an <input type=file> ('' when it has none). */
  pathForFile(file: File): string;
  readonly door: 'electron';
}

/** `window.lathe` when the page runs inside Lathe's Electron window, else undefined (browser door). */
export function latheBridge(): LatheBridge | undefined {
  const candidate = (globalThis as { lathe?: unknown }).lathe;
  if (typeof candidate === 'object' && candidate !== null && (candidate as { door?: unknown }).door === 'electron') {
    return candidate as LatheBridge;
  }
  return undefined;
}

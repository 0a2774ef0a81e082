import type { CallInput, CallName, CallOutput, LatheEvent } from '../../shared/contract';
import type { PickKind } from '../../shared/bridge';

export type EventListener = (event: LatheEvent) => void;

/** Progress of a browser upload, summed over every file of the batch. */
export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  files: number;
  filesDone: number;
}

/** A file to send, with its path relative to the upload batch (`a.csv`, `birds/robin/1.png`). */
export interface UploadItem {
  file: File;
  relativePath: string;
}

/**
 * How the renderer talks to the engine. Two doors implement it (IPC inside Electron, HTTP in a
 * browser); nothing outside src/renderer/transport knows which one is in use. Every failure is a
 * LatheError (code, message, where, hint).
 */
export interface Transport {
  readonly door: 'electron' | 'http';
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  subscribe(listener: EventListener): () => void;
  /**
   * Browser door only: streams files into a new upload batch on the engine's machine and returns the
   * path to hand to datasets.add (the file itself, or the top folder of a folder upload).
   */
  upload?(items: UploadItem[], onProgress?: (p: UploadProgress) => void): Promise<string>;
  /** Electron door only: the native open dialog. */
  pick?(kind: PickKind): Promise<string | null>;
  /** Electron door only: the absolute path of a dropped or chosen File ('' if unknown). */
  pathForFile?(file: File): string;
}

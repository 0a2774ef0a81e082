/**
 * The IPC envelope: every answer crossing from the main process to the renderer is plain data,
 * `{ ok: true, value }` or `{ ok: false, error: LatheErrorData }`. Electron's IPC serialises an Error
 * down to its message, so errors are never thrown across it.
 *
 * Pure: imported by the sandboxed preload (which may only require 'electron') and by the main process.
 */
import type { BridgeEnvelope } from '../../shared/bridge';
import { ERROR_CODES, toLatheError, type ErrorCode, type LatheErrorData } from '../../shared/errors';

/** Anything thrown, as a plain, structured-clone-safe LatheErrorData (no undefined fields). */
export function errorData(e: unknown): LatheErrorData {
  const err = toLatheError(e);
  const data: LatheErrorData = { code: err.code, message: err.message };
  if (typeof err.where === 'string') data.where = err.where;
  if (typeof err.hint === 'string') data.hint = err.hint;
  return data;
}

export function okEnvelope<T>(value: T): BridgeEnvelope<T> {
  return { ok: true, value };
}

export function errorEnvelope(e: unknown): BridgeEnvelope<never> {
  return { ok: false, error: errorData(e) };
}

/** Runs `work` and always resolves with an envelope: the value, or the error as data. */
export async function toEnvelope<T>(work: () => T | Promise<T>): Promise<BridgeEnvelope<T>> {
  try {
    return okEnvelope(await work());
  } catch (e) {
    return errorEnvelope(e);
  }
}

function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, x);
}

/**
 * The renderer side: the value of an ok envelope, else throws a plain `{ code, message, where?, hint? }`
 * object (what `window.lathe.call` rejects with). A malformed envelope is an INTERNAL error.
 */
export function unwrapEnvelope(envelope: unknown): unknown {
  if (typeof envelope === 'object' && envelope !== null) {
    const env = envelope as { ok?: unknown; value?: unknown; error?: unknown };
    if (env.ok === true) return env.value;
    if (env.ok === false && typeof env.error === 'object' && env.error !== null) {
      const raw = env.error as Record<string, unknown>;
      const error: LatheErrorData = {
        code: isErrorCode(raw.code) ? raw.code : 'INTERNAL',
        message: typeof raw.message === 'string' ? raw.message : 'Unknown error',
      };
      if (typeof raw.where === 'string') error.where = raw.where;
      if (typeof raw.hint === 'string') error.hint = raw.hint;
      throw error;
    }
  }
  const malformed: LatheErrorData = { code: 'INTERNAL', message: 'Malformed answer from the Lathe main process' };
  throw malformed;
}

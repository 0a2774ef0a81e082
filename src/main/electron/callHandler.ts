/**
 * The body of the one `lathe:call` IPC handler, free of Electron imports so it is tested against a real
 * engine: check the sender, then `dispatch` (the contract validates the input), and answer with an
 * envelope whatever happens.
 */
import type { BridgeEnvelope } from '../../shared/bridge';
import { dispatch } from '../engine/dispatch';
import type { EngineApi } from '../../shared/contract';
import { LatheError } from '../../shared/errors';
import { errorEnvelope, toEnvelope } from './envelope';
import { isTrustedIpcSender, untrustedSenderError, type IpcSenderFacts } from './ipcGuard';

export interface CallHandlerOptions {
  /** The engine, or the promise of it while the workspace opens (calls wait for it). */
  engine: EngineApi | Promise<EngineApi>;
  appOrigin?: string;
  /** Told about refused senders and INTERNAL failures (the main process logs them). */
  onRefused?: (facts: IpcSenderFacts) => void;
  onInternalError?: (name: string, error: unknown) => void;
}

export type CallHandler = (facts: IpcSenderFacts, name: unknown, input: unknown) => Promise<BridgeEnvelope>;

export function createCallHandler(opts: CallHandlerOptions): CallHandler {
  return async (facts, name, input) => {
    if (!isTrustedIpcSender(facts, opts.appOrigin)) {
      opts.onRefused?.(facts);
      return errorEnvelope(untrustedSenderError(facts.senderUrl));
    }
    if (typeof name !== 'string') {
      return errorEnvelope(new LatheError('INVALID_INPUT', 'The call name must be a string', { where: 'name' }));
    }
    const envelope = await toEnvelope(async () => dispatch(await opts.engine, name, input));
    if (!envelope.ok && envelope.error.code === 'INTERNAL') opts.onInternalError?.(name, envelope.error);
    return envelope;
  };
}

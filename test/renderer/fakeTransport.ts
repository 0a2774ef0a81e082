import type { CallInput, CallName, CallOutput, LatheEvent } from '../../src/shared/contract';
import { LatheError } from '../../src/shared/errors';
import type { Transport } from '../../src/renderer/transport/transport';

/**
 * A transport answering from canned handlers, for unit tests of store logic only (the e2e suite drives
 * the real HTTP door). Records every call so tests can assert what a store asked for.
 */
/** A canned answer per call, typed by the contract: the input a store sends, the output the engine would give. */
export type FakeHandlers = { [K in CallName]?: (input: CallInput<K>) => CallOutput<K> | Promise<CallOutput<K>> };

/** Canned data with only the fields the store under test reads; the others are left out on purpose. */
export type Sketch<T> = T extends (infer U)[] ? Sketch<U>[] : T extends object ? { [K in keyof T]?: Sketch<T[K]> } : T;
export function sketch<T>(value: Sketch<T>): T {
  return value as T;
}

export function fakeTransport(handlers: FakeHandlers): Transport & { calls: [CallName, unknown][] } {
  const calls: [CallName, unknown][] = [];
  return {
    door: 'http',
    calls,
    async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
      calls.push([name, input]);
      const h = handlers[name] as FakeHandlers[K];
      if (!h) throw new LatheError('NOT_FOUND', `no fake for ${name}`);
      return h(input);
    },
    subscribe(_l: (e: LatheEvent) => void) {
      return () => {};
    },
  };
}

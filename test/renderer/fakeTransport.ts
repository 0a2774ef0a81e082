import type { CallName, LatheEvent } from '../../src/shared/contract';
import { LatheError } from '../../src/shared/errors';
import type { Transport } from '../../src/renderer/transport/transport';

/**
 * A transport answering from canned handlers, for unit tests of store logic only (the e2e suite drives
 * the real HTTP door). Records every call so tests can assert what a store asked for.
 */
export function fakeTransport(handlers: Partial<Record<CallName, (input: unknown) => unknown>>): Transport & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  return {
    door: 'http',
    calls,
    async call(name, input) {
      calls.push([name, input]);
      const h = handlers[name];
      if (!h) throw new LatheError('NOT_FOUND', `no fake for ${name}`);
      return h(input) as never;
    },
    subscribe(_l: (e: LatheEvent) => void) {
      return () => {};
    },
  };
}

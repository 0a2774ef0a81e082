import { z } from 'zod';
import { contract, isCallName, type CallName, type CallOutput, type EngineApi } from '../../shared/contract';
import { LatheError } from '../../shared/errors';
import { diskError } from './diskErrors';
import { checkInputDepth } from './nesting';

/** Turns zod's issues into one specific LatheError naming the field and what was expected. */
export function inputError(name: string, error: z.ZodError): LatheError {
  const first = error.issues[0];
  const field = first && first.path.length > 0 ? first.path.join('.') : undefined;
  const all = error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  return new LatheError('INVALID_INPUT', `Invalid input for ${name}: ${all}`, { where: field });
}

/**
 * The single entry every door uses: look the call up in the contract, validate the raw input with its
 * schema, run the engine method. Doors never call engine methods directly.
 */
export async function dispatch(engine: EngineApi, name: string, rawInput: unknown): Promise<unknown> {
  if (!isCallName(name)) {
    throw new LatheError('NOT_FOUND', `Unknown call "${name}"`, { hint: 'GET /api/contract lists every call' });
  }
  const spec = contract[name];
  checkInputDepth(name, rawInput);
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) throw inputError(name, parsed.error);
  const method = engine[name] as (input: unknown) => Promise<unknown>;
  try {
    return await method.call(engine, parsed.data);
  } catch (e) {
    // A full disk says which disk and that nothing was lost, through every door.
    const home = (engine as { home?: unknown }).home;
    throw (typeof home === 'string' && diskError(e, home)) || e;
  }
}

/** Typed variant for in-process callers (tests, CLI). */
export function invoke<K extends CallName>(engine: EngineApi, name: K, input: z.input<(typeof contract)[K]['input']>): Promise<CallOutput<K>> {
  return dispatch(engine, name, input) as Promise<CallOutput<K>>;
}

import { LatheError } from '../../shared/errors';

/**
 * Deepest nesting of arrays and objects a call's input may have. No call needs more than a few
 * levels; values nested thousands deep overflow the stack wherever they are later walked
 * (JSON.stringify, zod, the UI), so they are refused as input at the door instead.
 */
export const MAX_INPUT_DEPTH = 64;

/** Whether `value` nests arrays/objects deeper than `limit`: iterative, two flat stacks, no allocation per node. */
function exceeds(value: unknown, limit: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop() as Record<string, unknown> | unknown[];
    const depth = (depths.pop() as number) + 1;
    if (depth > limit) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child = v[i];
        if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(depth);
        }
      }
    } else {
      for (const k of Object.keys(v)) {
        const child = v[k];
        if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(depth);
        }
      }
    }
  }
  return false;
}

/** The path to the first value nested deeper than `limit` (the error path only: keeps a path per node). */
function pathTooDeep(value: unknown, limit: number): (string | number)[] {
  const stack: { v: unknown; depth: number; path: (string | number)[] }[] = [{ v: value, depth: 1, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop() as (typeof stack)[number];
    if (depth > limit) return path;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v as Record<string, unknown>);
    for (const [k, child] of entries) {
      if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1, path: [...path, k] });
    }
  }
  return [];
}

/** The path (keys and indices) to the first value nested deeper than `limit`, or null. Iterative. */
export function tooDeep(value: unknown, limit: number): (string | number)[] | null {
  if (value === null || typeof value !== 'object' || !exceeds(value, limit)) return null;
  return pathTooDeep(value, limit);
}

/** A dotted field name for an error's `where`, shortened: the first levels name the field well enough. */
function fieldName(path: (string | number)[]): string {
  const shown = path.slice(0, 4).map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
  return path.length > 4 ? `${shown}…` : shown;
}

/** Refuses input nested deeper than MAX_INPUT_DEPTH, naming the field. */
export function checkInputDepth(call: string, input: unknown): void {
  if (input === null || typeof input !== 'object') return;
  const path = tooDeep(input, MAX_INPUT_DEPTH);
  if (path === null) return;
  const where = fieldName(path) || '(input)';
  throw new LatheError('INVALID_INPUT', `Invalid input for ${call}: ${where} nests arrays/objects more than ${MAX_INPUT_DEPTH} levels deep`, {
    where,
    hint: `Send at most ${MAX_INPUT_DEPTH} levels of nesting; put deeply structured data in a file (an artifact) instead.`,
  });
}

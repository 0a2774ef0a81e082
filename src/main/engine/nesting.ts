import { LatheError } from '../../shared/errors';

/**
 * Deepest nesting of arrays and objects a call's input may have. No call needs more than a few
 * levels; values nested thousands deep overflow the stack wherever they are later walked
 * (JSON.stringify, zod, the UI), so they are refused as input at the door instead.
 */
export const MAX_INPUT_DEPTH = 64;

interface Frame {
  v: unknown;
  depth: number;
  key: string | number;
  parent: Frame | null;
}

/** The path (keys and indices) to the first value nested deeper than `limit`, or null. Iterative. */
export function tooDeep(value: unknown, limit: number): (string | number)[] | null {
  const stack: Frame[] = [{ v: value, depth: 0, key: '', parent: null }];
  while (stack.length > 0) {
    const f = stack.pop() as Frame;
    const v = f.v as Record<string, unknown> | unknown[];
    if (f.depth + 1 > limit) {
      const path: (string | number)[] = [];
      for (let p: Frame | null = f; p && p.parent; p = p.parent) path.unshift(p.key);
      return path;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child = v[i];
        if (child !== null && typeof child === 'object') stack.push({ v: child, depth: f.depth + 1, key: i, parent: f });
      }
    } else {
      for (const k of Object.keys(v)) {
        const child = v[k];
        if (child !== null && typeof child === 'object') stack.push({ v: child, depth: f.depth + 1, key: k, parent: f });
      }
    }
  }
  return null;
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

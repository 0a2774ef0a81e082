import type { ModelSignature, SignatureColumn } from '../../../shared/training';

/** How the inputs a version takes differ from the ones of the version an alias is on now. */
export interface SignatureChange {
  added: SignatureColumn[];
  removed: SignatureColumn[];
  retyped: { name: string; from: string; to: string }[];
  /** Table inputs vs images, or another image size: callers of the alias must send other data. */
  other: string | null;
}

type Inputs = ModelSignature['inputs'];

/** A version's signature is stored as read from its artifact (`unknown`): only well-formed inputs are read. */
function inputsOf(sig: unknown): Inputs | null {
  const inputs = (sig as Partial<ModelSignature> | null)?.inputs;
  if (!inputs || typeof inputs !== 'object') return null;
  if (inputs.kind === 'table' && Array.isArray(inputs.columns)) return inputs;
  if (inputs.kind === 'image') return inputs;
  return null;
}

const describeImage = (i: Extract<Inputs, { kind: 'image' }>) => `${i.width}×${i.height}×${i.channels} images`;

/**
 * What a caller of the alias would meet after the move; null when the inputs are the same or either
 * signature is unknown (an imported or hand-registered version), where nothing can honestly be said.
 */
export function signatureChange(current: unknown, target: unknown): SignatureChange | null {
  const a = inputsOf(current);
  const b = inputsOf(target);
  if (!a || !b) return null;
  if (a.kind !== b.kind || a.kind === 'image' || b.kind === 'image') {
    const da = a.kind === 'image' ? describeImage(a) : 'table rows';
    const db = b.kind === 'image' ? describeImage(b) : 'table rows';
    return da === db ? null : { added: [], removed: [], retyped: [], other: `takes ${db} instead of ${da}` };
  }
  const before = new Map(a.columns.map((c) => [c.name, c.type]));
  const after = new Map(b.columns.map((c) => [c.name, c.type]));
  const added = b.columns.filter((c) => !before.has(c.name));
  const removed = a.columns.filter((c) => !after.has(c.name));
  const retyped = b.columns.filter((c) => before.has(c.name) && before.get(c.name) !== c.type).map((c) => ({ name: c.name, from: String(before.get(c.name)), to: c.type }));
  return added.length || removed.length || retyped.length ? { added, removed, retyped, other: null } : null;
}

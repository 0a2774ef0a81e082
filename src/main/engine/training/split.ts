import type { CellValue } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { SplitSpec } from '../../../shared/training';

/** Train/validation/test partitions as row positions, and what was done, for the run's record. */
export interface SplitResult {
  train: number[];
  validation: number[];
  test: number[];
}

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same split on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

const PART_NAMES: Record<string, keyof SplitResult> = { train: 'train', training: 'train', validation: 'validation', val: 'validation', valid: 'validation', test: 'test', testing: 'test' };

/**
 * Splits `rows` (positions into the table). Fraction splits shuffle with the seed; stratified ones do so
 * per class (`classOf`) so every part keeps the class shares. Column splits read each row's part from a
 * column. Every requested part must get rows, and the training part at least two.
 */
export function splitRows(spec: SplitSpec, rows: number[], opts: { classOf?: (row: number) => string; partOf?: (row: number) => CellValue }): SplitResult {
  const out: SplitResult = { train: [], validation: [], test: [] };
  if (spec.kind === 'column') {
    const partOf = opts.partOf as (row: number) => CellValue;
    for (const r of rows) {
      const v = partOf(r);
      const part = PART_NAMES[String(v ?? '').trim().toLowerCase()];
      if (!part) {
        throw new LatheError('INVALID_INPUT', `Split column "${spec.column}" has the value "${String(v)}"; each row must say train, validation (or val) or test`, {
          where: 'split.column',
        });
      }
      out[part].push(r);
    }
    if (out.train.length < 2) throw tooFew(`the split column "${spec.column}" marks ${out.train.length} row(s) as train; at least 2 are needed`);
    return out;
  }
  const random = seededRandom(spec.seed);
  const groups = new Map<string, number[]>();
  if (spec.stratify && opts.classOf) {
    for (const r of rows) {
      const c = opts.classOf(r);
      const g = groups.get(c);
      if (g) g.push(r);
      else groups.set(c, [r]);
    }
    const single = [...groups].filter(([, g]) => g.length < 2).map(([c]) => c);
    if (single.length > 0) {
      throw new LatheError('INVALID_INPUT', `Class ${single.slice(0, 5).map((c) => `"${c}"`).join(', ')} has only one example; a stratified split needs at least two of each class`, {
        where: 'split.stratify',
        hint: 'Remove or merge rare classes, or set split.stratify to false.',
      });
    }
  } else groups.set('', [...rows]);
  for (const key of [...groups.keys()].sort()) {
    const g = shuffleInPlace(groups.get(key)!, random);
    const nTest = Math.round(g.length * spec.test);
    const nVal = Math.round(g.length * spec.validation);
    out.test.push(...g.slice(0, nTest));
    out.validation.push(...g.slice(nTest, nTest + nVal));
    out.train.push(...g.slice(nTest + nVal));
  }
  const n = rows.length;
  if (out.train.length < 2 || (spec.validation > 0 && out.validation.length === 0) || (spec.test > 0 && out.test.length === 0)) {
    throw tooFew(`${n} row(s) cannot be split ${spec.train}/${spec.validation}/${spec.test} with every part non-empty (train ${out.train.length}, validation ${out.validation.length}, test ${out.test.length})`);
  }
  return out;
}

function tooFew(why: string): LatheError {
  return new LatheError('INVALID_INPUT', `Too few rows for the split: ${why}`, { where: 'split', hint: 'Use more data or change the split fractions.' });
}

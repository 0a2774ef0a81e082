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
    for (const r of rows) out[partOfValue(spec.column, partOf(r))].push(r);
    checkColumnSplitCounts(spec.column, out.train.length);
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
  } else groups.set('', [...rows]);
  splitSizes(spec, [...groups].map(([c, g]) => [c, g.length]));
  let dealt = 0;
  for (const key of [...groups.keys()].sort()) {
    const g = shuffleInPlace(groups.get(key)!, random);
    const nTest = Math.round(g.length * spec.test);
    out.test.push(...g.slice(0, nTest));
    if (spec.fold) {
      // The same test rows as the plain split; the rest dealt round-robin into folds, continuing across
      // classes so fold sizes differ by at most one and each class is spread evenly (stratified).
      const { folds, index } = spec.fold;
      for (const r of g.slice(nTest)) {
        const f = dealt++ % folds;
        (f === index ? out.validation : out.train).push(r);
      }
      continue;
    }
    const nVal = Math.round(g.length * spec.validation);
    out.validation.push(...g.slice(nTest, nTest + nVal));
    out.train.push(...g.slice(nTest + nVal));
  }
  return out;
}

/** The part a split column's value names; refuses a value that names none (missing included). */
export function partOfValue(column: string, v: CellValue | undefined): keyof SplitResult {
  const part = PART_NAMES[String(v ?? '').trim().toLowerCase()];
  if (!part) {
    throw new LatheError('INVALID_INPUT', `Split column "${column}" has the value "${String(v)}"; each row must say train, validation (or val) or test`, {
      where: 'split.column',
    });
  }
  return part;
}

export function checkColumnSplitCounts(column: string, train: number): void {
  if (train < 2) throw tooFew(`the split column "${column}" marks ${train} row(s) as train; at least 2 are needed`);
}

/**
 * The part sizes of a fraction split of groups (classes when stratified, else one group ''), with its
 * checks: every class at least two examples when stratified, every requested part non-empty, train at
 * least 2. Depends only on the group sizes, so the main thread can check it from a profile's counts.
 */
export function splitSizes(spec: Extract<SplitSpec, { kind: 'fraction' }>, groups: [string, number][]): { train: number; validation: number; test: number } {
  if (spec.stratify && !(groups.length === 1 && groups[0][0] === '')) {
    const single = groups.filter(([, n]) => n < 2).map(([c]) => c);
    if (single.length > 0) {
      throw new LatheError('INVALID_INPUT', `Class ${single.slice(0, 5).map((c) => `"${c}"`).join(', ')} has only one example; a stratified split needs at least two of each class`, {
        where: 'split.stratify',
        hint: 'Remove or merge rare classes, or set split.stratify to false.',
      });
    }
  }
  const out = { train: 0, validation: 0, test: 0 };
  let n = 0;
  for (const [, size] of groups) {
    const nTest = Math.round(size * spec.test);
    const nVal = Math.round(size * spec.validation);
    out.test += Math.min(size, nTest);
    out.validation += Math.max(0, Math.min(size - nTest, nVal));
    out.train += Math.max(0, size - nTest - nVal);
    n += size;
  }
  if (out.train < 2 || (spec.validation > 0 && out.validation === 0) || (spec.test > 0 && out.test === 0)) {
    throw tooFew(`${n} row(s) cannot be split ${spec.train}/${spec.validation}/${spec.test} with every part non-empty (train ${out.train}, validation ${out.validation}, test ${out.test})`);
  }
  return out;
}

function tooFew(why: string): LatheError {
  return new LatheError('INVALID_INPUT', `Too few rows for the split: ${why}`, { where: 'split', hint: 'Use more data or change the split fractions.' });
}

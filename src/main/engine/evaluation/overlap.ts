import { createHash } from 'node:crypto';
import type { CellValue } from '../../../shared/datasets';

/**
 * Rows of one dataset version found in another, by content: a row's key is a hash of the model's input
 * cells and its target, each written canonically (missing as one marker whatever its spelling: null or
 * ''; numbers by their shortest decimal form, so 5 and 5.0 agree; booleans as true/false), so the key
 * does not depend on column order, extra columns or the file format a version came from.
 */

const MISSING = '\u0000';

function canonical(v: CellValue | undefined): string {
  if (v === null || v === undefined || v === '') return MISSING;
  if (typeof v === 'number') return Number.isNaN(v) ? MISSING : String(v);
  return String(v);
}

export function rowKey(features: CellValue[], target: CellValue): string {
  const h = createHash('sha256');
  for (const c of features) h.update(canonical(c)).update('\u0001');
  h.update('\u0002').update(canonical(target));
  return h.digest('base64');
}

export interface Overlap {
  /** Training rows (with repeats) whose content occurs in the other version. */
  trainingRowsFound: number;
  trainingRowsTotal: number;
  /** Rows of the other version equal to some training row: rows the model was trained on. */
  matchingRows: boolean[];
}

export function findOverlap(trainingKeys: string[], otherKeys: string[]): Overlap {
  const other = new Set(otherKeys);
  const training = new Set(trainingKeys);
  let found = 0;
  for (const k of trainingKeys) if (other.has(k)) found++;
  return { trainingRowsFound: found, trainingRowsTotal: trainingKeys.length, matchingRows: otherKeys.map((k) => training.has(k)) };
}

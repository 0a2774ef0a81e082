import { createHash } from 'node:crypto';
import type { CellValue } from '../../../shared/datasets';

/**
 * Rows of one dataset version found in another, by content: a row's key is a hash of the model's input
 * cells and its target, each written canonically (missing as one marker whatever its spelling: null or
 * ''; numbers by their shortest decimal form, so 5 and 5.0 agree; booleans as true/false), so the key
 * does not depend on column order, extra columns or the file format a version came from. An image's
 * key is its file's content hash and its class, so a renamed or moved file is still found, and the
 * same picture filed under another class is not the row the model learnt.
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

/** An image file of an image-folder version: the object store's content hash and its class (meta, else its folder). */
export function fileKey(file: { path: string; blob_hash: string; meta_json: string | null }): string {
  const meta = JSON.parse(file.meta_json ?? '{}') as { class?: string };
  return `${file.blob_hash}\u0002${meta.class ?? file.path.split('/')[0]}`;
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

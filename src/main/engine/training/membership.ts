import { createHash } from 'node:crypto';
import { LatheError } from '../../../shared/errors';
import type { RunSplitRow } from '../db/splitsRepo';
import type { Task, TrainingSpec } from '../../../shared/training';
import type { TrainingData } from './data';
import type { SplitResult } from './split';

/**
 * Which rows of a dataset version a run trained, validated and tested on, kept compactly and verifiably.
 * Encoding `parts-2bit/1`: one 2-bit code per row of the version, in its row order (four rows a byte,
 * row i in bits 2*(i%4)..2*(i%4)+1 of byte i>>2): 0 = not used (e.g. no target), 1 = train,
 * 2 = validation, 3 = test. 10k rows take 2.5 kB. `sha256` is over the encoding name and the bytes,
 * so a stored membership can be checked and two runs' splits compared by hash alone.
 */

export const MEMBERSHIP_ENCODING = 'parts-2bit/1';
export type SplitPart = 'train' | 'validation' | 'test';
const CODE: Record<SplitPart, number> = { train: 1, validation: 2, test: 3 };
const PARTS: (SplitPart | null)[] = [null, 'train', 'validation', 'test'];

export interface SplitMembership {
  /** Rows in the version (used or not). */
  rows: number;
  encoding: typeof MEMBERSHIP_ENCODING;
  parts: Uint8Array;
  sha256: string;
  counts: Record<SplitPart, number>;
}

export function membershipHash(encoding: string, parts: Uint8Array): string {
  return createHash('sha256').update(encoding).update('\0').update(parts).digest('hex');
}

export function encodeMembership(rows: number, split: SplitResult): SplitMembership {
  const parts = new Uint8Array(Math.ceil(rows / 4));
  for (const part of ['train', 'validation', 'test'] as const) {
    for (const r of split[part]) {
      if (r < 0 || r >= rows) throw new LatheError('INTERNAL', `Split row ${r} is outside the version's ${rows} rows`);
      const shift = 2 * (r % 4);
      if ((parts[r >> 2] >> shift) & 3) throw new LatheError('INTERNAL', `Row ${r} is in two parts of the split`);
      parts[r >> 2] |= CODE[part] << shift;
    }
  }
  return {
    rows,
    encoding: MEMBERSHIP_ENCODING,
    parts,
    sha256: membershipHash(MEMBERSHIP_ENCODING, parts),
    counts: { train: split.train.length, validation: split.validation.length, test: split.test.length },
  };
}

/** The part of row `i` (null: not used). */
export function partOf(m: Pick<SplitMembership, 'parts'>, i: number): SplitPart | null {
  return PARTS[(m.parts[i >> 2] >> (2 * (i % 4))) & 3];
}

/** Row positions of the given parts, ascending. */
export function rowsOf(m: Pick<SplitMembership, 'parts' | 'rows'>, parts: SplitPart[]): number[] {
  const want = new Set(parts);
  const out: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    const p = partOf(m, i);
    if (p !== null && want.has(p)) out.push(i);
  }
  return out;
}

/** Refuses a stored membership whose bytes do not match its hash (edited, truncated). */
export function verifyMembership(m: { rows: number; encoding: string; parts: Uint8Array; sha256: string }): void {
  if (m.encoding !== MEMBERSHIP_ENCODING) throw new LatheError('INTERNAL', `Unknown split membership encoding "${m.encoding}"`);
  if (m.parts.length !== Math.ceil(m.rows / 4) || membershipHash(m.encoding, m.parts) !== m.sha256) {
    throw new LatheError('INTERNAL', 'The stored split membership does not match its hash', { hint: 'The workspace database was altered; re-train the run to record its split again.' });
  }
}

/** A run's stored membership, checked against its hash; null for runs trained before it was recorded (or not by Lathe). */
export function loadMembership(repo: { get(runId: string): RunSplitRow | undefined }, runId: string): (SplitMembership & { versionId: string }) | null {
  const row = repo.get(runId);
  if (!row) return null;
  const parts = new Uint8Array(row.parts.buffer, row.parts.byteOffset, row.parts.byteLength);
  const m = { rows: row.rows, encoding: row.encoding, parts, sha256: row.sha256 };
  verifyMembership(m);
  return { ...m, encoding: MEMBERSHIP_ENCODING, versionId: row.version_id, counts: { train: row.train_rows, validation: row.validation_rows, test: row.test_rows } };
}

/** The split's record (for a run of tables or images);  its membership covers every row of the version (the parts plus the rows dropped for a missing target). */
export function splitRecord(spec: TrainingSpec, split: SplitResult, task: Task, droppedMissingTarget: number): TrainingData['split'] {
  const total = split.train.length + split.validation.length + split.test.length + droppedMissingTarget;
  const counts = { train: split.train.length, validation: split.validation.length, test: split.test.length, droppedMissingTarget, membership: encodeMembership(total, split) };
  return spec.split.kind === 'column'
    ? { kind: 'column', column: spec.split.column, ...counts }
    : { kind: 'fraction', seed: spec.split.seed, stratified: spec.split.stratify && task === 'classification', ...counts };
}

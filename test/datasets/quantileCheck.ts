import { expect } from 'vitest';
import type { ColumnProfile, TableProfile } from '../../src/shared/datasets';
import { QUANTILE_PROBS, QUANTILE_RANK_ERROR } from '../../src/main/engine/datasets/quantiles';

/**
 * Quantiles are the one approximate part of a profile: these helpers compare everything else
 * exactly and the quantiles by rank, against the column's real values.
 */

/** The profile without its quantiles (what must be equal between the parallel and one-pass imports). */
export function exactPart(profile: TableProfile | { kind: string }): unknown {
  if (profile.kind !== 'table') return profile;
  const t = profile as TableProfile;
  return { ...t, columns: t.columns.map(({ quantiles: _q, ...rest }) => rest) };
}

/** The fraction of `sorted` below `v` and at or below it. */
function rankOf(sorted: Float64Array, v: number): [number, number] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  let upTo = lo;
  while (upTo < sorted.length && sorted[upTo] === v) upTo++;
  return [lo / sorted.length, upTo / sorted.length];
}

/** Every reported quantile pNN of `column` lies within the documented rank error of NN% of `values`. */
export function expectQuantilesWithin(column: ColumnProfile, values: number[], bound = QUANTILE_RANK_ERROR): void {
  expect(column.quantiles, `${column.name} has quantiles`).toBeDefined();
  const sorted = Float64Array.from(values).sort();
  for (const [name, q] of QUANTILE_PROBS) {
    const v = (column.quantiles as NonNullable<ColumnProfile['quantiles']>)[name];
    const [below, atOrBelow] = rankOf(sorted, v);
    // v's rank is any point of [below, atOrBelow]: the distance from q to that interval.
    const off = q < below ? below - q : q > atOrBelow ? q - atOrBelow : 0;
    expect(off, `${column.name} ${name} = ${v}: rank ${below}..${atOrBelow}, wanted ${q}`).toBeLessThanOrEqual(bound);
  }
}

/** The numbers of column `k` of a CSV text (empty and non-numeric cells skipped), parsed independently. */
export function numbersOfColumn(rows: string[][], k: number): number[] {
  return rows.map((r) => (r[k] ?? '').trim()).filter((c) => c !== '' && Number.isFinite(Number(c))).map(Number);
}

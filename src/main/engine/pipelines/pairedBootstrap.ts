/**
 * The gate's uncertainty: a paired bootstrap of the mean per-row difference (challenger minus
 * champion, scored on the very same rows). Resampling rows, not the two models separately, keeps the
 * pairing, so the interval is about the difference and is much tighter than two separate intervals.
 *
 * One bootstrap serves evaluation intervals, model comparisons and the gate: this is the gate's view of
 * `evaluation/bootstrap.ts` (the same seeded generator and percentile rule), so a gate decision and an
 * `evaluation.compare` of the same rows agree.
 */
import { bootstrapInterval, weightedMean } from '../evaluation/bootstrap';

export { seededRandom } from '../evaluation/bootstrap';

export interface IntervalResult {
  mean: number;
  lo: number;
  hi: number;
  confidence: number;
  resamples: number;
}

export type PairedInterval = (differences: Float64Array, opts: { resamples: number; confidence: number; seed: number }) => IntervalResult;

export const pairedBootstrap: PairedInterval = (d, { resamples, confidence, seed }) => {
  if (d.length === 0) return { mean: 0, lo: 0, hi: 0, confidence, resamples };
  const i = bootstrapInterval(d.length, weightedMean(d), { resamples, seed, level: confidence });
  return { mean: i.estimate ?? 0, lo: i.lo ?? 0, hi: i.hi ?? 0, confidence, resamples };
};

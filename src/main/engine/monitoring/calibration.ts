import type { IsotonicMap } from './profile';

/**
 * Isotonic calibration (pool adjacent violators) of a probability against 0/1 outcomes, as NannyML's
 * CBPE calibrates on the reference. The fitted map is piecewise constant over ascending scores,
 * kept as at most `maxPoints` steps so it stays small in the profile.
 */
export function fitIsotonic(scores: readonly number[], outcomes: readonly number[], maxPoints = 200): IsotonicMap {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const sums: number[] = [];
  const weights: number[] = [];
  for (const i of order) {
    sums.push(outcomes[i]);
    weights.push(1);
    while (sums.length > 1 && sums[sums.length - 2] / weights[weights.length - 2] >= sums[sums.length - 1] / weights[weights.length - 1]) {
      const s = sums.pop()!;
      const w = weights.pop()!;
      sums[sums.length - 1] += s;
      weights[weights.length - 1] += w;
    }
  }
  // Blocks are contiguous runs of the sorted scores: each step starts at its block's smallest score.
  const blocks: { x: number; y: number; w: number }[] = [];
  let k = 0;
  for (let b = 0; b < weights.length; b++) {
    blocks.push({ x: scores[order[k]], y: sums[b] / weights[b], w: weights[b] });
    k += weights[b];
  }
  return thin(blocks, maxPoints);
}

/** Merges neighbouring steps (weighted) until at most `max` remain. */
function thin(blocks: { x: number; y: number; w: number }[], max: number): IsotonicMap {
  let b = blocks;
  while (b.length > max) {
    const next: typeof b = [];
    for (let i = 0; i < b.length; i += 2) {
      const a = b[i];
      const c = b[i + 1];
      if (!c) next.push(a);
      else next.push({ x: a.x, y: (a.y * a.w + c.y * c.w) / (a.w + c.w), w: a.w + c.w });
    }
    b = next;
  }
  return { x: b.map((s) => s.x), y: b.map((s) => s.y) };
}

/** The calibrated value of a score: the step at or below it (the first step below the first x). */
export function applyIsotonic(m: IsotonicMap, score: number): number {
  const { x, y } = m;
  if (x.length === 0) return score;
  let lo = 0;
  let hi = x.length - 1;
  if (score < x[0]) return y[0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (x[mid] <= score) lo = mid;
    else hi = mid - 1;
  }
  return y[lo];
}

/** Calibrated class probabilities: each class's map, renormalised to sum 1 (uniform when all are 0). */
export function calibrate(maps: IsotonicMap[] | null, probs: readonly number[]): number[] {
  const k = probs.length;
  const c = new Array<number>(k);
  let s = 0;
  for (let i = 0; i < k; i++) {
    c[i] = maps?.[i] ? applyIsotonic(maps[i], probs[i]) : probs[i];
    s += c[i];
  }
  for (let i = 0; i < k; i++) c[i] = s > 0 ? c[i] / s : 1 / k;
  return c;
}

/** Expected calibration error of the top-class confidence over 10 equal-width bins. */
export function ece(conf: readonly number[], correct: readonly number[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, c: 0, p: 0 }));
  for (let i = 0; i < conf.length; i++) {
    const b = bins[Math.min(9, Math.floor(conf[i] * 10))];
    b.n++;
    b.c += correct[i];
    b.p += conf[i];
  }
  let e = 0;
  for (const b of bins) if (b.n) e += (b.n / conf.length) * Math.abs(b.c / b.n - b.p / b.n);
  return e;
}

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bootstrapInterval, pairedBootstrap, percentile, seededRandom, weightedMean } from '../../src/main/engine/evaluation/bootstrap';

/**
 * The bootstrap checked three ways: against a hand-written index-resampling bootstrap driven by the same
 * PRNG (must agree exactly: weights are only a representation), against numpy's own bootstrap with its own
 * generator (agree within Monte Carlo error), and on cases whose answer is known (identical models are
 * inside the noise, a clearly better one is not).
 */

function sample(n: number, seed: number, p: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => (r() < p ? 1 : 0));
}

/** Textbook bootstrap: draw n indices, take the mean of the drawn values, sort, interpolate. */
function referenceIndexBootstrap(values: number[], resamples: number, seed: number): { lo: number; hi: number } {
  const r = seededRandom(seed);
  const n = values.length;
  const means: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += values[Math.floor(r() * n)];
    means.push(s / n);
  }
  means.sort((x, y) => x - y);
  const at = (q: number) => {
    const h = (n === 0 ? 0 : means.length - 1) * q;
    const lo = Math.floor(h);
    return means[lo] + (h - lo) * (means[Math.min(means.length - 1, lo + 1)] - means[lo]);
  };
  return { lo: at(0.025), hi: at(0.975) };
}

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const haveNumpy = numpy.status === 0;
if (!haveNumpy) console.log(`skipping the numpy reference bootstrap: python3 with numpy is not available (${numpy.stderr || numpy.error?.message})`);

function numpyBootstrap(a: number[], b: number[] | null, resamples: number): { lo: number; hi: number } {
  const script = `
import json, sys, numpy as np
d = json.load(sys.stdin)
a = np.array(d['a'], dtype=float)
b = np.array(d['b'], dtype=float) if d['b'] is not None else None
rng = np.random.default_rng(12345)
idx = rng.integers(0, len(a), size=(d['resamples'], len(a)))
stat = a[idx].mean(axis=1) - (b[idx].mean(axis=1) if b is not None else 0)
print(json.dumps({'lo': float(np.percentile(stat, 2.5)), 'hi': float(np.percentile(stat, 97.5))}))
`;
  const res = spawnSync('python3', ['-c', script], { input: JSON.stringify({ a, b, resamples }), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as { lo: number; hi: number };
}

describe('bootstrap', () => {
  const values = sample(400, 7, 0.8);

  it('agrees exactly with an index-resampling bootstrap on the same generator', () => {
    const got = bootstrapInterval(values.length, weightedMean(values), { resamples: 500, seed: 42 });
    const ref = referenceIndexBootstrap(values, 500, 42);
    expect(got.estimate).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 12);
    expect(got.lo).toBeCloseTo(ref.lo, 12);
    expect(got.hi).toBeCloseTo(ref.hi, 12);
  });

  it('is seeded: the same seed repeats, another seed differs', () => {
    const a = bootstrapInterval(values.length, weightedMean(values), { seed: 3 });
    const b = bootstrapInterval(values.length, weightedMean(values), { seed: 3 });
    const c = bootstrapInterval(values.length, weightedMean(values), { seed: 4 });
    expect(a).toEqual(b);
    expect([c.lo, c.hi]).not.toEqual([a.lo, a.hi]);
  });

  it('matches numpy percentile semantics', () => {
    const sorted = [1, 2, 4, 8, 16];
    // np.percentile([1,2,4,8,16], [2.5, 50, 97.5]) = [1.1, 4, 15.2]
    expect(percentile(sorted, 0.025)).toBeCloseTo(1.1, 12);
    expect(percentile(sorted, 0.5)).toBe(4);
    expect(percentile(sorted, 0.975)).toBeCloseTo(15.2, 12);
  });

  it.skipIf(!haveNumpy)('agrees with numpy on a proportion within Monte Carlo error', () => {
    const got = bootstrapInterval(values.length, weightedMean(values), { resamples: 20_000, seed: 9 });
    const ref = numpyBootstrap(values, null, 20_000);
    expect(Math.abs((got.lo as number) - ref.lo)).toBeLessThan(0.006);
    expect(Math.abs((got.hi as number) - ref.hi)).toBeLessThan(0.006);
    // And the interval is the size theory says: about +-1.96 * sqrt(p(1-p)/n).
    const p = got.estimate as number;
    const half = 1.96 * Math.sqrt((p * (1 - p)) / values.length);
    expect(Math.abs((got.hi as number) - (got.lo as number) - 2 * half)).toBeLessThan(0.01);
  });

  it.skipIf(!haveNumpy)('paired: agrees with numpy on the difference of two correlated models', () => {
    // b is right where a is, except on a few rows: the paired interval is far narrower than unpaired.
    const a = values;
    const r = seededRandom(11);
    const b = a.map((v) => (r() < 0.06 ? 1 - v : v));
    const got = pairedBootstrap(a, b, 'mean', { resamples: 20_000, seed: 5 });
    const ref = numpyBootstrap(a, b, 20_000);
    expect(Math.abs((got.lo as number) - ref.lo)).toBeLessThan(0.005);
    expect(Math.abs((got.hi as number) - ref.hi)).toBeLessThan(0.005);
    expect(got.delta).toBeCloseTo(a.reduce((s, v) => s + v, 0) / 400 - b.reduce((s, v) => s + v, 0) / 400, 12);
  });

  it('paired: the same model is inside the noise, a clearly better one is not', () => {
    const same = pairedBootstrap(values, values, 'mean');
    expect(same).toMatchObject({ delta: 0, lo: 0, hi: 0, inNoise: true });
    const better = values.map(() => 1);
    const diff = pairedBootstrap(better, values, 'mean', { seed: 2 });
    expect(diff.inNoise).toBe(false);
    expect(diff.lo as number).toBeGreaterThan(0);
    expect(diff.shareAGreater).toBe(1);
    // A tiny difference on few rows is noise.
    const small = sample(30, 1, 0.7);
    const flipped = small.map((v, i) => (i === 0 ? 1 - v : v));
    expect(pairedBootstrap(small, flipped, 'mean').inNoise).toBe(true);
  });

  it('refuses mismatched rows and bad options', () => {
    expect(() => pairedBootstrap([1, 2], [1], 'mean')).toThrow(/same rows/);
    expect(() => bootstrapInterval(3, weightedMean([1, 2, 3]), { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapInterval(3, weightedMean([1, 2, 3]), { level: 1 })).toThrow(/level/);
  });

  it('leaves out resamples where the statistic is undefined, and says null when it never is', () => {
    const none = bootstrapInterval(5, () => null, { resamples: 50 });
    expect(none).toMatchObject({ estimate: null, lo: null, hi: null });
    const empty = bootstrapInterval(0, weightedMean([]), { resamples: 50 });
    expect(empty).toMatchObject({ estimate: null, lo: null, hi: null });
  });
});

import { describe, expect, it } from 'vitest';
import { percentile, seededRandom } from '../../src/main/engine/evaluation/bootstrap';
import { analyseThresholds, binaryBusiness, valueOptimalThreshold } from '../../src/main/engine/evaluation/business';
import { buildReport } from '../../src/main/engine/evaluation/report';
import type { BusinessBinary, EvaluationReport } from '../../src/shared/evaluation';

/**
 * The report's bootstrap intervals against a reference made the slow, obvious way: draw the same
 * resamples as explicit row indices, build a whole report on each resampled set with the ordinary
 * metric code (no weights anywhere), and take numpy-style percentiles. The weighted O(n) statistics
 * must agree to rounding for every headline metric, rank metrics and ECE included.
 */

function randomCases(n: number, k: number, seed: number) {
  const r = seededRandom(seed);
  const actual = new Int32Array(n);
  const probs = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    actual[i] = Math.floor(r() * k);
    let s = 0;
    for (let j = 0; j < k; j++) {
      // Rounded so that scores tie, which rank statistics must handle.
      const v = Math.round((r() + (j === actual[i] ? 0.7 : 0)) * 20) / 20 + 0.01;
      s += probs[i * k + j] = v;
    }
    for (let j = 0; j < k; j++) probs[i * k + j] /= s;
  }
  return { actual, probs };
}

function referenceIntervals(n: number, k: number, actual: Int32Array, probs: Float64Array, resamples: number, seed: number, cost?: { kind: 'binary'; tp: number; fp: number; fn: number; tn: number }) {
  const rand = seededRandom(seed);
  const draws: Record<string, number[]> = {};
  for (let b = 0; b < resamples; b++) {
    const idx = Array.from({ length: n }, () => Math.floor(rand() * n));
    const a = Int32Array.from(idx, (i) => actual[i]);
    const p = new Float64Array(n * k);
    idx.forEach((i, j) => p.set(probs.subarray(i * k, i * k + k), j * k));
    const r = buildReport({ task: 'classification', classes: Array.from({ length: k }, (_, c) => `c${c}`), actual: a, probs: p }, { cost });
    for (const [key, v] of Object.entries(r.headline)) if (v !== null && Number.isFinite(v)) (draws[key] ??= []).push(v);
  }
  const out: Record<string, { lo: number; hi: number }> = {};
  for (const [key, xs] of Object.entries(draws)) {
    const s = Float64Array.from(xs).sort();
    out[key] = { lo: percentile(s, 0.025), hi: percentile(s, 0.975) };
  }
  return out;
}

describe('report intervals', () => {
  for (const k of [2, 3]) {
    it(`match an index bootstrap over whole reports (${k} classes)`, () => {
      const n = 150;
      const { actual, probs } = randomCases(n, k, 10 + k);
      const cost = k === 2 ? { kind: 'binary' as const, tp: 50, fp: -10, fn: -80, tn: 0 } : undefined;
      const report = buildReport({ task: 'classification', classes: Array.from({ length: k }, (_, c) => `c${c}`), actual, probs }, { cost, bootstrap: { resamples: 200, seed: 7 } });
      const ref = referenceIntervals(n, k, actual, probs, 200, 7, cost);
      const got = report.intervals as NonNullable<EvaluationReport['intervals']>;
      const keys = Object.keys(report.headline);
      expect(keys.length).toBeGreaterThanOrEqual(k === 2 ? 10 : 9);
      for (const key of keys) {
        expect(got[key], key).toBeDefined();
        expect(got[key].lo, `${key} lo`).toBeCloseTo(ref[key].lo, 9);
        expect(got[key].hi, `${key} hi`).toBeCloseTo(ref[key].hi, 9);
        const v = report.headline[key] as number;
        // The interval surrounds the estimate here (not a law, but true of these data).
        expect((got[key].lo as number) <= v + 1e-12 && v - 1e-12 <= (got[key].hi as number), key).toBe(true);
      }
      expect(report.bootstrap).toEqual({ resamples: 200, seed: 7, level: 0.95 });
    });
  }

  it('regression intervals match an index bootstrap', () => {
    const n = 120;
    const r = seededRandom(3);
    const actual = Float64Array.from({ length: n }, () => r() * 10);
    const predicted = actual.map((y) => y + (r() - 0.5) * 3);
    const report = buildReport({ task: 'regression', actual, predicted }, { bootstrap: { resamples: 150, seed: 4 } });
    const rand = seededRandom(4);
    const draws: Record<string, number[]> = { mae: [], rmse: [], r2: [] };
    for (let b = 0; b < 150; b++) {
      const idx = Array.from({ length: n }, () => Math.floor(rand() * n));
      const h = buildReport({ task: 'regression', actual: Float64Array.from(idx, (i) => actual[i]), predicted: Float64Array.from(idx, (i) => predicted[i]) }).headline;
      for (const key of Object.keys(draws)) draws[key].push(h[key] as number);
    }
    for (const key of Object.keys(draws)) {
      const s = Float64Array.from(draws[key]).sort();
      expect(report.intervals?.[key].lo).toBeCloseTo(percentile(s, 0.025), 9);
      expect(report.intervals?.[key].hi).toBeCloseTo(percentile(s, 0.975), 9);
    }
  });

  it('no resamples, no intervals', () => {
    const { actual, probs } = randomCases(30, 2, 1);
    expect(buildReport({ task: 'classification', classes: ['a', 'b'], actual, probs }, { bootstrap: { resamples: 0 } }).intervals).toBeUndefined();
  });
});

describe('value-optimal threshold', () => {
  const cost = { kind: 'binary' as const, tp: 100, fp: -10, fn: -120, tn: 0 };

  it('on a perfectly separated set lands in the middle of the gap, with the gap as its interval', () => {
    const scores = [0.05, 0.1, 0.2, 0.8, 0.85, 0.95];
    const positive = [0, 0, 0, 1, 1, 1];
    const t = valueOptimalThreshold(analyseThresholds(scores, positive, cost));
    expect(t.lo).toBe(0.2);
    expect(t.hi).toBe(0.8);
    expect(t.threshold).toBeCloseTo(0.5, 12);
    const b = binaryBusiness(scores, positive, cost);
    expect(b.best.counts).toEqual({ tp: 3, fp: 0, fn: 0, tn: 3 });
    expect(b.best.interval).toEqual({ lo: 0.2, hi: 0.8 });
  });

  it('ties are not broken toward the highest threshold', () => {
    // Two separate plateaus of the best value: the wider one wins and its middle is taken.
    const scores = [0.1, 0.3, 0.6, 0.62, 0.9];
    const positive = [0, 1, 0, 1, 1];
    const cost2 = { kind: 'binary' as const, tp: 1, fp: -1, fn: -1, tn: 1 };
    const a = analyseThresholds(scores, positive, cost2);
    const t = valueOptimalThreshold(a);
    const best = Math.max(...a.values);
    const tpAt = (th: number) => scores.reduce((s, v, i) => s + (v >= th ? (positive[i] ? 1 : -1) : positive[i] ? -1 : 1), 0);
    expect(tpAt(t.threshold)).toBe(best);
    expect(t.hi - t.lo).toBeGreaterThanOrEqual(0.2 - 1e-12);
  });

  it('is chosen on the validation rows and reported on the evaluated rows', () => {
    const valScores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
    const valPositive = [0, 0, 0, 1, 1, 1];
    const scores = [0.1, 0.45, 0.55, 0.9];
    const positive = [0, 1, 0, 1];
    const b: BusinessBinary = binaryBusiness(scores, positive, cost, 0.5, { scores: valScores, positive: valPositive });
    expect(b.best.chosenOn).toBe('validation');
    expect(b.best.chosenRows).toBe(6);
    expect(b.best.threshold).toBeCloseTo(0.5, 12);
    // At 0.5 on the evaluated rows: tp 2 (0.55 is a negative -> fp), fn 1 (0.45)... value reported there.
    expect(b.best.counts).toEqual({ tp: 1, fp: 1, fn: 1, tn: 1 });
    expect(b.best.valuePerCase).toBeCloseTo((100 - 10 - 120 + 0) / 4, 12);
  });
});

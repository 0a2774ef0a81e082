import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/shared/monitoring';
import { defaultRules, step } from '../../src/main/engine/monitoring/alerts';
import { driftOf, seriesValue, windowPoint, type AnalysisContext } from '../../src/main/engine/monitoring/analysis';
import type { ReferenceProfile } from '../../src/main/engine/monitoring/profile';
import { addRecord } from '../../src/main/engine/monitoring/service';
import { WindowSketch } from '../../src/main/engine/monitoring/windowSketch';
import { estimatedMetrics, realizedMetrics } from '../../src/main/engine/monitoring/performance';
import { FEATURES, label, record, rng, row, syntheticProfile, type Shift } from './synthetic';

const HOUR = 3_600_000;
let profile: ReferenceProfile;

beforeAll(async () => {
  profile = await syntheticProfile(20_000);
});

function ctx(thresholds: 'default' | 'calibrated' = 'default'): AnalysisContext {
  return { profile: () => profile, thresholds, valueMatrix: null, kpis: [] };
}

/** Hourly windows of `perHour` rows; from hour `shiftFrom` on, `shift` applies. */
function stream(hours: number, perHour: number, seed: number, shift: Shift = {}, shiftFrom = Infinity): WindowSketch[] {
  const r = rng(seed);
  let i = 0;
  return Array.from({ length: hours }, (_, h) => {
    const w = new WindowSketch(profile);
    for (let k = 0; k < perHour; k++) {
      const rec = record(row(r, h >= shiftFrom ? shift : {}), i++, h * HOUR + k);
      addRecord(w, profile, rec, [rec.output.probabilities!['0'], rec.output.probabilities!['1']]);
    }
    return w;
  });
}

/** Runs the default rules over the windows in order; counts transitions into firing. */
function firings(ws: WindowSketch[], thresholds: 'default' | 'calibrated'): { firing: number; byRule: Record<string, number> } {
  const rules = defaultRules(profile.heldOut.accuracy ?? null, !!profile.multivariate);
  const states = rules.map(() => ({ state: 'inactive' as AlertState, streak: 0, since: null as number | null }));
  const byRule: Record<string, number> = {};
  let firing = 0;
  ws.forEach((w, h) => {
    const d = windowPoint(h * HOUR, HOUR, new Map([[1, { sketch: w, aliases: new Set(['champion']) }]]), ctx(thresholds));
    rules.forEach((rule, k) => {
      const { next, transitions } = step(states[k], rule, seriesValue(d, rule.series), h * HOUR);
      states[k] = next;
      for (const t of transitions) if (t.to === 'firing') {
        firing++;
        byRule[rule.series] = (byRule[rule.series] ?? 0) + 1;
      }
    });
  });
  return { firing, byRule };
}

describe('reference profile of the synthetic world', () => {
  it('has every feature with calibrated chunk statistics, a calibration that lowers the error, and stays small', () => {
    expect(profile.features.map((f) => f.name)).toEqual(FEATURES);
    expect(profile.trainRows).toBeGreaterThan(13_500);
    expect(profile.source).toBe('seeded-split');
    for (const f of profile.features) expect(Object.keys(f.calibrated).length).toBeGreaterThanOrEqual(3);
    expect(profile.calibrationError!.eceAfter).toBeLessThan(profile.calibrationError!.eceBefore);
    for (const f of profile.features) expect(JSON.stringify(f).length).toBeLessThan(16 * 1024);
  });
});

describe('drift on synthetic streams', () => {
  it('a week of stationary hourly windows raises at most one alert under the default rules (500 rows/h, KS and chi-squared)', () => {
    const r = firings(stream(168, 500, 7), 'default');
    expect(r.firing, JSON.stringify(r.byRule)).toBeLessThanOrEqual(1);
  });

  it('stays quiet with 3000 rows an hour too (Wasserstein and Jensen-Shannon), default and calibrated thresholds', () => {
    const ws = stream(168, 3000, 8);
    expect(firings(ws, 'default').firing).toBeLessThanOrEqual(1);
    expect(firings(ws, 'calibrated').firing).toBeLessThanOrEqual(1);
  });

  it('flags exactly the features that drift, over the merged range after the shift, and the dataset verdict follows the share', () => {
    const shift: Shift = { mean: { x3: 0.6, x7: -0.5 }, cats: { c1: [0.2, 0.3, 0.5] } };
    const ws = stream(48, 500, 9, shift, 24);
    const after = ws.slice(24).reduce((a, w) => a.merge(w), new WindowSketch(profile));
    const d = driftOf(after, 'default');
    expect(d.features.filter((f) => f.drift).map((f) => f.feature).sort()).toEqual(['c1', 'x3', 'x7']);
    for (const f of d.features) {
      expect(f.test!.method).toBe(f.kind === 'numeric' ? 'wasserstein' : 'jensen-shannon');
      expect(f.test!.threshold).toBe(0.1);
    }
    const before = ws.slice(0, 24).reduce((a, w) => a.merge(w), new WindowSketch(profile));
    expect(driftOf(before, 'default').features.filter((f) => f.drift)).toEqual([]);
    // Calibrated thresholds flag the same features.
    expect(driftOf(after, 'calibrated').features.filter((f) => f.drift).map((f) => f.feature).sort()).toEqual(['c1', 'x3', 'x7']);
    // Per window (500 rows: KS/chi2 at p 0.05) the shifted features are flagged in nearly every window.
    const flagged = ws.slice(24).map((w, h) => windowPoint((24 + h) * HOUR, HOUR, new Map([[1, { sketch: w, aliases: new Set<string>() }]]), ctx()).point.driftingFeatures);
    for (const f of ['x3', 'x7', 'c1']) expect(flagged.filter((x) => x.includes(f)).length).toBeGreaterThanOrEqual(22);
  });

  it('a shift in most features fires the dataset-drift rule within two windows of it', () => {
    const shift: Shift = { mean: Object.fromEntries(FEATURES.filter((f) => f.startsWith('x')).map((f) => [f, 0.5])) };
    const r = firings(stream(30, 500, 10, shift, 20), 'default');
    expect(r.byRule['drift.share']).toBe(1);
  });
});

describe('performance estimation under covariate shift', () => {
  it('CBPE accuracy is within 0.03 of the realized accuracy when x0 and x1 shift', () => {
    const r = rng(21);
    for (const shift of [{}, { mean: { x0: 1, x1: -0.5 } }, { mean: { x0: -0.8 } }, { cats: { c0: [0.1, 0.2, 0.7] } }] as Shift[]) {
      const w = new WindowSketch(profile);
      const confusion = [
        [0, 0],
        [0, 0],
      ];
      for (let i = 0; i < 5000; i++) {
        const o = row(r, shift);
        const rec = record(o, i, 0);
        addRecord(w, profile, rec, [rec.output.probabilities!['0'], rec.output.probabilities!['1']]);
        const y = Number(label(r, o));
        confusion[y][Number(rec.output.prediction)]++;
      }
      const est = estimatedMetrics(w.cbpe, profile.labels)!;
      const real = realizedMetrics({ n: 5000, confusion }, profile.labels)!;
      expect(Math.abs(est.accuracy.value - real.accuracy), JSON.stringify({ shift, est: est.accuracy, real: real.accuracy })).toBeLessThan(0.03);
      expect(est.accuracy.lo).toBeLessThan(est.accuracy.value);
      expect(Math.abs(est.f1.value - real.f1)).toBeLessThan(0.04);
    }
  });
});

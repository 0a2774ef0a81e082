import { describe, expect, it } from 'vitest';
import { analyseThresholds, binaryBusiness, matrixBusiness } from '../../src/main/engine/evaluation/business';
import {
  argmaxRows,
  calibration,
  classificationCurves,
  classificationMetrics,
  confusionMatrix,
  logLoss,
} from '../../src/main/engine/evaluation/classification';
import { rocAuc, averagePrecision, thresholdSweep } from '../../src/main/engine/evaluation/curves';
import { regressionMetrics, residualSample } from '../../src/main/engine/evaluation/regression';
import { buildReport, sliceGroups } from '../../src/main/engine/evaluation/report';
import { MAX_CURVE_POINTS, type BusinessBinary, type ClassificationReport } from '../../src/shared/evaluation';

/** Hand-computed values (worked out in the comments) for every metric. */

// Binary: scores sorted 0.9(+) 0.8(+) 0.7(-) 0.3(-) 0.2(+) 0.1(-); P = N = 3.
const binActual = Int32Array.from([1, 1, 0, 0, 1, 0]);
const binScores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
const binProbs = Float64Array.from(binScores.flatMap((p) => [1 - p, p]));

describe('binary classification', () => {
  it('ROC AUC = 7/9 (pairs: 3 + 3 + 1 of 9) and AP = 1/3 + 1/3 + 1/3 * 3/5 = 13/15', () => {
    const pos = binActual;
    expect(rocAuc(binScores, pos)).toBeCloseTo(7 / 9, 12);
    expect(averagePrecision(binScores, pos)).toBeCloseTo(13 / 15, 12);
    const s = thresholdSweep(binScores, pos);
    expect(Array.from(s.tp)).toEqual([0, 1, 2, 2, 2, 3, 3]);
    expect(Array.from(s.fp)).toEqual([0, 0, 0, 1, 2, 2, 3]);
    expect(s.thresholds[0]).toBeGreaterThan(0.9);
    expect(Array.from(s.thresholds.slice(1))).toEqual(binScores);
  });

  it('ties share one threshold (AUC counts a tied pair as half)', () => {
    // + at 0.5, - at 0.5, + at 0.9, - at 0.1: pairs 0.9>0.5, 0.9>0.1, 0.5=0.5 (1/2), 0.5>0.1 -> 3.5/4
    expect(rocAuc([0.5, 0.5, 0.9, 0.1], [1, 0, 1, 0])).toBeCloseTo(3.5 / 4, 12);
    expect(rocAuc([0.5, 0.5], [1, 1])).toBeNull();
    expect(averagePrecision([0.5, 0.5], [0, 0])).toBeNull();
  });

  it('confusion, accuracy, precision/recall/F1 per class, macro and weighted at threshold 0.5', () => {
    const report = buildReport({ task: 'classification', classes: ['stay', 'churn'], actual: binActual, probs: binProbs }) as ClassificationReport & { headline: Record<string, number | null> };
    // predicted positive: 0.9, 0.8, 0.7 -> tp 2, fp 1, fn 1, tn 2
    expect(report.confusion).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(report.accuracy).toBeCloseTo(4 / 6, 12);
    for (const c of report.perClass) {
      expect(c.precision).toBeCloseTo(2 / 3, 12);
      expect(c.recall).toBeCloseTo(2 / 3, 12);
      expect(c.f1).toBeCloseTo(2 / 3, 12);
      expect(c.support).toBe(3);
    }
    expect(report.macro.f1).toBeCloseTo(2 / 3, 12);
    expect(report.weighted.precision).toBeCloseTo(2 / 3, 12);
    expect(report.positiveClass).toBe('churn');
    expect(report.auc).toBeCloseTo(7 / 9, 12);
    expect(report.roc).toHaveLength(1);
    expect(report.roc[0].fpr).toEqual([0, 0, 0, 1 / 3, 2 / 3, 2 / 3, 1]);
    expect(report.roc[0].tpr).toEqual([0, 1 / 3, 2 / 3, 2 / 3, 2 / 3, 1, 1]);
    expect(report.pr[0].averagePrecision).toBeCloseTo(13 / 15, 12);
    const trueP = [0.9, 0.8, 0.3, 0.7, 0.2, 0.9];
    expect(report.logLoss).toBeCloseTo(-trueP.reduce((s, p) => s + Math.log(p), 0) / 6, 12);
    expect(report.headline.accuracy).toBeCloseTo(4 / 6, 12);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('the positive class can be the first one', () => {
    const r = buildReport({ task: 'classification', classes: ['churn', 'stay'], actual: Int32Array.from(binActual, (a) => 1 - a), probs: Float64Array.from(binScores.flatMap((p) => [p, 1 - p])), positiveClass: 0 }) as ClassificationReport;
    expect(r.positiveClass).toBe('churn');
    expect(r.auc).toBeCloseTo(7 / 9, 12);
    expect(r.confusion).toEqual([
      [2, 1],
      [1, 2],
    ]);
  });

  it('log loss clips certain mistakes at 1e-15', () => {
    expect(logLoss(Int32Array.from([0]), Float64Array.from([0, 1]), 2)).toBeCloseTo(-Math.log(1e-15), 9);
    expect(logLoss(Int32Array.from([1]), Float64Array.from([0, 1]), 2)).toBeCloseTo(-Math.log(1 - 1e-15), 20);
  });

  it('calibration: reliability bins and ECE', () => {
    // bins: [0,.1): .05(y0) | [.1,.2): .15(y0) .12(y1) | [.5,.6): .55(y0) | [.9,1]: .95(y1) .91(y1)
    // ECE = (1*.05 + 2*|.5-.135| + 1*.55 + 2*|1-.93|)/6 = 1.47/6
    const p = [0.05, 0.15, 0.12, 0.95, 0.91, 0.55];
    const y = [0, 0, 1, 1, 1, 0];
    const cases = { k: 2, actual: Int32Array.from(y), probs: Float64Array.from(p.flatMap((q) => [1 - q, q])), predicted: Int32Array.from(p, (q) => (q >= 0.5 ? 1 : 0)) };
    const c = calibration(cases, 1);
    expect(c.kind).toBe('positive');
    expect(c.bins.map((b) => b.count)).toEqual([1, 2, 1, 2]);
    expect(c.bins[1].meanPredicted).toBeCloseTo(0.135, 12);
    expect(c.bins[1].observed).toBe(0.5);
    expect(c.ece).toBeCloseTo(1.47 / 6, 12);
  });

  it('business value: best threshold, accuracy-optimal threshold and the default, per case and per 1000', () => {
    // Values: saved churner +100, needless offer -10, missed churner -120, left alone 0.
    // Cuts (top k positive): k=0 -360, 1 -140, 2 80, 3 70, 4 60, 5 280, 6 270 -> best k=5 (threshold 0.2)
    // Correct decisions: 3 4 5 4 3 4 3 -> accuracy-optimal k=2 (threshold 0.8)
    const cost = { kind: 'binary' as const, tp: 100, fp: -10, fn: -120, tn: 0 };
    const a = analyseThresholds(binScores, binActual, cost);
    expect(Array.from(a.values)).toEqual([-360, -140, 80, 70, 60, 280, 270]);
    expect(Array.from(a.correct)).toEqual([3, 4, 5, 4, 3, 4, 3]);
    const b = binaryBusiness(binScores, binActual, cost);
    // Every threshold in (0.1, 0.2] makes the same calls: the middle of that interval is taken.
    expect(b.best.threshold).toBeCloseTo(0.15, 12);
    expect(b.best.interval).toEqual({ lo: 0.1, hi: 0.2 });
    expect(b.best.chosenOn).toBe('evaluated');
    expect(b.best.valuePerCase).toBeCloseTo(280 / 6, 12);
    expect(b.best.valuePer1000).toBeCloseTo(280_000 / 6, 9);
    expect(b.best.counts).toEqual({ tp: 3, fp: 2, fn: 0, tn: 1 });
    expect(b.accuracyOptimal.threshold).toBe(0.8);
    expect(b.accuracyOptimal.accuracy).toBeCloseTo(5 / 6, 12);
    expect(b.accuracyOptimal.valuePerCase).toBeCloseTo(80 / 6, 12);
    expect(b.atDefault.valuePerCase).toBeCloseTo(70 / 6, 12);
    expect(b.atDefault.accuracy).toBeCloseTo(4 / 6, 12);
    expect(b.curve).toHaveLength(7);
    const r = buildReport({ task: 'classification', classes: ['stay', 'churn'], actual: binActual, probs: binProbs }, { cost });
    expect((r.business as BusinessBinary).best.threshold).toBeCloseTo(0.15, 12);
    expect(r.headline.value_per_1000).toBeCloseTo(70_000 / 6, 9);
  });
});

// Multiclass: rows' argmax 0,1,1,2,2,0,2 against actual 0,0,1,1,2,2,2.
const mcActual = Int32Array.from([0, 0, 1, 1, 2, 2, 2]);
const mcProbs = Float64Array.from([0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.4, 0.3, 0.3, 0.2, 0.2, 0.6]);

describe('multiclass classification', () => {
  it('confusion, per-class metrics, macro/weighted F1', () => {
    const predicted = argmaxRows(mcProbs, 3);
    expect(Array.from(predicted)).toEqual([0, 1, 1, 2, 2, 0, 2]);
    expect(confusionMatrix(mcActual, predicted, 3)).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
    const m = classificationMetrics({ k: 3, actual: mcActual, probs: mcProbs, predicted }, ['a', 'b', 'c'], null);
    expect(m.accuracy).toBeCloseTo(4 / 7, 12);
    expect(m.perClass.map((c) => c.f1)).toEqual([0.5, 0.5, 2 / 3].map((x) => expect.closeTo(x, 12)));
    expect(m.macro.f1).toBeCloseTo(5 / 9, 12);
    expect(m.weighted.f1).toBeCloseTo(4 / 7, 12);
  });

  it('the macro mean skips a class that occurs neither as actual nor as predicted (as sklearn does)', () => {
    // 3 classes, only a and b present: a -> a, a -> b, b -> b, b -> b
    const m = classificationMetrics(
      { k: 3, actual: Int32Array.from([0, 0, 1, 1]), probs: new Float64Array(12).fill(1 / 3), predicted: Int32Array.from([0, 1, 1, 1]) },
      ['a', 'b', 'c'],
      null,
    );
    // f1(a) = 2*1/(1+2) = 2/3, f1(b) = 2*2/(3+2) = 4/5; c left out
    expect(m.macro.f1).toBeCloseTo((2 / 3 + 4 / 5) / 2, 12);
    expect(m.perClass[2]).toEqual({ class: 'c', precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('one-vs-rest AUC per class (9/10, 7.5/10, 10/12) and their macro mean', () => {
    const cases = { k: 3, actual: mcActual, probs: mcProbs, predicted: argmaxRows(mcProbs, 3) };
    const c = classificationCurves(cases, ['a', 'b', 'c'], null);
    expect(c.roc.map((r) => r.auc)).toEqual([0.9, 0.75, 10 / 12].map((x) => expect.closeTo(x, 12)));
    expect(c.auc).toBeCloseTo((0.9 + 0.75 + 10 / 12) / 3, 12);
    const cal = calibration(cases, null);
    expect(cal.kind).toBe('confidence');
    expect(cal.bins.reduce((s, b) => s + b.count, 0)).toBe(7);
  });

  it('a value matrix: argmax decisions vs expected-value-optimal decisions', () => {
    // +10 on the diagonal, -5 elsewhere: argmax gets 4 right, 3 wrong -> (40 - 15)/7
    const values = [
      [10, -5, -5],
      [-5, 10, -5],
      [-5, -5, 10],
    ];
    const cases = { k: 3, actual: mcActual, probs: mcProbs, predicted: argmaxRows(mcProbs, 3) };
    const b = matrixBusiness(cases, ['a', 'b', 'c'], { kind: 'matrix', classes: ['c', 'b', 'a'], values });
    expect(b.atArgmax.valuePerCase).toBeCloseTo(25 / 7, 12);
    // A symmetric matrix makes the Bayes decision the argmax too (ties aside).
    expect(b.valueOptimal.valuePerCase).toBeCloseTo(25 / 7, 12);
    // A missed "c" is very costly: the optimal decision calls "c" more often.
    const skew = matrixBusiness(cases, ['a', 'b', 'c'], { kind: 'matrix', classes: ['a', 'b', 'c'], values: [[1, 0, 0], [0, 1, 0], [-100, -100, 1]] });
    expect(skew.valueOptimal.valuePerCase).toBeGreaterThan(skew.atArgmax.valuePerCase);
    expect(() => matrixBusiness(cases, ['a', 'b', 'c'], { kind: 'matrix', classes: ['a', 'b'], values: [[1, 0], [0, 1]] })).toThrow(/no row\/column for class "c"/);
  });

  it('a tp/fp/fn/tn cost is refused for a three-class model', () => {
    expect(() => buildReport({ task: 'classification', classes: ['a', 'b', 'c'], actual: mcActual, probs: mcProbs }, { cost: { kind: 'binary', tp: 1, fp: 0, fn: 0, tn: 0 } })).toThrow(/needs a binary model/);
  });
});

describe('regression', () => {
  it('MAE, RMSE, R² (sklearn docs example: R² = 0.948608...)', () => {
    const m = regressionMetrics(Float64Array.from([3, -0.5, 2, 7]), Float64Array.from([2.5, 0, 2, 8]));
    expect(m.mae).toBeCloseTo(0.5, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.r2).toBeCloseTo(0.9486081370449679, 12);
    expect(regressionMetrics(Float64Array.from([2, 2]), Float64Array.from([2, 2])).r2).toBe(1);
    expect(regressionMetrics(Float64Array.from([2, 2]), Float64Array.from([2, 3])).r2).toBe(0);
  });

  it('residuals are downsampled to <= 200 points with the extremes kept; the histogram counts all', () => {
    const n = 10_000;
    const actual = Float64Array.from({ length: n }, (_, i) => i);
    const predicted = Float64Array.from({ length: n }, (_, i) => i + Math.sin(i));
    const s = residualSample(actual, predicted);
    expect(s.predicted).toHaveLength(MAX_CURVE_POINTS);
    expect(s.predicted[0]).toBe(Math.min(...predicted));
    expect(s.predicted.at(-1)).toBe(Math.max(...predicted));
    expect(s.histogram.reduce((a, b) => a + b.count, 0)).toBe(n);
  });
});

describe('slices', () => {
  it('top values, then (other), then (missing)', () => {
    const g = sliceGroups(['a', 'b', 'a', null, 'c', 'a', 'b', ''], 2);
    expect(g.map((x) => [x.value, Array.from(x.rows)])).toEqual([
      ['a', [0, 2, 5]],
      ['b', [1, 6]],
      ['(other)', [4]],
      ['(missing)', [3, 7]],
    ]);
  });

  it('each slice gets the headline metrics and its business value', () => {
    const island = ['x', 'x', 'y', 'y', 'x', 'y'];
    const r = buildReport(
      { task: 'classification', classes: ['stay', 'churn'], actual: binActual, probs: binProbs },
      { slice: { column: 'island', values: island }, cost: { kind: 'binary', tp: 100, fp: -10, fn: -120, tn: 0 } },
    );
    const x = r.slices!.slices.find((s) => s.value === 'x')!;
    // x: rows 0 (0.9,+), 1 (0.8,+), 4 (0.2,+) -> predictions +,+,- : accuracy 2/3, value (100+100-120)/3
    expect(x.n).toBe(3);
    expect(x.headline.accuracy).toBeCloseTo(2 / 3, 12);
    expect(x.headline.auc).toBeNull();
    expect(x.businessValuePerCase).toBeCloseTo(80 / 3, 12);
    const rr = buildReport({ task: 'regression', actual: Float64Array.from([1, 2, 3, 4]), predicted: Float64Array.from([1, 2, 4, 6]) }, { slice: { column: 's', values: ['a', 'a', 'b', 'b'] } });
    expect(rr.slices!.slices.map((s) => s.headline.mae)).toEqual([0, 1.5]);
  });
});

describe('size and speed', () => {
  it('100k cases x 3 classes: report in well under a second, curves <= 200 points, compact JSON', () => {
    const n = 100_000;
    const k = 3;
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const actual = new Int32Array(n);
    const probs = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      actual[i] = Math.floor(rnd() * k);
      let s = 0;
      for (let j = 0; j < k; j++) s += probs[i * k + j] = rnd() + (j === actual[i] ? 0.8 : 0);
      for (let j = 0; j < k; j++) probs[i * k + j] /= s;
    }
    const t0 = performance.now();
    const r = buildReport({ task: 'classification', classes: ['a', 'b', 'c'], actual, probs }, { slice: { column: 's', values: Array.from({ length: n }, (_, i) => `v${i % 13}`) } }) as ClassificationReport;
    const ms = performance.now() - t0;
    console.log(`evaluation report, 100k cases x 3 classes + 11 slices: ${ms.toFixed(0)} ms, ${JSON.stringify(r).length} bytes of JSON`);
    expect(ms).toBeLessThan(5000);
    for (const c of [...r.roc, ...r.pr]) expect(c.thresholds.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(JSON.stringify(r).length).toBeLessThan(100_000);
  });
});

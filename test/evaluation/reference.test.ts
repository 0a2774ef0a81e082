import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { argmaxRows } from '../../src/main/engine/evaluation/classification';
import { averagePrecision, rocAuc } from '../../src/main/engine/evaluation/curves';
import { analyseThresholds, countsAt, outcomeValue } from '../../src/main/engine/evaluation/business';
import { buildReport } from '../../src/main/engine/evaluation/report';
import type { ClassificationReport, RegressionReport } from '../../src/shared/evaluation';

/**
 * Random data checked two ways: against brute-force definitions written independently here (always),
 * and against scikit-learn to 1e-9 where python3 with sklearn is installed (skipped with the reason
 * printed otherwise).
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCases(n: number, k: number, seed: number, roundTo = 0) {
  const r = rng(seed);
  const actual = new Int32Array(n);
  const probs = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    actual[i] = Math.floor(r() * k);
    let s = 0;
    for (let j = 0; j < k; j++) {
      let v = r() + (j === actual[i] ? 0.6 : 0);
      if (roundTo) v = Math.round(v * roundTo) / roundTo + 0.001; // ties
      s += probs[i * k + j] = v;
    }
    for (let j = 0; j < k; j++) probs[i * k + j] /= s;
  }
  return { actual, probs };
}

/** AUC as the probability a random positive outscores a random negative (ties half): O(P*N). */
function bruteAuc(scores: number[], pos: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!pos[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (pos[j]) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** AP as the sum over distinct thresholds t (descending) of (R(t) - R(prev)) * P(t), each by a full pass. */
function bruteAp(scores: number[], pos: number[]): number {
  const ts = [...new Set(scores)].sort((a, b) => b - a);
  const P = pos.reduce((a, b) => a + b, 0);
  let prevR = 0;
  let ap = 0;
  for (const t of ts) {
    let tp = 0;
    let pp = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        pp++;
        tp += pos[i];
      }
    });
    const rec = tp / P;
    ap += (rec - prevR) * (tp / pp);
    prevR = rec;
  }
  return ap;
}

describe('random data against brute-force definitions', () => {
  it('AUC and AP, with and without ties', () => {
    for (const [seed, roundTo] of [[1, 0], [2, 20], [3, 5]]) {
      const { actual, probs } = randomCases(600, 2, seed, roundTo);
      const scores = Array.from({ length: 600 }, (_, i) => probs[i * 2 + 1]);
      const pos = Array.from(actual);
      expect(rocAuc(scores, pos)).toBeCloseTo(bruteAuc(scores, pos), 10);
      expect(averagePrecision(scores, pos)).toBeCloseTo(bruteAp(scores, pos), 10);
    }
  });

  it('the best business threshold beats every other threshold tried by a full pass', () => {
    const { actual, probs } = randomCases(400, 2, 9, 30);
    const scores = Array.from({ length: 400 }, (_, i) => probs[i * 2 + 1]);
    const cost = { kind: 'binary' as const, tp: 80, fp: -10, fn: -120, tn: 0 };
    const a = analyseThresholds(scores, actual, cost);
    let bestBrute = -Infinity;
    for (const t of [...new Set(scores), 2]) bestBrute = Math.max(bestBrute, outcomeValue(countsAt(scores, actual, t), cost));
    expect(a.values[a.best]).toBeCloseTo(bestBrute, 9);
    expect(outcomeValue(countsAt(scores, actual, a.thresholds[a.best]), cost)).toBeCloseTo(bestBrute, 9);
  });
});

const python = spawnSync('python3', ['-c', 'import sklearn, numpy; print(sklearn.__version__)'], { encoding: 'utf8' });
const sklearnReason = python.error ? `python3 not runnable (${python.error.message})` : python.status !== 0 ? `python3 has no sklearn/numpy (${python.stderr.trim().split('\n').at(-1)})` : '';
if (sklearnReason) console.log(`sklearn comparison skipped: ${sklearnReason}`);

const SCRIPT = String.raw`
import json, sys
import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve
d = json.load(sys.stdin)
out = {}
for case in d['classification']:
    y = np.array(case['actual']); P = np.array(case['probs']).reshape(len(y), -1); k = P.shape[1]
    pred = np.array(case['predicted'])
    r = {'accuracy': metrics.accuracy_score(y, pred),
         'confusion': metrics.confusion_matrix(y, pred, labels=list(range(k))).tolist(),
         'f1_macro': metrics.f1_score(y, pred, average='macro', zero_division=0),
         'f1_weighted': metrics.f1_score(y, pred, average='weighted', zero_division=0),
         'precision_macro': metrics.precision_score(y, pred, average='macro', zero_division=0),
         'recall_macro': metrics.recall_score(y, pred, average='macro', zero_division=0),
         # a class absent from both y and pred: sklearn's default labels leave it out of the macro mean
         'f1_macro_absent': metrics.f1_score(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), average='macro', zero_division=0),
         'f1_per_class': metrics.f1_score(y, pred, average=None, labels=list(range(k)), zero_division=0).tolist(),
         'log_loss': metrics.log_loss(y, P, labels=list(range(k)))}
    if k == 2:
        r['auc'] = metrics.roc_auc_score(y, P[:, 1])
        r['ap'] = metrics.average_precision_score(y, P[:, 1])
        pt, pp = calibration_curve(y, P[:, 1], n_bins=10, strategy='uniform')
        r['cal_true'] = pt.tolist(); r['cal_pred'] = pp.tolist()
    else:
        r['auc'] = metrics.roc_auc_score(y, P, multi_class='ovr', average='macro')
    out.setdefault('classification', []).append(r)
reg = d['regression']
a = np.array(reg['actual']); p = np.array(reg['predicted'])
out['regression'] = {'mae': metrics.mean_absolute_error(a, p), 'rmse': float(np.sqrt(metrics.mean_squared_error(a, p))), 'r2': metrics.r2_score(a, p)}
print(json.dumps(out))
`;

describe.skipIf(Boolean(sklearnReason))('random data against scikit-learn', () => {
  it('classification (binary, 4 classes) and regression metrics agree to 1e-9', () => {
    const cases = [randomCases(500, 2, 11), randomCases(500, 2, 12, 10), randomCases(500, 4, 13)].map((c, i) => ({ ...c, k: i === 2 ? 4 : 2 }));
    const reports = cases.map((c) => buildReport({ task: 'classification', classes: Array.from({ length: c.k }, (_, j) => `c${j}`), actual: c.actual, probs: c.probs }) as ClassificationReport);
    const r = rng(5);
    const actual = Float64Array.from({ length: 300 }, () => r() * 10);
    const predicted = Float64Array.from(actual, (a) => a + (r() - 0.5) * 3);
    const reg = buildReport({ task: 'regression', actual, predicted }) as RegressionReport;
    const input = {
      classification: cases.map((c, i) => ({
        actual: Array.from(c.actual),
        probs: Array.from(c.probs),
        // the predictions the report used (threshold 0.5 for binary, argmax otherwise)
        predicted: c.k === 2 ? Array.from({ length: c.actual.length }, (_, j) => (c.probs[j * 2 + 1] >= 0.5 ? 1 : 0)) : Array.from(argmaxRows(c.probs, c.k)),
        i,
      })),
      regression: { actual: Array.from(actual), predicted: Array.from(predicted) },
    };
    const res = spawnSync('python3', ['-c', SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(res.status, res.stderr).toBe(0);
    const sk = JSON.parse(res.stdout) as {
      classification: Record<string, number & number[] & number[][]>[];
      regression: { mae: number; rmse: number; r2: number };
    };
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-9);
    reports.forEach((rep, i) => {
      const s = sk.classification[i];
      close(rep.accuracy, s.accuracy);
      expect(rep.confusion).toEqual(s.confusion);
      close(rep.macro.f1, s.f1_macro);
      const absent = buildReport({ task: 'classification', classes: ['a', 'b', 'c'], actual: Int32Array.from([0, 0, 1, 1]), probs: Float64Array.from([0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.2, 0.7, 0.1, 0.1, 0.8, 0.1]) }) as ClassificationReport;
      close(absent.macro.f1, s.f1_macro_absent);
      close(rep.weighted.f1, s.f1_weighted);
      close(rep.macro.precision, s.precision_macro);
      close(rep.macro.recall, s.recall_macro);
      rep.perClass.forEach((c, j) => close(c.f1, s.f1_per_class[j]));
      close(rep.logLoss, s.log_loss);
      close(rep.auc as number, s.auc);
      if (cases[i].k === 2) {
        close(rep.averagePrecision as number, s.ap);
        rep.calibration.bins.forEach((b, j) => {
          close(b.observed, s.cal_true[j]);
          close(b.meanPredicted, s.cal_pred[j]);
        });
      }
    });
    close(reg.mae, sk.regression.mae);
    close(reg.rmse, sk.regression.rmse);
    close(reg.r2, sk.regression.r2);
  });
});

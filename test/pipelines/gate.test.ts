import { describe, expect, it } from 'vitest';
import { gateRuleSchema } from '../../src/shared/pipelines';
import { decide, type ScoredModel, type Truth } from '../../src/main/engine/pipelines/gate';
import { pairedBootstrap, seededRandom } from '../../src/main/engine/pipelines/pairedBootstrap';

/** The gate's rule on crafted predictions: the truth and each model's answers are made by hand. */

const N = 400;
const rand = seededRandom(7);
const classes = ['a', 'b'];
const truthValues = Array.from({ length: N }, () => (rand() < 0.5 ? 'a' : 'b'));
const truth: Truth = { task: 'classification', values: truthValues };
const other = (c: string) => (c === 'a' ? 'b' : 'a');

/** A model right on each row with probability `acc` (its own random stream). */
function model(acc: number, seed: number): ScoredModel {
  const r = seededRandom(seed);
  const predictions = truthValues.map((t) => (r() < acc ? t : other(t)));
  const probabilities = predictions.map((p) => (p === 'a' ? [0.8, 0.2] : [0.2, 0.8]));
  return { prediction: { predictions, probabilities }, labels: classes };
}

/** The champion with some of its wrong rows fixed (a paired improvement on exactly those rows). */
function fixRows(base: ScoredModel, fixes: number): ScoredModel {
  const predictions = [...base.prediction.predictions];
  let left = fixes;
  for (let i = 0; i < N && left > 0; i++) {
    if (predictions[i] === truthValues[i]) continue;
    predictions[i] = truthValues[i];
    left--;
  }
  return { prediction: { predictions, probabilities: predictions.map((p) => (p === 'a' ? [0.8, 0.2] : [0.2, 0.8])) }, labels: classes };
}

const rule = (o: object = {}) => gateRuleSchema.parse(o);

describe('the champion gate', () => {
  const champion = model(0.75, 1);

  it('passes a clearly better challenger, with the interval above zero', () => {
    const out = decide(rule(), truth, fixRows(champion, 40), champion);
    expect(out.verdict).toBe('pass');
    expect(out.numbers!.metric).toBe('accuracy');
    expect(out.numbers!.difference).toBeCloseTo(40 / N, 10);
    expect(out.numbers!.interval!.lo).toBeGreaterThan(0);
    expect(out.reason).toMatch(/beats the champion by 0\.100 per case \(95% interval/);
  });

  it('fails a worse challenger', () => {
    const out = decide(rule(), truth, champion, fixRows(champion, 40));
    expect(out.verdict).toBe('fail');
    expect(out.numbers!.difference).toBeLessThan(0);
  });

  it('fails an improvement within noise (the interval reaches zero)', () => {
    // Two independent models of the same quality: any difference is noise.
    const out = decide(rule(), truth, model(0.76, 2), champion);
    expect(out.verdict).toBe('fail');
    expect(out.numbers!.interval!.lo).toBeLessThanOrEqual(0);
    expect(out.reason).toMatch(/within noise|does not exceed the margin/);
  });

  it('holds the challenger to the margin', () => {
    const out = decide(rule({ margin: 0.2 }), truth, fixRows(champion, 40), champion);
    expect(out.verdict).toBe('fail');
    expect(out.reason).toMatch(/does not exceed the margin 0\.200/);
  });

  it('refuses a regressed guard metric', () => {
    const better = fixRows(champion, 40);
    const unsure = { ...better, prediction: { ...better.prediction, probabilities: better.prediction.predictions.map((p) => (p === 'a' ? [0.51, 0.49] : [0.49, 0.51])) } };
    const out = decide(rule({ guards: [{ metric: 'log_loss', tolerance: 0.01 }] }), truth, unsure, champion);
    expect(out.verdict).toBe('fail');
    expect(out.reason).toMatch(/guard log_loss got worse/);
  });

  it('uses business value when the evaluation has a cost matrix', () => {
    const cost = { kind: 'matrix' as const, classes, values: [[1, -5], [-1, 2]] };
    const out = decide(rule(), { ...truth, cost }, fixRows(champion, 40), champion);
    expect(out.numbers!.metric).toBe('value');
    expect(out.verdict).toBe('pass');
  });

  it('blocks below the minimum row count, and passes a first model when there is no champion', () => {
    expect(decide(rule({ minRows: 1000 }), truth, champion, champion)).toMatchObject({ verdict: 'blocked', reason: expect.stringMatching(/only 400 scored rows/) });
    expect(decide(rule(), truth, champion, null)).toMatchObject({ verdict: 'pass', reason: expect.stringMatching(/no champion yet/) });
    expect(decide(rule({ primary: 'value' }), truth, champion, champion).verdict).toBe('blocked');
  });

  it('the paired bootstrap is reproducible and centred on the mean difference', () => {
    const d = new Float64Array(1000).map((_, i) => (i % 10 === 0 ? 1 : 0));
    const a = pairedBootstrap(d, { resamples: 2000, confidence: 0.95, seed: 3 });
    const b = pairedBootstrap(d, { resamples: 2000, confidence: 0.95, seed: 3 });
    expect(a).toEqual(b);
    expect(a.mean).toBeCloseTo(0.1, 10);
    // The binomial standard error is sqrt(0.09/1000) = 0.0095: a 95% interval of about +-0.019.
    expect(a.lo).toBeGreaterThan(0.075);
    expect(a.lo).toBeLessThan(0.088);
    expect(a.hi).toBeGreaterThan(0.112);
    expect(a.hi).toBeLessThan(0.125);
  });
});

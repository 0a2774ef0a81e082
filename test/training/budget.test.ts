import { describe, expect, it } from 'vitest';
import { autoEpochs, MAX_EPOCHS, MIN_EPOCHS, resolveBudget, TARGET_STEPS } from '../../src/main/engine/training/budget';
import { trainingHints } from '../../src/main/engine/training/hints';
import { trainingSpecSchema } from '../../src/shared/training';

/** The default budget sized by optimizer steps, and the advice a finished run gives. */

describe('training budget', () => {
  it('gives a small table enough epochs for about TARGET_STEPS updates, a big one fewer, within bounds', () => {
    // 150 rows, 70% train, batch 32: 4 batches an epoch -> 500 epochs (capped).
    expect(autoEpochs(105, 32)).toBe(MAX_EPOCHS);
    expect(autoEpochs(240, 32)).toBe(Math.ceil(TARGET_STEPS / 8));
    expect(autoEpochs(20_000, 32)).toBe(MIN_EPOCHS);
    expect(autoEpochs(240, 32) * Math.ceil(240 / 32)).toBeGreaterThanOrEqual(TARGET_STEPS);
  });

  it('resolves epochs 0 (the default) into the recorded spec; an explicit epochs stays', () => {
    const auto = trainingSpecSchema.parse({ template: 'tabular-mlp', data: 'x', target: 'y' });
    expect(auto.hyperparameters.epochs).toBe(0);
    const r = resolveBudget(auto, 344);
    expect(r.auto).toBe(true);
    expect(r.spec.hyperparameters.epochs).toBe(250); // 241 train rows / 32 -> 8 batches
    expect(r.spec.hyperparameters.patience).toBe(25);
    expect(r.spec.hyperparameters.checkpointEvery).toBe(25);
    const fixed = trainingSpecSchema.parse({ template: 'tabular-mlp', data: 'x', target: 'y', hyperparameters: { epochs: 7 } });
    expect(resolveBudget(fixed, 344)).toEqual({ spec: fixed, auto: false });
  });
});

describe('training hints', () => {
  const base = { task: 'classification' as const, epochs: 30, stoppedEarly: false, earlyStopping: true, trainRows: 105 };
  it('still improving when the best epoch is the last and early stopping did not end the run', () => {
    expect(trainingHints({ ...base, epochsRun: 30, bestEpoch: 30, values: {} }).map((h) => h.code)).toEqual(['still-improving']);
    expect(trainingHints({ ...base, epochsRun: 30, bestEpoch: 22, values: {} })).toEqual([]);
    expect(trainingHints({ ...base, epochsRun: 12, bestEpoch: 12, stoppedEarly: true, values: {} })).toEqual([]);
  });
  it('the run\'s own baseline beating the network is said, with a hint', () => {
    const h = trainingHints({ ...base, epochsRun: 30, bestEpoch: 20, values: { test_acc: 0.87, 'baseline.logreg.test_acc': 0.96 } });
    expect(h).toEqual([expect.objectContaining({ code: 'baseline-better', message: expect.stringContaining('0.960 test accuracy; the network 0.870') })]);
    expect(trainingHints({ ...base, epochsRun: 30, bestEpoch: 20, values: { test_acc: 0.96, 'baseline.logreg.test_acc': 0.965 } })).toEqual([]);
    const reg = trainingHints({ ...base, task: 'regression', epochsRun: 30, bestEpoch: 20, values: { val_rmse: 12, 'baseline.linreg.val_rmse': 8 } });
    expect(reg[0].code).toBe('baseline-better');
  });
});

import type { Task, TrainingHint } from '../../../shared/training';

/**
 * What a finished run tells its user about its own budget and quality:
 * - still improving: the best epoch is the last one and early stopping did not end the run, so more
 *   epochs would likely help;
 * - its baseline is better: the run's own linear baseline (logistic / linear regression on the same
 *   split) beats the network on held-out rows, so the network underfits or is the wrong size.
 * `values` are the run's final metrics (test_*, val_*, baseline.*).
 */
export interface HintFacts {
  task: Task;
  epochsRun: number;
  epochs: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  earlyStopping: boolean;
  trainRows: number;
  values: Record<string, number | undefined>;
}

/** Accuracy points (or relative RMSE) by which a baseline must win to be worth saying. */
const MARGIN = 0.01;

export function trainingHints(f: HintFacts): TrainingHint[] {
  const out: TrainingHint[] = [];
  if (!f.stoppedEarly && f.bestEpoch === f.epochsRun && f.epochsRun > 1) {
    out.push({
      code: 'still-improving',
      message: `Still improving: the best epoch was the last one (${f.bestEpoch} of ${f.epochs})`,
      hint: `Raise epochs (e.g. to ${Math.min(10_000, f.epochs * 3)})${f.earlyStopping ? '; early stopping will end the run when it stops improving' : ', and turn early stopping on'}, or raise the learning rate.`,
    });
  }
  const part = f.values.test_acc !== undefined || f.values.test_rmse !== undefined ? 'test' : 'val';
  if (f.task === 'classification') {
    const net = f.values[`${part}_acc`];
    const base = f.values[`baseline.logreg.${part}_acc`];
    if (net !== undefined && base !== undefined && base > net + MARGIN) {
      out.push({
        code: 'baseline-better',
        message: `The run's logistic-regression baseline reaches ${base.toFixed(3)} ${part} accuracy; the network ${net.toFixed(3)}`,
        hint: `With ${f.trainRows} training rows the network underfits or is too large: raise epochs or the learning rate, use fewer hidden units, or use the simpler model.`,
      });
    }
  } else {
    const net = f.values[`${part}_rmse`];
    const base = f.values[`baseline.linreg.${part}_rmse`];
    if (net !== undefined && base !== undefined && base < net * (1 - MARGIN)) {
      out.push({
        code: 'baseline-better',
        message: `The run's linear-regression baseline reaches ${part} RMSE ${base.toPrecision(4)}; the network ${net.toPrecision(4)}`,
        hint: `With ${f.trainRows} training rows the network underfits or is too large: raise epochs or the learning rate, use fewer hidden units, or use the simpler model.`,
      });
    }
  }
  return out;
}

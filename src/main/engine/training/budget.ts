import type { TrainingSpec } from '../../../shared/training';

/**
 * The default training budget, sized by optimizer steps rather than a fixed number of epochs: a
 * 150-row table gets 4 updates an epoch, a 20k-row one 440, so "30 epochs" means 120 steps for one
 * and 13k for the other. With `epochs: 0` (the default, "auto") a run gets enough epochs for about
 * TARGET_STEPS updates, within [MIN_EPOCHS, MAX_EPOCHS], and early stopping ends it when the
 * validation metric stops improving; the patience grows with the budget so a long, slow descent on a
 * small validation split is not cut short by noise.
 */
export const TARGET_STEPS = 2000;
export const MIN_EPOCHS = 10;
export const MAX_EPOCHS = 500;

export function autoEpochs(trainRows: number, batchSize: number): number {
  const batches = Math.max(1, Math.ceil(trainRows / batchSize));
  return Math.min(MAX_EPOCHS, Math.max(MIN_EPOCHS, Math.ceil(TARGET_STEPS / batches)));
}

/** The rows a spec's split gives the train part, estimated from the version's row count (before any row is read). */
export function estimatedTrainRows(spec: TrainingSpec, rows: number): number {
  return spec.split.kind === 'fraction' ? Math.max(1, Math.round(rows * spec.split.train)) : rows;
}

/**
 * A spec with `epochs: 0` resolved to a concrete budget (recorded with the run, so a re-run repeats it);
 * returns it unchanged otherwise. `patience` and `checkpointEvery` are raised to a tenth of the budget
 * when they are lower.
 */
export function resolveBudget(spec: TrainingSpec, versionRows: number): { spec: TrainingSpec; auto: boolean } {
  const hp = spec.hyperparameters;
  if (hp.epochs !== 0) return { spec, auto: false };
  const epochs = autoEpochs(estimatedTrainRows(spec, versionRows), hp.batchSize);
  const patience = Math.max(hp.patience, Math.ceil(epochs / 10));
  // A checkpoint every 5 of 500 epochs would be 100 model copies: keep about ten.
  const checkpointEvery = hp.checkpointEvery === 0 ? 0 : Math.max(hp.checkpointEvery, Math.ceil(epochs / 10));
  return { spec: { ...spec, hyperparameters: { ...hp, epochs, patience, checkpointEvery } } as TrainingSpec, auto: true };
}

import { LatheError, toLatheError } from '../../../shared/errors';
import { CV_TAGS, type TrainingSpec, type TrainingStarted } from '../../../shared/training';
import type { Tracking } from '../tracking';

/**
 * Cross-validation as a training mode. A parent run (no model of its own) groups `folds` fold runs: the
 * same spec, the same held-out test rows as the plain split, and fold i of the remaining rows as
 * validation (split.ts deals them per class, seeded). When every fold has finished, the parent gets
 * the mean and the sample sd of every final metric of the folds (`cv.<metric>.mean`, `cv.<metric>.sd`)
 * and, with `refit`, one more run trains on every non-test row for the folds' mean best epoch (no
 * early stopping: it has no validation rows): the registrable model, tagged `cv.role=refit`.
 */

export interface CvHost {
  tracking: Tracking;
  start(spec: TrainingSpec, opts: { priority?: number; tags?: Record<string, string> }): Promise<TrainingStarted>;
  wait(jobId: string): Promise<{ state: string }>;
}

/** Mean and sample standard deviation (n - 1; 0 for one value). */
export function meanSd(xs: number[]): { mean: number; sd: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd };
}

/** Metrics worth summarising across folds: the final values, not per-batch or per-epoch bookkeeping. */
const SUMMARISED = /^(loss|acc|val_|test_|best_epoch|baseline\.)/;

export async function startCrossValidation(host: CvHost, spec: TrainingSpec, priority = 0): Promise<TrainingStarted & { done: Promise<void> }> {
  const cv = spec.crossValidation;
  if (!cv) throw new LatheError('INTERNAL', 'startCrossValidation without a crossValidation spec');
  if (spec.split.kind !== 'fraction') {
    throw new LatheError('INVALID_INPUT', 'Cross-validation deals the rows into folds itself; it needs a fraction split, not a split column', { where: 'split.kind' });
  }
  const split = spec.split;
  const runs = host.tracking.runs;
  const name = spec.name || `cv ${spec.data}`;
  const parent = runs.create({
    experiment: spec.experiment,
    name,
    source: 'built-in',
    notes: '',
    params: { 'cv.folds': String(cv.folds), 'cv.refit': String(cv.refit), data: spec.data, template: spec.template, 'split.seed': String(split.seed), 'split.test': String(split.test) },
    tags: { [CV_TAGS.role]: 'parent', 'lathe.template': spec.template },
    inputs: [],
  });
  const base: TrainingSpec = { ...spec, crossValidation: undefined };
  const folds: { runId: string; jobId: string }[] = [];
  try {
    for (let i = 0; i < cv.folds; i++) {
      const foldSpec = { ...base, name: `${name} fold ${i + 1}/${cv.folds}`, experiment: spec.experiment, split: { ...split, fold: { folds: cv.folds, index: i } } } as TrainingSpec;
      folds.push(await host.start(foldSpec, { priority, tags: { [CV_TAGS.parent]: parent.id, [CV_TAGS.role]: 'fold', [CV_TAGS.fold]: String(i) } }));
    }
  } catch (e) {
    runs.setTags(parent.id, { 'training.error': toLatheError(e).message.slice(0, 8000) }, []);
    runs.update({ id: parent.id, status: 'failed' });
    throw e;
  }
  const done = finish(host, parent.id, base, folds, cv.refit, name, priority);
  return { runId: parent.id, jobId: folds[0].jobId, folds, done };
}

async function finish(host: CvHost, parentId: string, base: TrainingSpec, folds: { runId: string; jobId: string }[], refit: boolean, name: string, priority: number): Promise<void> {
  const runs = host.tracking.runs;
  try {
    const states = await Promise.all(folds.map((f) => host.wait(f.jobId)));
    const failed = states.filter((s) => s.state !== 'done').length;
    if (failed > 0) throw new LatheError('INVALID_INPUT', `${failed} of ${folds.length} fold runs did not finish`, { where: 'crossValidation' });
    const byKey = new Map<string, number[]>();
    for (const f of folds) {
      for (const [key, m] of Object.entries(runs.get(f.runId).metrics)) {
        if (!SUMMARISED.test(key) || typeof m.last !== 'number' || !Number.isFinite(m.last)) continue;
        byKey.set(key, [...(byKey.get(key) ?? []), m.last]);
      }
    }
    const points: { key: string; value: number; step: number }[] = [];
    for (const [key, xs] of byKey) {
      if (xs.length !== folds.length) continue;
      const { mean, sd } = meanSd(xs);
      points.push({ key: `cv.${key}.mean`, value: mean, step: 0 }, { key: `cv.${key}.sd`, value: sd, step: 0 });
    }
    runs.logMetrics(parentId, points);
    if (refit && base.split.kind === 'fraction') {
      const bestEpochs = byKey.get('best_epoch') ?? [];
      const epochs = Math.max(1, Math.round(bestEpochs.length ? meanSd(bestEpochs).mean : base.hyperparameters.epochs));
      const refitSpec = {
        ...base,
        name: `${name} refit`,
        split: { ...base.split, fold: { folds: folds.length, index: -1 } },
        hyperparameters: { ...base.hyperparameters, epochs, earlyStopping: false },
      } as TrainingSpec;
      const r = await host.start(refitSpec, { priority, tags: { [CV_TAGS.parent]: parentId, [CV_TAGS.role]: 'refit' } });
      runs.setTags(parentId, { [CV_TAGS.refit]: r.runId }, []);
      const s = await host.wait(r.jobId);
      if (s.state !== 'done') throw new LatheError('INVALID_INPUT', 'The refit run did not finish', { where: 'crossValidation.refit' });
    }
    runs.update({ id: parentId, status: 'finished' });
  } catch (e) {
    runs.setTags(parentId, { 'training.error': toLatheError(e).message.slice(0, 8000) }, []);
    runs.update({ id: parentId, status: 'failed' });
  }
}

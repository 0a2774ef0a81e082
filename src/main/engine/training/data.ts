import type { CellValue, ColumnType, TableProfile } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { FeaturePreprocessing, ModelSignature, Preprocessing, Task, TargetPreprocessing, TrainingSpec } from '../../../shared/training';
import type { DatasetsRepo, VersionRow } from '../db/datasetsRepo';
import type { VersionReader } from '../datasets/versionReader';
import { resolveRef } from '../datasets/refs';
import type { ObjectStore } from '../store/objectStore';
import { decodeImages } from './images';
import { cellToCategory, cellToNumber, encodeTable, encodeTarget, inputSizeOf, isMissing, isNumericType, learnFeature } from './preprocessing';
import { splitRows, type SplitResult } from './split';
import { defaultFeatures, profileColumn, suggestTask } from './suggest';

/**
 * Everything a training job needs, prepared on the main thread BEFORE the job is queued, so bad input
 * is refused with its reason instead of failing a worker later: the dataset version is resolved and
 * read, the target and features checked, the split made, preprocessing learned on the training part
 * only, and every part encoded into flat float32 matrices for the worker.
 */

export interface Part {
  /** Row-major, `n` examples of `inputShape`. */
  x: Float32Array;
  /** Classification: class index; regression: standardised value. */
  y: Float32Array;
  n: number;
}

export interface TrainingData {
  task: Task;
  target: string;
  labels: string[] | null;
  inputShape: number[];
  outputSize: number;
  parts: { train: Part; validation: Part; test: Part };
  preprocessing: Preprocessing;
  inputs: ModelSignature['inputs'];
  version: { id: string; dataset: string; number: number };
  /** What the run records about its split (artifact training/split.json, params). */
  split: { kind: string; train: number; validation: number; test: number; seed?: number; stratified?: boolean; column?: string; droppedMissingTarget: number };
}

export interface DataContext {
  repo: DatasetsRepo;
  reader: VersionReader;
  store: ObjectStore;
}

export function resolveVersion(ctx: DataContext, ref: string): { version: VersionRow; dataset: string } {
  const r = resolveRef(ctx.repo, ref);
  return { version: r.version, dataset: r.dataset.name };
}

/** Prepares a spec's data; `reuse` (a checkpoint's preprocessing, on resume) replaces learning it again. */
export async function prepareData(ctx: DataContext, spec: TrainingSpec, reuse?: Preprocessing): Promise<TrainingData> {
  const { version, dataset } = resolveVersion(ctx, spec.data);
  const isImages = version.format === 'images';
  if (spec.template === 'image-cnn' && !isImages) {
    throw new LatheError('INVALID_INPUT', `${spec.data} is a ${version.format} table; the image-cnn template trains from an image-folder version`, { where: 'template', hint: 'Use tabular-mlp for tables.' });
  }
  if (spec.template === 'tabular-mlp' && isImages) {
    throw new LatheError('INVALID_INPUT', `${spec.data} is an image folder; the tabular-mlp template trains from a table`, { where: 'template', hint: 'Use image-cnn for image folders.' });
  }
  const ref = { id: version.id, dataset, number: version.number };
  if (spec.template === 'image-cnn') return decodeImages(ctx, spec, version, ref, reuse);
  return prepareTable(ctx, spec, version, ref, JSON.parse(version.profile_json) as TableProfile, reuse);
}

async function prepareTable(ctx: DataContext, spec: TrainingSpec & { template: 'tabular-mlp' }, version: VersionRow, ref: TrainingData['version'], profile: TableProfile, reuse?: Preprocessing): Promise<TrainingData> {
  if (spec.target === undefined) throw new LatheError('INVALID_INPUT', 'A target column is needed: the column to predict', { where: 'target' });
  const targetCol = profileColumn(profile, spec.target, 'target');
  const present = targetCol.count - targetCol.missing;
  if (present === 0) throw new LatheError('INVALID_INPUT', `The target column "${spec.target}" has no values (all ${targetCol.count} are missing)`, { where: 'target' });
  if (targetCol.distinct < 2) {
    throw new LatheError('INVALID_INPUT', `The target column "${spec.target}" is constant (every row is ${JSON.stringify(targetCol.top?.[0]?.value ?? targetCol.min)}); there is nothing to learn`, { where: 'target' });
  }
  const task = spec.task ?? suggestTask(targetCol).task;
  if (task === 'regression' && !isNumericType(targetCol.type) && targetCol.type !== 'boolean') {
    throw new LatheError('INVALID_INPUT', `Regression needs a numeric target; "${spec.target}" is ${targetCol.type}`, { where: 'task', hint: 'Use task classification, or pick a numeric target.' });
  }
  const splitColumn = spec.split.kind === 'column' ? spec.split.column : undefined;
  if (splitColumn !== undefined) profileColumn(profile, splitColumn, 'split.column');
  let features: string[];
  if (spec.features) {
    features = spec.features;
    for (const f of features) {
      const c = profileColumn(profile, f, 'features');
      if (f === spec.target) throw new LatheError('INVALID_INPUT', `"${f}" is the target; it cannot also be a feature`, { where: 'features' });
      if (f === splitColumn) throw new LatheError('INVALID_INPUT', `"${f}" is the split column; it cannot also be a feature`, { where: 'features' });
      if (c.count - c.missing === 0) throw new LatheError('INVALID_INPUT', `Feature "${f}" has no values (all missing)`, { where: 'features', hint: 'Leave it out of the features.' });
    }
  } else features = defaultFeatures(profile, spec.target, splitColumn ? [splitColumn] : []).features;
  if (features.length === 0) throw new LatheError('INVALID_INPUT', 'There are no usable feature columns', { where: 'features' });

  // Read the version once, keeping only the columns used: features..., target, split column.
  const columns = profile.columns.map((c) => c.name);
  const pick = [...features, spec.target, ...(splitColumn ? [splitColumn] : [])].map((n) => columns.indexOf(n));
  const rows: CellValue[][] = [];
  await ctx.reader.scan(version, (cells) => rows.push(pick.map((k) => cells[k])));
  const nf = features.length;
  const types: ColumnType[] = features.map((f) => profileColumn(profile, f, 'features').type);
  const usable: number[] = [];
  for (let i = 0; i < rows.length; i++) if (!isMissing(rows[i][nf]) && (task === 'classification' || Number.isFinite(cellToNumber(rows[i][nf], targetCol.type)))) usable.push(i);
  const droppedMissingTarget = rows.length - usable.length;

  const split: SplitResult = splitRows(spec.split, usable, {
    classOf: task === 'classification' ? (r) => cellToCategory(rows[r][nf]) ?? '' : undefined,
    partOf: (r) => rows[r][nf + 1],
  });

  let pre: Extract<Preprocessing, { kind: 'table' }>;
  if (reuse && reuse.kind === 'table') pre = reuse;
  else {
    const featurePre: FeaturePreprocessing[] = [];
    for (let k = 0; k < nf; k++) {
      const learned = learnFeature(features[k], types[k], split.train.map((r) => rows[r][k]), spec.hyperparameters.maxOneHot);
      if (!learned) {
        throw new LatheError('INVALID_INPUT', `Feature "${features[k]}" has no values in the training split (all missing)`, { where: 'features', hint: 'Leave it out of the features.' });
      }
      featurePre.push(learned);
    }
    let target: TargetPreprocessing;
    if (task === 'classification') {
      const labels = [...new Set(usable.map((r) => cellToCategory(rows[r][nf]) as string))].sort();
      target = { kind: 'classification', labels };
    } else {
      const ys = split.train.map((r) => cellToNumber(rows[r][nf], targetCol.type));
      const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
      const std = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length);
      target = { kind: 'regression', mean, std: std > 1e-12 ? std : 1 };
    }
    pre = { kind: 'table', features: featurePre, inputSize: inputSizeOf(featurePre), target };
  }
  const encode = (positions: number[]): Part => {
    const sel = positions.map((r) => rows[r]);
    return { x: encodeTable(pre.features, sel, pre.inputSize), y: encodeTarget(pre.target, sel.map((r) => r[nf]), targetCol.type), n: sel.length };
  };
  const labels = pre.target.kind === 'classification' ? pre.target.labels : null;
  return {
    task,
    target: spec.target,
    labels,
    inputShape: [pre.inputSize],
    outputSize: labels ? labels.length : 1,
    parts: { train: encode(split.train), validation: encode(split.validation), test: encode(split.test) },
    preprocessing: pre,
    inputs: { kind: 'table', columns: features.map((name, k) => ({ name, type: types[k] })) },
    version: ref,
    split: splitRecord(spec, split, task, droppedMissingTarget),
  };
}

export function splitRecord(spec: TrainingSpec, split: SplitResult, task: Task, droppedMissingTarget: number): TrainingData['split'] {
  const counts = { train: split.train.length, validation: split.validation.length, test: split.test.length, droppedMissingTarget };
  return spec.split.kind === 'column'
    ? { kind: 'column', column: spec.split.column, ...counts }
    : { kind: 'fraction', seed: spec.split.seed, stratified: spec.split.stratify && task === 'classification', ...counts };
}

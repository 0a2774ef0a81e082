import type { CellValue, ColumnProfile, ColumnType, TableProfile } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { FeaturePreprocessing, ModelSignature, Preprocessing, Task, TargetPreprocessing, TrainingSpec } from '../../../shared/training';
import type { DatasetsRepo, VersionRow } from '../db/datasetsRepo';
import type { VersionReader } from '../datasets/versionReader';
import { resolveRef } from '../datasets/refs';
import type { ObjectStore } from '../store/objectStore';
import { decodeImages, planImages } from './images';
import { cellToCategory, cellToNumber, encodeTable, encodeTarget, inputSizeOf, isMissing, isNumericType, learnFeature } from './preprocessing';
import { splitRecord, type SplitMembership } from './membership';
import { checkColumnSplitCounts, partOfValue, splitRows, splitSizes, type SplitResult } from './split';
import { defaultFeatures, profileColumn, suggestTask } from './suggest';

/**
 * A training job's data, in two steps. `planData` runs on the main thread BEFORE a run is created and
 * reads only the version's profile and metadata (no rows), so bad input is refused with its reason at
 * once without blocking the event loop. `prepareData` runs in the job's worker thread: it reads the
 * version, makes the split, learns preprocessing on the training part only and encodes every part into
 * flat float32 matrices (it repeats the plan's checks and adds the ones only the rows can answer).
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
  /** What the run records about its split (artifact training/split.json, params; `membership` goes to the run_splits table). */
  split: { kind: string; train: number; validation: number; test: number; seed?: number; stratified?: boolean; column?: string; droppedMissingTarget: number; membership: SplitMembership };
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

/** What the main thread knows before any row is read (profile and metadata only). */
export interface DataPlan {
  task: Task;
  target: string;
  version: TrainingData['version'];
  inputs: ModelSignature['inputs'];
  /** Upper bounds of the input shape and output size (preprocessing, learned on the train split, can only be smaller). */
  inputShape: number[];
  outputSize: number;
}

function resolveFor(ctx: DataContext, spec: TrainingSpec): { version: VersionRow; ref: TrainingData['version'] } {
  const { version, dataset } = resolveVersion(ctx, spec.data);
  const isImages = version.format === 'images';
  if (spec.template === 'image-cnn' && !isImages) {
    throw new LatheError('INVALID_INPUT', `${spec.data} is a ${version.format} table; the image-cnn template trains from an image-folder version`, { where: 'template', hint: 'Use tabular-mlp for tables.' });
  }
  if (spec.template === 'tabular-mlp' && isImages) {
    throw new LatheError('INVALID_INPUT', `${spec.data} is an image folder; the tabular-mlp template trains from a table`, { where: 'template', hint: 'Use image-cnn for image folders.' });
  }
  return { version, ref: { id: version.id, dataset, number: version.number } };
}

/** Main thread, before a run exists: every check the profile and metadata can answer; reads no rows. */
export function planData(ctx: DataContext, spec: TrainingSpec): DataPlan {
  const { version, ref } = resolveFor(ctx, spec);
  if (spec.template === 'image-cnn') {
    const p = planImages(ctx, spec, version);
    return { task: 'classification', target: 'class', version: ref, inputs: { kind: 'image', width: p.width, height: p.height, channels: p.channels }, inputShape: [p.height, p.width, p.channels], outputSize: p.labels.length };
  }
  const profile = JSON.parse(version.profile_json) as TableProfile;
  const t = planTable(spec, profile);
  checkSplitFromProfile(spec, t, profile);
  const maxOneHot = spec.hyperparameters.maxOneHot;
  let inputSize = 0;
  for (let k = 0; k < t.features.length; k++) {
    const c = profileColumn(profile, t.features[k], 'features');
    // A one-hot vocabulary learned on the train split has at most min(distinct, maxOneHot) values (+1 unknown).
    inputSize += isNumericType(t.types[k]) ? 1 : Math.min(c.distinctApprox ? maxOneHot : c.distinct, maxOneHot) + 1;
  }
  return {
    task: t.task,
    target: spec.target as string,
    version: ref,
    inputs: { kind: 'table', columns: t.features.map((name, k) => ({ name, type: t.types[k] })) },
    inputShape: [inputSize],
    outputSize: t.task === 'classification' ? Math.max(2, t.targetCol.distinct) : 1,
  };
}

/** Worker thread: reads the rows and prepares a spec's data; `reuse` (a checkpoint's preprocessing, on resume) replaces learning it again. */
export async function prepareData(ctx: DataContext, spec: TrainingSpec, reuse?: Preprocessing): Promise<TrainingData> {
  const { version, ref } = resolveFor(ctx, spec);
  if (spec.template === 'image-cnn') return decodeImages(ctx, spec, version, ref, reuse);
  return prepareTable(ctx, spec, version, ref, JSON.parse(version.profile_json) as TableProfile, reuse);
}

interface TablePlan {
  task: Task;
  features: string[];
  types: ColumnType[];
  targetCol: ColumnProfile;
  splitColumn: string | undefined;
}

/** The target, task, features and split column of a table spec, checked against the profile. */
function planTable(spec: TrainingSpec & { template: 'tabular-mlp' }, profile: TableProfile): TablePlan {
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
  const types: ColumnType[] = features.map((f) => profileColumn(profile, f, 'features').type);
  return { task, features, types, targetCol, splitColumn };
}

/** Exact value counts of a column when the profile has them all (a categorical column's complete top list). */
function exactCounts(c: ColumnProfile): { value: string; count: number }[] | null {
  if (c.type !== 'categorical' || c.distinctApprox || !c.top || c.top.length !== c.distinct) return null;
  return c.top;
}

/**
 * The split's checks from the profile, where its counts are exact: too few rows for the fractions, a
 * class with one example under stratification, a split column value that names no part. What the
 * profile cannot answer exactly is checked again on the rows in the worker (the run then fails).
 */
function checkSplitFromProfile(spec: TrainingSpec, t: TablePlan, profile: TableProfile): void {
  const usable = t.targetCol.count - t.targetCol.missing;
  if (spec.split.kind === 'column') {
    const col = profileColumn(profile, spec.split.column, 'split.column');
    const counts = exactCounts(col);
    if (!counts || t.targetCol.missing > 0) return;
    const sizes = { train: 0, validation: 0, test: 0 };
    if (col.missing > 0) partOfValue(spec.split.column, null);
    for (const v of counts) sizes[partOfValue(spec.split.column, v.value)] += v.count;
    checkColumnSplitCounts(spec.split.column, sizes.train);
    return;
  }
  const classes = t.task === 'classification' && spec.split.stratify ? exactCounts(t.targetCol) : null;
  if (t.task === 'classification' && spec.split.stratify && !classes) return;
  splitSizes(spec.split, classes ? classes.map((c) => [c.value, c.count] as [string, number]) : [['', usable]]);
}

async function prepareTable(ctx: DataContext, spec: TrainingSpec & { template: 'tabular-mlp' }, version: VersionRow, ref: TrainingData['version'], profile: TableProfile, reuse?: Preprocessing): Promise<TrainingData> {
  const { task, features, types, targetCol, splitColumn } = planTable(spec, profile);
  const target = spec.target as string;

  // Read the version once, keeping only the columns used: features..., target, split column.
  const columns = profile.columns.map((c) => c.name);
  const pick = [...features, target, ...(splitColumn ? [splitColumn] : [])].map((n) => columns.indexOf(n));
  const rows: CellValue[][] = [];
  await ctx.reader.scan(version, (cells) => rows.push(pick.map((k) => cells[k])));
  const nf = features.length;
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
    target,
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


import type { CellValue } from '../../../shared/datasets';
import type { CostMatrix, EvaluationReport } from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import { selectBackend } from '../compute/backend';
import { decodeOutputs, deserializeModel, predictEncoded, predictRows, type ModelFiles } from '../training/modelArtifact';
import { cellToCategory, cellToNumber } from '../training/preprocessing';
import { buildReport, type Predictions } from './report';
import { encodeCases, type ScoredCases } from './cases';

/**
 * The compute of an evaluation: predict every row with the run's model (its saved preprocessing
 * applied by predictRows) and build the report. Runs in a worker thread (evaluate.worker.ts) and,
 * when no worker can start, inline. Input is plain data so it crosses postMessage as it is.
 */
/** Rows to predict: table cells in the signature's column order, or decoded images, and their targets. */
export interface JobRows {
  /** Table models: feature cells in the signature's column order. */
  rows: CellValue[][];
  /** Image models: every image decoded as preprocessing.json says (HWC, scaled), one after the other. */
  images: { x: Float32Array; shape: [number, number, number] } | null;
  /** The target cell of each row. */
  targets: CellValue[];
}

export interface EvaluationJob extends JobRows {
  files: ModelFiles;
  /** The dataset version's row position of each row (kept with the scored cases for paired comparisons). */
  positions: number[];
  /** The run's validation rows, where the value-optimal threshold is chosen (null: chosen on the rows scored). */
  tuning: JobRows | null;
  slice: { column: string; values: (string | null)[]; top: number } | null;
  cost: CostMatrix | null;
  /** Binary classification: the positive class's label. */
  positive: string | null;
  bootstrap: { resamples: number; seed: number };
}

export interface ScoredEvaluation {
  report: EvaluationReport;
  /** cases.ts encoding of the scored rows. */
  cases: Uint8Array;
}

const PREDICT_CHUNK = 20_000;

type Loaded = Parameters<typeof predictRows>[0];

/** The rows that can be scored (a target, one the model knows), their truth and the model's outputs. */
async function predictCases(loaded: Loaded, src: JobRows, progress?: (done: number, total: number) => void) {
  const { signature, preprocessing } = loaded;
  const predict = async (part: number[]) => {
    if (!src.images) return predictRows(loaded, part.map((i) => src.rows[i]));
    const [h, w, c] = src.images.shape;
    const per = h * w * c;
    const x = new Float32Array(part.length * per);
    part.forEach((i, j) => x.set(src.images!.x.subarray(i * per, (i + 1) * per), j * per));
    return decodeOutputs(signature, preprocessing, await predictEncoded(loaded, x, part.length, src.images.shape), part.length);
  };
  const n = src.targets.length;
  const keep: number[] = [];
  const unknown = new Map<string, number>();
  let missing = 0;
  const labels = signature.task === 'classification' ? (signature.labels ?? []) : [];
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const actualClass: number[] = [];
  const actualValue: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = src.targets[i];
    if (signature.task === 'classification') {
      const c = cellToCategory(t);
      if (c === null) {
        missing++;
        continue;
      }
      const idx = labelIndex.get(c);
      if (idx === undefined) {
        unknown.set(c, (unknown.get(c) ?? 0) + 1);
        continue;
      }
      actualClass.push(idx);
    } else {
      const v = cellToNumber(t, 'numeric');
      if (!Number.isFinite(v)) {
        missing++;
        continue;
      }
      actualValue.push(v);
    }
    keep.push(i);
  }
  const m = keep.length;
  const k = signature.task === 'classification' ? labels.length : 1;
  const probs = new Float64Array(signature.task === 'classification' ? m * k : 0);
  const predicted = new Float64Array(signature.task === 'regression' ? m : 0);
  for (let start = 0; start < m; start += PREDICT_CHUNK) {
    const part = keep.slice(start, start + PREDICT_CHUNK);
    const out = await predict(part);
    if (signature.task === 'classification') {
      const p = out.probabilities ?? [];
      for (let j = 0; j < part.length; j++) {
        // Renormalise float32 softmax outputs so each row sums to 1 in float64.
        let s = 0;
        for (let c = 0; c < k; c++) s += p[j][c];
        for (let c = 0; c < k; c++) probs[(start + j) * k + c] = s > 0 ? p[j][c] / s : 1 / k;
      }
    } else {
      for (let j = 0; j < part.length; j++) predicted[start + j] = Number(out.predictions[j]);
    }
    progress?.(Math.min(m, start + part.length), m);
  }
  return { keep, missing, unknown, labels, labelIndex, k, actualClass: Int32Array.from(actualClass), actualValue: Float64Array.from(actualValue), probs, predicted };
}

export async function scoreEvaluation(job: EvaluationJob, progress?: (done: number, total: number) => void): Promise<ScoredEvaluation> {
  await selectBackend();
  const model = await deserializeModel(job.files.model);
  const { signature, preprocessing } = job.files;
  const loaded = { model, signature, preprocessing };
  try {
    const n = job.targets.length;
    const notes: string[] = [];
    const p = await predictCases(loaded, job, progress);
    const { keep, labels, labelIndex, k } = p;
    if (p.missing > 0) notes.push(`${p.missing} row(s) without a ${signature.target} value were left out`);
    if (p.unknown.size > 0) {
      const listed = [...p.unknown.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([l, c]) => `"${l}" (${c})`);
      notes.push(`${[...p.unknown.values()].reduce((a, b) => a + b, 0)} row(s) with classes the model was not trained on were left out: ${listed.join(', ')}`);
    }
    if (keep.length === 0) {
      throw new LatheError('INVALID_INPUT', `No row of this dataset version can be scored: ${notes.join('; ') || 'it has no rows'}`, { where: 'data' });
    }
    let positiveClass: number | undefined;
    if (job.positive !== null) {
      if (signature.task !== 'classification') throw new LatheError('INVALID_INPUT', 'A positive class applies to classification; this model does regression', { where: 'positive' });
      const idx = labelIndex.get(job.positive);
      if (idx === undefined) throw new LatheError('INVALID_INPUT', `"${job.positive}" is not one of the model's classes (${labels.join(', ')})`, { where: 'positive' });
      if (k !== 2) throw new LatheError('INVALID_INPUT', `A positive class needs a binary model; this one has ${k} classes`, { where: 'positive' });
      positiveClass = idx;
    }
    // The threshold is chosen on the run's validation rows when there are some to choose on.
    let chooseOn: { actual: Int32Array; probs: Float64Array } | undefined;
    if (job.tuning && job.cost?.kind === 'binary' && signature.task === 'classification') {
      const t = await predictCases(loaded, job.tuning);
      if (t.keep.length > 0) chooseOn = { actual: t.actualClass, probs: t.probs };
    }
    if (job.cost?.kind === 'binary' && !chooseOn) notes.push('The value-optimal threshold was chosen on the rows it is reported on (no validation rows to choose it on): its value is optimistic');
    const predictions: Predictions =
      signature.task === 'classification'
        ? { task: 'classification', classes: labels, actual: p.actualClass, probs: p.probs, positiveClass }
        : { task: 'regression', actual: p.actualValue, predicted: p.predicted };
    const report = buildReport(predictions, {
      cost: job.cost ?? undefined,
      slice: job.slice ? { column: job.slice.column, values: keep.map((i) => (job.slice as { values: (string | null)[] }).values[i]), top: job.slice.top } : undefined,
      skippedRows: n - keep.length,
      chooseOn,
      bootstrap: job.bootstrap.resamples > 0 ? job.bootstrap : undefined,
    });
    return { report: { ...report, notes }, cases: encodeCases(scoredCases(report, p, keep.map((i) => job.positions[i]))) };
  } finally {
    model.dispose();
  }
}

function scoredCases(report: EvaluationReport, p: Awaited<ReturnType<typeof predictCases>>, positions: number[]): ScoredCases {
  const rows = Uint32Array.from(positions);
  if (report.task === 'regression') return { task: 'regression', rows, actual: p.actualValue, predicted: p.predicted };
  const m = rows.length;
  const predicted = new Int32Array(m);
  const pActual = new Float32Array(m);
  const positive = report.positiveClass === null ? -1 : report.classes.indexOf(report.positiveClass);
  for (let i = 0; i < m; i++) {
    // The report's own decision: threshold 0.5 on P(positive) for binary, the most probable class otherwise.
    let best = 0;
    for (let c = 1; c < p.k; c++) if (p.probs[i * p.k + c] > p.probs[i * p.k + best]) best = c;
    predicted[i] = positive >= 0 ? (p.probs[i * 2 + positive] >= 0.5 ? positive : 1 - positive) : best;
    pActual[i] = p.probs[i * p.k + p.actualClass[i]];
  }
  return { task: 'classification', rows, actual: p.actualClass, predicted, pActual };
}

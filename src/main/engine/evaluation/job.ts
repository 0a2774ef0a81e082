import type { CellValue } from '../../../shared/datasets';
import type { CostMatrix, EvaluationReport } from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import { selectBackend } from '../compute/backend';
import { decodeOutputs, deserializeModel, predictEncoded, predictRows, type ModelFiles } from '../training/modelArtifact';
import { cellToCategory, cellToNumber } from '../training/preprocessing';
import { buildReport, type Predictions } from './report';

/**
 * The compute of an evaluation: predict every row with the run's model (its saved preprocessing
 * applied by predictRows) and build the report. Runs in a worker thread (evaluate.worker.ts) and,
 * when no worker can start, inline. Input is plain data so it crosses postMessage as it is.
 */
export interface EvaluationJob {
  files: ModelFiles;
  /** Table models: feature cells in the signature's column order. */
  rows: CellValue[][];
  /** Image models: every image decoded as preprocessing.json says (HWC, scaled), one after the other. */
  images: { x: Float32Array; shape: [number, number, number] } | null;
  /** The target cell of each row. */
  targets: CellValue[];
  slice: { column: string; values: (string | null)[]; top: number } | null;
  cost: CostMatrix | null;
  /** Binary classification: the positive class's label. */
  positive: string | null;
}

const PREDICT_CHUNK = 20_000;

export async function scoreEvaluation(job: EvaluationJob, progress?: (done: number, total: number) => void): Promise<EvaluationReport> {
  await selectBackend();
  const model = await deserializeModel(job.files.model);
  const { signature, preprocessing } = job.files;
  const loaded = { model, signature, preprocessing };
  const predict = async (part: number[]) => {
    if (!job.images) return predictRows(loaded, part.map((i) => job.rows[i]));
    const [h, w, c] = job.images.shape;
    const per = h * w * c;
    const x = new Float32Array(part.length * per);
    part.forEach((i, j) => x.set(job.images!.x.subarray(i * per, (i + 1) * per), j * per));
    return decodeOutputs(signature, preprocessing, await predictEncoded(loaded, x, part.length, job.images.shape), part.length);
  };
  try {
    const n = job.targets.length;
    const notes: string[] = [];
    // Which rows can be scored: a target is needed (and, for classification, one the model knows).
    const keep: number[] = [];
    const unknown = new Map<string, number>();
    let missing = 0;
    const labels = signature.task === 'classification' ? (signature.labels ?? []) : [];
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const actualClass: number[] = [];
    const actualValue: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = job.targets[i];
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
    if (missing > 0) notes.push(`${missing} row(s) without a ${signature.target} value were left out`);
    if (unknown.size > 0) {
      const listed = [...unknown.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([l, c]) => `"${l}" (${c})`);
      notes.push(`${[...unknown.values()].reduce((a, b) => a + b, 0)} row(s) with classes the model was not trained on were left out: ${listed.join(', ')}`);
    }
    if (keep.length === 0) {
      throw new LatheError('INVALID_INPUT', `No row of this dataset version can be scored: ${notes.join('; ') || 'it has no rows'}`, { where: 'data' });
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
    let positiveClass: number | undefined;
    if (job.positive !== null) {
      if (signature.task !== 'classification') throw new LatheError('INVALID_INPUT', 'A positive class applies to classification; this model does regression', { where: 'positive' });
      const idx = labelIndex.get(job.positive);
      if (idx === undefined) throw new LatheError('INVALID_INPUT', `"${job.positive}" is not one of the model's classes (${labels.join(', ')})`, { where: 'positive' });
      if (k !== 2) throw new LatheError('INVALID_INPUT', `A positive class needs a binary model; this one has ${k} classes`, { where: 'positive' });
      positiveClass = idx;
    }
    const predictions: Predictions =
      signature.task === 'classification'
        ? { task: 'classification', classes: labels, actual: Int32Array.from(actualClass), probs, positiveClass }
        : { task: 'regression', actual: Float64Array.from(actualValue), predicted };
    const report = buildReport(predictions, {
      cost: job.cost ?? undefined,
      slice: job.slice ? { column: job.slice.column, values: keep.map((i) => (job.slice as { values: (string | null)[] }).values[i]), top: job.slice.top } : undefined,
      skippedRows: n - m,
    });
    return { ...report, notes };
  } finally {
    model.dispose();
  }
}

import type { CellValue, ColumnType, TableProfile } from '../../../shared/datasets';
import {
  HEADLINE_DIRECTION,
  type Evaluation,
  type EvaluationComparison,
  type EvaluationReport,
  type EvaluationSpec,
  type EvaluationSplit,
  type EvaluationSummary,
  type MetricInterval,
  type MetricsReport,
  type PairedComparison,
  type RowSelection,
} from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import { newId, newUuid } from '../ids';
import type { ModelSignature, Preprocessing } from '../../../shared/training';
import type { Db } from '../db/connection';
import { DatasetsRepo, type VersionRow } from '../db/datasetsRepo';
import { EvaluationsRepo, type EvaluationListRow, type EvaluationRow } from '../db/evaluationsRepo';
import { resolveRef } from '../datasets/refs';
import { VersionReader } from '../datasets/versionReader';
import type { EventBus } from '../events';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import { readModelFiles } from '../training/modelArtifact';
import { decodeImage } from '../training/images';
import { cellToCategory } from '../training/preprocessing';
import { runWorker, WorkerStartError } from '../workers/runWorker';
import { SplitsRepo } from '../db/splitsRepo';
import { loadMembership, partOf, rowsOf, type SplitMembership } from '../training/membership';
import { pairedBootstrap } from './bootstrap';
import { decodeCases, PAIRED_METRICS, type ScoredCases } from './cases';
import { scoreEvaluation, type EvaluationJob, type JobRows, type ScoredEvaluation } from './job';
import { fileKey, findOverlap, rowKey } from './overlap';

/**
 * Evaluations: a run's model scored on a dataset version. The main thread checks the request
 * (run, model, data, schema), reads the rows and stores the result; predicting and the metrics run in
 * a worker thread (inline when a worker cannot start, as imports do).
 */

/** Which dataset column types a model trained on a column of type `trained` can read. */
function compatible(trained: ColumnType, found: ColumnType, pre: Preprocessing | undefined, column: string): boolean {
  if (trained === found) return true;
  const f = pre?.kind === 'table' ? pre.features.find((x) => x.column === column) : undefined;
  if (f?.kind === 'numeric') return (trained === 'numeric' && found === 'boolean') || (trained === 'boolean' && found === 'numeric');
  // Categories are read as text: any column whose values read as text works, except numbers read
  // where words were learned (every value would fall in the unknown bucket).
  return !(found === 'numeric' && (trained === 'categorical' || trained === 'text'));
}

export function checkSchema(signature: ModelSignature, preprocessing: Preprocessing, profile: TableProfile, dataRef: string): void {
  if (signature.inputs.kind !== 'table') return;
  const types = new Map(profile.columns.map((c) => [c.name, c.type]));
  const missing = signature.inputs.columns.filter((c) => !types.has(c.name));
  const mistyped = signature.inputs.columns.filter((c) => types.has(c.name) && !compatible(c.type, types.get(c.name) as ColumnType, preprocessing, c.name));
  const problems: string[] = [];
  if (missing.length) problems.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c.name}" (${c.type})`).join(', ')}`);
  if (mistyped.length) problems.push(`${mistyped.map((c) => `"${c.name}" is ${types.get(c.name)} here but the model was trained on ${c.type}`).join(', ')}`);
  if (!types.has(signature.target)) problems.push(`no target column "${signature.target}"`);
  if (problems.length) {
    throw new LatheError('INVALID_INPUT', `${dataRef} does not fit the model's schema: ${problems.join('; ')}`, {
      where: missing[0]?.name ?? mistyped[0]?.name ?? signature.target,
      hint: `The model reads ${signature.inputs.columns.map((c) => `${c.name}:${c.type}`).join(', ')} and predicts ${signature.target}.`,
    });
  }
}

function summaryOf(row: EvaluationListRow | EvaluationRow): EvaluationSummary {
  const headline = JSON.parse(row.headline_json) as Record<string, number | null>;
  return {
    id: row.id,
    runId: row.run_id,
    runName: row.run_name,
    dataRef: row.data_ref,
    createdAt: row.created_at,
    task: row.task as MetricsReport['task'],
    headline,
    businessValuePer1000: headline.value_per_1000 ?? null,
    split: (row.split ?? 'all') as EvaluationSplit,
    trainingRows: row.training_rows ?? null,
    intervals: JSON.parse(row.intervals_json ?? '{}') as Record<string, MetricInterval>,
  };
}

/** The rows at `idx` of what was read (images: the decoded pixels of those rows). */
function pick(src: JobRows & { sliceValues: (string | null)[] | null }, idx: number[]): JobRows & { sliceValues: (string | null)[] | null } {
  let images = src.images;
  if (images) {
    const per = images.shape[0] * images.shape[1] * images.shape[2];
    const x = new Float32Array(idx.length * per);
    idx.forEach((i, j) => x.set(images!.x.subarray(i * per, (i + 1) * per), j * per));
    images = { x, shape: images.shape };
  }
  return {
    rows: src.images ? [] : idx.map((i) => src.rows[i]),
    images,
    targets: idx.map((i) => src.targets[i]),
    sliceValues: src.sliceValues ? idx.map((i) => (src.sliceValues as (string | null)[])[i]) : null,
  };
}

const SPLIT_WORDS: Record<EvaluationSplit, string> = { test: 'held-out test split', validation: 'validation split', train: 'training split', all: 'all rows' };

/**
 * Runs a job on the compute queue (the training pool, so evaluations share its bounded slots and show
 * in the queue panel). Without one, evaluations start their worker directly.
 */
export type EvaluationQueue = <T>(job: { label: string; run: (signal: AbortSignal) => Promise<T> }) => Promise<T>;

export class EvaluationService {
  readonly repo: EvaluationsRepo;
  private readonly splits: SplitsRepo;
  private readonly datasets: DatasetsRepo;
  private readonly reader: VersionReader;
  private warnedInline = false;

  constructor(
    db: Db,
    private readonly store: ObjectStore,
    private readonly tracking: Tracking,
    private readonly events: EventBus,
    private readonly queue: EvaluationQueue | null = null,
  ) {
    this.repo = new EvaluationsRepo(db);
    this.splits = new SplitsRepo(db);
    this.datasets = new DatasetsRepo(db);
    this.reader = new VersionReader(store, this.datasets);
  }

  /** Reads what the job needs from the version: feature cells in signature order, targets, slice values. */
  private async readRows(signature: ModelSignature, version: Parameters<VersionReader['scan']>[0], slice: string | undefined) {
    if (signature.inputs.kind !== 'table') throw new LatheError('INVALID_INPUT', 'Evaluating image models is not supported yet', { where: 'runId' });
    const columns = await this.reader.columns(version);
    const at = (name: string) => columns.indexOf(name);
    const featureAt = signature.inputs.columns.map((c) => at(c.name));
    const targetAt = at(signature.target);
    const sliceAt = slice === undefined ? -1 : at(slice);
    if (slice !== undefined && sliceAt < 0) {
      throw new LatheError('INVALID_INPUT', `There is no column "${slice}" to slice by`, { where: 'slice', hint: `Columns: ${columns.join(', ')}` });
    }
    const rows: CellValue[][] = [];
    const targets: CellValue[] = [];
    const sliceValues: (string | null)[] = [];
    await this.reader.scan(version, (cells) => {
      rows.push(featureAt.map((i) => cells[i] ?? null));
      targets.push(cells[targetAt] ?? null);
      if (sliceAt >= 0) sliceValues.push(cellToCategory(cells[sliceAt] ?? null));
    });
    return { rows, targets, sliceValues: sliceAt >= 0 ? sliceValues : null };
  }

  /**
   * An image folder: the class of each file (its folder) and every image decoded as the model's
   * preprocessing says (sharp: drop alpha, grayscale or RGB, fill-resize), scaled, HWC. Slices: by class or format.
   */
  private async readImages(pre: Preprocessing, version: Parameters<VersionReader['scan']>[0], slice: string | undefined) {
    if (pre.kind !== 'image') throw new LatheError('INTERNAL', 'An image model without image preprocessing');
    if (slice !== undefined && slice !== 'class' && slice !== 'format') {
      throw new LatheError('INVALID_INPUT', `An image folder can be sliced by "class" or "format", not "${slice}"`, { where: 'slice' });
    }
    const files = this.datasets.files(version.dataset_id, version.id);
    const per = pre.width * pre.height * pre.channels;
    const x = new Float32Array(files.length * per);
    const targets: CellValue[] = [];
    const sliceValues: (string | null)[] = [];
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const meta = JSON.parse(f.meta_json ?? '{}') as { class?: string; format?: string };
      const pixels = await decodeImage(this.store.readBlob(f.blob_hash), pre);
      for (let k = 0; k < per; k++) x[i * per + k] = pixels[k] * pre.scale;
      targets.push(meta.class ?? f.path.split('/')[0]);
      if (slice) sliceValues.push((slice === 'class' ? meta.class : meta.format) ?? null);
    }
    return { rows: [] as CellValue[][], targets, sliceValues: slice ? sliceValues : null, images: { x, shape: [pre.height, pre.width, pre.channels] as [number, number, number] } };
  }

  private async score(job: EvaluationJob, task: string, label: string): Promise<ScoredEvaluation> {
    const onProgress = (p: { done: number; total: number }) => this.events.emit('task.progress', { task, label, phase: 'predicting', done: p.done, total: p.total });
    const inWorker = (signal?: AbortSignal) => runWorker('evaluate', job, { onProgress, signal });
    try {
      return await (this.queue ? this.queue({ label, run: inWorker }) : inWorker());
    } catch (e) {
      if (!(e instanceof WorkerStartError)) throw e;
      if (!this.warnedInline) {
        this.warnedInline = true;
        process.stderr.write(`lathe: evaluating on the main thread (${e.message})\n`);
      }
      return scoreEvaluation(job, (done, total) => onProgress({ done, total }));
    }
  }

  /**
   * Which rows to score. On the run's own training version: its recorded split's `test` rows unless
   * another part is asked for; the validation rows go along to choose the threshold on. On another
   * version: every row, with the rows equal (by content) to the run's training rows counted.
   */
  private async selectRows(
    asked: EvaluationSplit | undefined,
    c: { runName: string; dataRef: string; sameVersion: boolean; membership: (SplitMembership & { versionId: string }) | null; signature: ModelSignature; read: JobRows; version: VersionRow },
  ): Promise<{ positions: number[]; tuning: number[]; selection: RowSelection; notes: string[] }> {
    const { membership, sameVersion } = c;
    const total = c.read.targets.length;
    const notes: string[] = [];
    const split: EvaluationSplit = asked ?? (sameVersion && membership ? 'test' : 'all');
    const all = Array.from({ length: total }, (_, i) => i);
    const base = { split, sameVersion, versionRows: total, membershipSha256: membership?.sha256 ?? null };
    if (split !== 'all' && !sameVersion) {
      throw new LatheError('INVALID_INPUT', `${c.dataRef} is not the version ${c.runName} was trained on, so it has no ${split} split`, {
        where: 'split',
        hint: 'Evaluate every row of it (split all; rows equal to training rows are counted), or evaluate on the training version.',
      });
    }
    if (split !== 'all' && !membership) {
      throw new LatheError('INVALID_INPUT', `${c.runName} recorded no split membership, so its ${split} rows are not known`, {
        where: 'split',
        hint: 'Use split all (the report then says it may include training rows), or re-train the run to record its split.',
      });
    }
    if (sameVersion && membership) {
      if (membership.rows !== total) throw new LatheError('INTERNAL', `The run's split covers ${membership.rows} rows but ${c.dataRef} has ${total}`);
      const positions = split === 'all' ? all : rowsOf(membership, [split]);
      if (positions.length === 0) {
        throw new LatheError('INVALID_INPUT', `${c.runName}'s ${split} split of ${c.dataRef} has no rows`, { where: 'split', hint: split === 'test' ? 'Evaluate its validation split, or train with a test fraction above 0.' : undefined });
      }
      let trainingRows = 0;
      for (const r of positions) if (partOf(membership, r) === 'train') trainingRows++;
      const tuning = split === 'validation' ? [] : rowsOf(membership, ['validation']);
      if (split === 'validation') notes.push('Scored on the validation split: early stopping chose the saved epoch on these rows, so they are not fully held out');
      if (trainingRows > 0) notes.push(`Includes ${trainingRows} row(s) the model was trained on: these numbers are optimistic`);
      const summary = trainingRows > 0 ? `${SPLIT_WORDS[split]}: ${positions.length} of ${total} rows, includes ${trainingRows} training rows` : `${SPLIT_WORDS[split]}: ${positions.length} of ${total} rows`;
      return { positions, tuning, selection: { ...base, selectedRows: positions.length, trainingRows, summary }, notes };
    }
    if (sameVersion) {
      notes.push(`${c.runName} recorded no split: these rows may include the rows it was trained on`);
      return { positions: all, tuning: [], selection: { ...base, selectedRows: total, trainingRows: null, summary: `all ${total} rows; may include training rows (no split recorded)` }, notes };
    }
    const overlap = membership ? await this.overlapWithTraining(c.signature, membership, c.read, c.version) : null;
    if (!overlap) {
      notes.push(`Whether ${c.dataRef} holds rows ${c.runName} was trained on is not known (${membership ? 'its training version cannot be read' : 'it recorded no split'})`);
      return { positions: all, tuning: [], selection: { ...base, selectedRows: total, trainingRows: null, summary: `all ${total} rows; overlap with training rows unknown` }, notes };
    }
    const trainingRows = overlap.matchingRows.filter(Boolean).length;
    const contains = `${c.dataRef} contains ${overlap.trainingRowsFound} of the ${overlap.trainingRowsTotal} training ${c.signature.inputs.kind === 'image' ? 'images' : 'rows'}`;
    if (trainingRows > 0) notes.push(`${contains}: ${trainingRows} scored row(s) are rows the model was trained on, so these numbers are optimistic`);
    return {
      positions: all,
      tuning: [],
      selection: {
        ...base,
        selectedRows: total,
        trainingRows,
        overlap: { trainingRowsFound: overlap.trainingRowsFound, trainingRowsTotal: overlap.trainingRowsTotal },
        summary: trainingRows > 0 ? `all ${total} rows; ${contains}; includes ${trainingRows} training rows` : `all ${total} rows; none is a training row`,
      },
      notes,
    };
  }

  /**
   * The run's training rows (read from its training version) against the rows read, by content: a table
   * row by its cells, an image by its file's content hash, each with its target. Null when that version is gone.
   */
  private async overlapWithTraining(signature: ModelSignature, membership: SplitMembership & { versionId: string }, read: JobRows, version: VersionRow) {
    let trainVersion;
    try {
      trainVersion = resolveRef(this.datasets, `${signature.dataset}@${membership.versionId}`).version;
    } catch {
      return null;
    }
    if (trainVersion.id !== membership.versionId) return null;
    if (signature.inputs.kind === 'image') {
      // Files in the order training and readImages take them (by path): membership row i is file i.
      const trainFiles = this.datasets.files(trainVersion.dataset_id, trainVersion.id);
      if (trainFiles.length !== membership.rows) return null;
      const keys = rowsOf(membership, ['train']).map((r) => fileKey(trainFiles[r]));
      return findOverlap(keys, this.datasets.files(version.dataset_id, version.id).map(fileKey));
    }
    const train = await this.readRows(signature, trainVersion, undefined);
    const keys = rowsOf(membership, ['train']).map((r) => rowKey(train.rows[r], train.targets[r]));
    return findOverlap(keys, read.rows.map((row, i) => rowKey(row, read.targets[i])));
  }

  async run(spec: EvaluationSpec): Promise<Evaluation> {
    const started = Date.now();
    const run = this.tracking.runs.get(spec.runId);
    const files = readModelFiles(this.tracking.runs.artifacts, spec.runId);
    const { signature, preprocessing } = files;
    const { dataset, version } = resolveRef(this.datasets, spec.data);
    const dataRef = `${dataset.name}@v${version.number}`;
    const profile = JSON.parse(version.profile_json) as TableProfile | { kind: 'images' };
    if (signature.inputs.kind === 'image' && profile.kind !== 'images') {
      throw new LatheError('INVALID_INPUT', `${dataRef} is a table; this model reads an image folder`, { where: 'data' });
    }
    if (signature.inputs.kind === 'table' && profile.kind !== 'table') {
      throw new LatheError('INVALID_INPUT', `${dataRef} is an image folder; this model reads a table`, { where: 'data' });
    }
    if (profile.kind === 'table') checkSchema(signature, preprocessing, profile, dataRef);
    if (spec.positive !== undefined && signature.task === 'classification' && !(signature.labels ?? []).includes(spec.positive)) {
      throw new LatheError('INVALID_INPUT', `"${spec.positive}" is not one of the model's classes (${(signature.labels ?? []).join(', ')})`, { where: 'positive' });
    }
    const read = profile.kind === 'images' ? await this.readImages(preprocessing, version, spec.slice) : { ...(await this.readRows(signature, version, spec.slice)), images: null };
    const membership = loadMembership(this.splits, run.id);
    const plan = await this.selectRows(spec.split, { runName: run.name, dataRef, sameVersion: signature.dataVersion === version.id, membership, signature, read, version });
    const chosen = pick(read, plan.positions);
    const task = newUuid();
    const scored = await this.score(
      {
        files,
        rows: chosen.rows,
        images: chosen.images,
        targets: chosen.targets,
        positions: plan.positions,
        tuning: plan.tuning.length > 0 ? pick(read, plan.tuning) : null,
        slice: chosen.sliceValues && spec.slice ? { column: spec.slice, values: chosen.sliceValues, top: spec.sliceTop } : null,
        cost: spec.cost ?? null,
        positive: spec.positive ?? null,
        bootstrap: { resamples: spec.resamples, seed: spec.seed },
      },
      task,
      `Evaluating ${run.name} on ${dataRef} (${SPLIT_WORDS[plan.selection.split]})`,
    );
    const report: EvaluationReport = { ...scored.report, selection: plan.selection, notes: [...(scored.report.notes ?? []), ...plan.notes] };
    const id = newId();
    const createdAt = Date.now();
    this.repo.insert({
      id,
      runId: run.id,
      datasetId: dataset.id,
      versionId: version.id,
      dataRef,
      task: report.task,
      createdAt,
      durationMs: createdAt - started,
      spec: JSON.stringify(spec),
      headline: JSON.stringify(report.headline),
      report: JSON.stringify(report),
      split: plan.selection.split,
      trainingRows: plan.selection.trainingRows,
      intervals: JSON.stringify(report.intervals ?? {}),
      cases: Buffer.from(scored.cases.buffer, scored.cases.byteOffset, scored.cases.byteLength),
    });
    this.events.emit('evaluations.changed', { id, runId: run.id, change: 'created' });
    return this.get(id);
  }

  get(id: string): Evaluation {
    const row = this.repo.get(id);
    if (!row) throw new LatheError('NOT_FOUND', `No evaluation with id "${id}"`, { where: 'id' });
    return {
      id: row.id,
      runId: row.run_id,
      runName: row.run_name,
      datasetId: row.dataset_id,
      versionId: row.version_id,
      dataRef: row.data_ref,
      createdAt: row.created_at,
      durationMs: row.duration_ms,
      spec: JSON.parse(row.spec_json) as EvaluationSpec,
      report: JSON.parse(row.report_json) as EvaluationReport,
      split: (row.split ?? 'all') as EvaluationSplit,
      trainingRows: row.training_rows ?? null,
    };
  }

  list(i: { runId?: string; data?: string; offset: number; limit: number }): EvaluationSummary[] {
    if (i.runId !== undefined) this.tracking.runs.requireRun(i.runId);
    const versionId = i.data !== undefined ? resolveRef(this.datasets, i.data).version.id : undefined;
    return this.repo.list({ runId: i.runId, versionId }, i.limit, i.offset).map(summaryOf);
  }

  compare(ids: string[]): EvaluationComparison {
    const evaluations = ids.map((id) => {
      const row = this.repo.get(id);
      if (!row) throw new LatheError('NOT_FOUND', `No evaluation with id "${id}"`, { where: 'ids' });
      return summaryOf(row);
    });
    const metrics: string[] = [];
    for (const e of evaluations) for (const k of Object.keys(e.headline)) if (!metrics.includes(k)) metrics.push(k);
    const best: Record<string, number | null> = {};
    for (const k of metrics) {
      const dir = HEADLINE_DIRECTION[k];
      let bestAt: number | null = null;
      evaluations.forEach((e, i) => {
        const v = e.headline[k];
        if (v === null || v === undefined || dir === undefined) return;
        const b = bestAt === null ? null : evaluations[bestAt].headline[k];
        if (b === null || b === undefined || (dir === 'max' ? v > b : v < b)) bestAt = i;
      });
      best[k] = bestAt;
    }
    const { paired, unpaired } = this.pairAgainstFirst(ids);
    return { evaluations, metrics, best, paired, unpaired };
  }

  /**
   * Each later evaluation against the first by a paired bootstrap on the rows both scored (same dataset
   * version, same row positions): is the difference of accuracy, log loss (or MAE, RMSE) inside the noise?
   */
  private pairAgainstFirst(ids: string[]): { paired: PairedComparison[]; unpaired: { index: number; reason: string }[] } {
    const paired: PairedComparison[] = [];
    const unpaired: { index: number; reason: string }[] = [];
    const rows = ids.map((id) => this.repo.get(id) as EvaluationRow);
    const casesOf = (i: number): ScoredCases | null => {
      const b = this.repo.cases(ids[i]);
      return b ? decodeCases(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) : null;
    };
    const first = casesOf(0);
    for (let j = 1; j < ids.length; j++) {
      const other = casesOf(j);
      const reason =
        !first || !other ? 'made before per-row cases were kept' : rows[j].version_id !== rows[0].version_id ? 'scored another dataset version' : other.task !== first.task ? 'a different task' : null;
      if (reason || !first || !other) {
        unpaired.push({ index: j, reason: reason ?? 'no cases' });
        continue;
      }
      const at = new Map<number, number>();
      first.rows.forEach((r, i) => at.set(r, i));
      const common: [number, number][] = [];
      other.rows.forEach((r, i) => {
        const k = at.get(r);
        if (k !== undefined) common.push([k, i]);
      });
      if (common.length === 0) {
        unpaired.push({ index: j, reason: 'no rows in common' });
        continue;
      }
      const spec = JSON.parse(rows[0].spec_json) as EvaluationSpec;
      for (const [metric, m] of Object.entries(PAIRED_METRICS)) {
        if (m.task !== first.task) continue;
        const a = Float64Array.from(common, ([k]) => m.value(first, k));
        const b = Float64Array.from(common, ([, i]) => m.value(other, i));
        const finish = m.finish;
        const stat = finish ? (v: ArrayLike<number>, w: Uint32Array) => {
          let s = 0;
          for (let i = 0; i < v.length; i++) s += w[i] * v[i];
          return finish(s / v.length);
        } : 'mean' as const;
        const r = pairedBootstrap(a, b, stat, { resamples: spec.resamples || 1000, seed: spec.seed ?? 1 });
        const dir = HEADLINE_DIRECTION[metric];
        const better = r.inNoise || r.delta === null ? null : (r.delta > 0) === (dir === 'max') ? 'a' : 'b';
        paired.push({ a: 0, b: j, metric, rows: common.length, delta: r.delta, lo: r.lo, hi: r.hi, inNoise: r.inNoise, better });
      }
    }
    return { paired, unpaired };
  }

  remove(id: string): { removed: boolean } {
    const row = this.repo.get(id);
    const removed = this.repo.remove(id);
    if (removed && row) this.events.emit('evaluations.changed', { id, runId: row.run_id, change: 'deleted' });
    return { removed };
  }
}

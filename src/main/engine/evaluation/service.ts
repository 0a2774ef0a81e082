import { randomUUID } from 'node:crypto';
import type { CellValue, ColumnType, TableProfile } from '../../../shared/datasets';
import {
  HEADLINE_DIRECTION,
  type Evaluation,
  type EvaluationComparison,
  type EvaluationReport,
  type EvaluationSpec,
  type EvaluationSummary,
  type MetricsReport,
} from '../../../shared/evaluation';
import { LatheError } from '../../../shared/errors';
import type { ModelSignature, Preprocessing } from '../../../shared/training';
import type { Db } from '../db/connection';
import { DatasetsRepo } from '../db/datasetsRepo';
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
import { scoreEvaluation, type EvaluationJob } from './job';

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
  };
}

/**
 * Runs a job on the compute queue (the training pool, so evaluations share its bounded slots and show
 * in the queue panel). Without one, evaluations start their worker directly.
 */
export type EvaluationQueue = <T>(job: { label: string; run: (signal: AbortSignal) => Promise<T> }) => Promise<T>;

export class EvaluationService {
  readonly repo: EvaluationsRepo;
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

  private async score(job: EvaluationJob, task: string, label: string): Promise<EvaluationReport> {
    const onProgress = (p: { done: number; total: number }) => this.events.emit('task.progress', { task, label, phase: 'predicting', done: p.done, total: p.total });
    const inWorker = (signal?: AbortSignal) => runWorker<EvaluationJob, EvaluationReport, { done: number; total: number }>('evaluate', job, { onProgress, signal });
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
    const { rows, targets, sliceValues, images } = profile.kind === 'images' ? await this.readImages(preprocessing, version, spec.slice) : { ...(await this.readRows(signature, version, spec.slice)), images: null };
    const task = randomUUID();
    const report = await this.score(
      {
        files,
        rows,
        images,
        targets,
        slice: sliceValues && spec.slice ? { column: spec.slice, values: sliceValues, top: spec.sliceTop } : null,
        cost: spec.cost ?? null,
        positive: spec.positive ?? null,
      },
      task,
      `Evaluating ${run.name} on ${dataRef}`,
    );
    const id = randomUUID().replace(/-/g, '');
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
    return { evaluations, metrics, best };
  }

  remove(id: string): { removed: boolean } {
    const row = this.repo.get(id);
    const removed = this.repo.remove(id);
    if (removed && row) this.events.emit('evaluations.changed', { id, runId: row.run_id, change: 'deleted' });
    return { removed };
  }
}

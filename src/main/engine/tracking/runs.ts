import type { ParsedInput } from '../../../shared/contract';
import { LatheError } from '../../../shared/errors';
import { newId } from '../ids';
import { parseOrderBy, parseRunQuery } from '../../../shared/runQuery';
import {
  decodeMetricValue,
  encodeMetricValue,
  keyProblem,
  type MetricHistory,
  type MetricSummary,
  type Run,
  type RunComparison,
  type RunEnvironment,
  type RunPage,
  type RunSource,
  type RunStatus,
} from '../../../shared/tracking';
import type { LatestMetricRow, RunRow, TrackingRepo } from '../db/trackingRepo';
import type { EventBus } from '../events';
import type { ObjectStore } from '../store/objectStore';
import { RunArtifacts } from './artifacts';
import { downsampleIndices } from './downsample';
import type { ExperimentService } from './experiments';
import { MetricsWriter, type FlushedRun } from './metricsWriter';
import { compileRunSearch } from '../db/runSearchSql';

const TERMINAL = new Set<RunStatus>(['finished', 'failed', 'killed']);

function summary(m: LatestMetricRow): MetricSummary {
  return {
    last: encodeMetricValue(m.last === null ? NaN : m.last),
    min: m.min === null ? null : encodeMetricValue(m.min),
    max: m.max === null ? null : encodeMetricValue(m.max),
    step: m.step,
    timestamp: m.timestamp,
    count: m.count,
  };
}

/** Runs: create, log (batched), find, compare, trash and restore. */
export class RunService {
  readonly writer: MetricsWriter;
  readonly artifacts: RunArtifacts;

  constructor(
    private readonly repo: TrackingRepo,
    store: ObjectStore,
    private readonly experiments: ExperimentService,
    private readonly events: EventBus,
  ) {
    this.writer = new MetricsWriter(repo, (runs) => this.announceMetrics(runs));
    this.artifacts = new RunArtifacts(repo, store);
  }

  private announceMetrics(runs: FlushedRun[]): void {
    for (const r of runs) {
      const last: Record<string, ReturnType<typeof encodeMetricValue>> = {};
      const step: Record<string, number> = {};
      for (const [k, v] of r.last) {
        last[k] = encodeMetricValue(v.value);
        step[k] = v.step;
      }
      this.events.emit('runs.metrics', { runId: r.runId, keys: [...r.last.keys()], last, step });
    }
  }

  private changed(runIds: string[], change: 'created' | 'updated' | 'deleted' | 'restored' | 'purged' | 'params' | 'tags' | 'inputs' | 'artifacts'): void {
    this.events.emit('runs.changed', { runIds, change });
  }

  // Reading -------------------------------------------------------------------------------------

  /** Full runs for ids, in order: params, tags, metric summaries and inputs in four queries. */
  hydrate(rows: RunRow[]): Run[] {
    if (rows.length === 0) return [];
    this.writer.flush();
    const ids = rows.map((r) => r.id);
    const runs = new Map<string, Run>();
    const now = Date.now();
    for (const r of rows) {
      let environment: RunEnvironment = {};
      try {
        environment = JSON.parse(r.environment_json) as RunEnvironment;
      } catch {
        environment = {};
      }
      runs.set(r.id, {
        id: r.id,
        experimentId: r.experiment_id,
        experimentName: r.experiment_name,
        name: r.name,
        status: r.status as RunStatus,
        source: r.source as RunSource,
        startTime: r.start_time,
        endTime: r.end_time,
        duration: (r.end_time ?? now) - r.start_time,
        notes: r.notes,
        lifecycle: r.deleted_at === null ? 'active' : 'deleted',
        deletedAt: r.deleted_at,
        environment,
        params: {},
        tags: {},
        metrics: {},
        inputs: [],
      });
    }
    for (const p of this.repo.paramsFor(ids)) runs.get(p.run_id)!.params[p.key] = p.value;
    for (const t of this.repo.tagsFor(ids)) runs.get(t.run_id)!.tags[t.key] = t.value;
    for (const m of this.repo.latestFor(ids)) runs.get(m.run_id)!.metrics[m.key] = summary(m);
    for (const i of this.repo.inputsFor(ids)) {
      runs.get(i.run_id)!.inputs.push({ kind: 'dataset_version', id: i.version_id, dataset: i.dataset ?? undefined, number: i.number ?? undefined });
    }
    return ids.map((id) => runs.get(id)!);
  }

  private row(id: string): RunRow {
    const r = this.repo.run(id);
    if (!r) throw new LatheError('NOT_FOUND', `No run with id "${id}"`, { where: 'id' });
    return r;
  }

  get(id: string): Run {
    return this.hydrate([this.row(id)])[0];
  }

  /** Throws NOT_FOUND unless the run exists (in the trash or not). */
  requireRun(id: string): void {
    this.row(id);
  }

  /** Stores a file as an artifact of a running run (streamed: large files do not sit in memory). */
  async putArtifactFile(runId: string, rel: string, file: string): Promise<void> {
    this.checkLoggable(runId, 'artifacts');
    await this.artifacts.putFile(runId, rel, file);
    this.changed([runId], 'artifacts');
  }

  search(i: ParsedInput<'runs.search'>): RunPage {
    this.writer.flush();
    const q = parseRunQuery(i.query);
    const order = i.orderBy !== undefined ? parseOrderBy(i.orderBy) : null;
    let experimentIds = i.experimentIds;
    if (i.experiment !== undefined) experimentIds = [...(experimentIds ?? []), this.experiments.getByName(i.experiment).id];
    const compiled = compileRunSearch(q, order, { experimentIds, lifecycle: i.lifecycle });
    const { ids, total } = this.repo.searchRunIds(compiled, i.limit, i.offset);
    const runs = this.hydrate(this.repo.runsByIds(ids));
    const next = i.offset + ids.length;
    return { runs, total, offset: i.offset, nextOffset: next < total ? next : null };
  }

  keys(): { metrics: string[]; params: string[]; tags: string[] } {
    this.writer.flush();
    return this.repo.keys();
  }

  // Writing -------------------------------------------------------------------------------------

  create(i: ParsedInput<'runs.create'>): Run {
    const exp = this.experiments.resolveForRun(i.experimentId, i.experiment);
    for (const v of i.inputs) {
      if (!this.repo.datasetVersionExists(v)) throw new LatheError('NOT_FOUND', `No dataset version with id "${v}"`, { where: 'inputs' });
    }
    const id = newId();
    const startTime = i.startTime ?? Date.now();
    this.repo.transaction(() => {
      this.repo.insertRun({
        id,
        experimentId: exp.id,
        name: i.name ?? defaultRunName(id),
        status: 'running',
        source: i.source,
        startTime,
        notes: i.notes,
        environment: JSON.stringify(i.environment ?? {}),
      });
      for (const [k, v] of Object.entries(i.params)) this.repo.insertParam(id, k, v);
      for (const [k, v] of Object.entries(i.tags)) this.repo.setTag(id, k, v);
      const now = new Date().toISOString();
      for (const v of i.inputs) this.repo.addInput(v, id, now);
    });
    this.changed([id], 'created');
    return this.get(id);
  }

  setEnvironment(id: string, env: RunEnvironment): void {
    this.row(id);
    this.repo.setEnvironment(id, JSON.stringify(env));
  }

  update(i: ParsedInput<'runs.update'>): Run {
    const r = this.row(i.id);
    if (r.deleted_at !== null) throw this.trashed(i.id, 'changed');
    const status = i.status;
    let endTime = i.endTime;
    let clearEnd = false;
    if (status !== undefined && TERMINAL.has(status) && endTime === undefined && r.end_time === null) endTime = Date.now();
    if (status === 'running' && TERMINAL.has(r.status as RunStatus)) {
      // Resuming a run (MLflow's start_run(run_id=...)) opens it again.
      clearEnd = true;
      endTime = undefined;
    }
    if (endTime !== undefined && endTime < r.start_time) {
      throw new LatheError('INVALID_INPUT', `The end time ${endTime} is before the run's start time ${r.start_time}`, { where: 'endTime' });
    }
    if (status !== undefined && TERMINAL.has(status)) this.writer.flush();
    this.repo.updateRun(i.id, { name: i.name, status, endTime, clearEnd, notes: i.notes });
    this.changed([i.id], 'updated');
    return this.get(i.id);
  }

  private trashed(id: string, what: string): LatheError {
    return new LatheError('INVALID_INPUT', `Run ${id} is in the trash and cannot be ${what}`, {
      where: 'runId',
      hint: 'Restore it first (`lathe runs restore <id>`).',
    });
  }

  /**
   * A run that takes metrics, params and artifacts: exists and is not in the trash. Ended runs take
   * them too, as in MLflow: clients log test metrics and reports after the training loop has ended the
   * run (params stay write-once whatever the status).
   */
  checkLoggable(runId: string, what: string): void {
    const s = this.repo.runState(runId);
    if (!s) throw new LatheError('NOT_FOUND', `No run with id "${runId}"`, { where: 'runId' });
    if (s.deleted_at !== null) throw this.trashed(runId, `given ${what}`);
  }

  private checkExists(runId: string): void {
    const s = this.repo.runState(runId);
    if (!s) throw new LatheError('NOT_FOUND', `No run with id "${runId}"`, { where: 'runId' });
    if (s.deleted_at !== null) throw this.trashed(runId, 'changed');
  }

  /** One call = one batch = one transaction. Points without a step get the key's next step. */
  logMetrics(runId: string, points: ParsedInput<'runs.logMetrics'>['metrics']): { written: number } {
    this.checkLoggable(runId, 'metrics');
    const n = points.length;
    if (n === 0) return { written: 0 };
    const keys = new Array<string>(n);
    const values = new Array<number>(n);
    const steps = new Array<number>(n);
    const timestamps = new Array<number>(n);
    const now = Date.now();
    const next = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const p = points[i];
      keys[i] = p.key;
      values[i] = decodeMetricValue(p.value) as number;
      let step = p.step;
      if (step === undefined) {
        step = next.get(p.key) ?? this.writer.nextStep(runId, p.key);
      }
      next.set(p.key, step + 1);
      steps[i] = step;
      timestamps[i] = p.timestamp ?? now;
    }
    this.writer.flush(); // keep order with anything buffered for this run
    this.writer.writeNow(runId, keys, values, steps, timestamps);
    return { written: n };
  }

  /**
   * The in-process logger for scripts and trainers: points are buffered and written in batches
   * (by size, every 200 ms, and on `flush`/run end). Keys are checked once per key.
   */
  logger(runId: string): { log(key: string, value: number, step?: number, timestamp?: number): void; flush(): void } {
    this.checkLoggable(runId, 'metrics');
    const checked = new Set<string>();
    const w = this.writer;
    return {
      log(key, value, step, timestamp) {
        if (!checked.has(key)) {
          const p = keyProblem(key);
          if (p) throw new LatheError('INVALID_INPUT', `Metric key "${key.slice(0, 60)}": ${p}`, { where: 'key' });
          checked.add(key);
        }
        w.add(runId, key, value, step ?? w.nextStep(runId, key), timestamp ?? Date.now());
      },
      flush: () => w.flush(),
    };
  }

  /** Params are written once: the same value again is fine, another value is refused (all or nothing). */
  logParams(runId: string, params: Record<string, string>): { written: number } {
    this.checkLoggable(runId, 'params');
    let written = 0;
    this.repo.transaction(() => {
      for (const [k, v] of Object.entries(params)) {
        const existing = this.repo.param(runId, k);
        if (existing === undefined) {
          this.repo.insertParam(runId, k, v);
          written++;
        } else if (existing !== v) {
          throw new LatheError(
            'INVALID_INPUT',
            `Param "${k}" of run ${runId} was already logged as "${existing.slice(0, 200)}"; params are written once and cannot change to "${v.slice(0, 200)}"`,
            { where: `params.${k}`, hint: 'Log the new value under another key, or start a new run.' },
          );
        }
      }
    });
    if (written > 0) this.changed([runId], 'params');
    return { written };
  }

  /** Tags annotate: they may change after a run ended (not while it is in the trash). */
  setTags(runId: string, tags: Record<string, string>, remove: string[]): { written: number } {
    this.checkExists(runId);
    let written = 0;
    this.repo.transaction(() => {
      for (const [k, v] of Object.entries(tags)) {
        this.repo.setTag(runId, k, v);
        written++;
      }
      for (const k of remove) if (this.repo.deleteTag(runId, k)) written++;
    });
    this.changed([runId], 'tags');
    return { written };
  }

  logInputs(runId: string, versions: string[]): { written: number } {
    this.checkExists(runId);
    for (const v of versions) {
      if (!this.repo.datasetVersionExists(v)) throw new LatheError('NOT_FOUND', `No dataset version with id "${v}"`, { where: 'datasetVersions' });
    }
    const now = new Date().toISOString();
    this.repo.transaction(() => versions.forEach((v) => this.repo.addInput(v, runId, now)));
    this.changed([runId], 'inputs');
    return { written: versions.length };
  }

  delete(ids: string[], restore: boolean): { count: number } {
    for (const id of ids) this.row(id);
    const now = Date.now();
    let count = 0;
    this.repo.transaction(() => {
      for (const id of ids) {
        const r = this.repo.runState(id)!;
        if (restore ? r.deleted_at !== null : r.deleted_at === null) {
          this.repo.setRunDeleted(id, restore ? null : now);
          count++;
        }
      }
    });
    this.changed(ids, restore ? 'restored' : 'deleted');
    return { count };
  }

  /** Removes trashed runs for good. Only runs already in the trash are purged. */
  purge(ids: string[] | undefined, olderThanDays: number): { purged: number } {
    const cutoff = Date.now() - olderThanDays * 86_400_000;
    let targets: string[];
    if (ids) {
      for (const id of ids) {
        const r = this.row(id);
        if (r.deleted_at === null) throw new LatheError('INVALID_INPUT', `Run ${id} is not in the trash; delete it first`, { where: 'ids' });
      }
      targets = ids;
    } else targets = this.repo.trashedRuns(cutoff);
    this.writer.flush();
    this.repo.transaction(() => targets.forEach((id) => this.repo.purgeRun(id)));
    for (const id of targets) this.writer.forgetRun(id);
    if (targets.length) this.changed(targets, 'purged');
    return { purged: targets.length };
  }

  metricHistory(i: ParsedInput<'runs.metricHistory'>): MetricHistory {
    this.row(i.runId);
    this.writer.flush();
    const sid = this.repo.seriesId(i.runId, i.key);
    const empty: MetricHistory = { runId: i.runId, key: i.key, steps: [], timestamps: [], values: [], total: 0, downsampled: false };
    if (sid === undefined) {
      throw new LatheError('NOT_FOUND', `Run ${i.runId} has no metric "${i.key}"`, { where: 'key' });
    }
    const range =
      i.stepFrom !== undefined || i.stepTo !== undefined
        ? { from: i.stepFrom ?? Number.MIN_SAFE_INTEGER, to: i.stepTo ?? Number.MAX_SAFE_INTEGER }
        : undefined;
    // Long series: reduce to the minimum and maximum point of each of maxPoints/2 step buckets inside
    // SQLite (at most maxPoints points: no LTTB after, so every bucket's extremes are drawn and a spike
    // is never dropped). A whole series is sized from its key's ends and its count, without a scan.
    let rows: [number, number, number | null][];
    let total: number | undefined;
    if (i.maxPoints !== undefined) {
      const r = range ? this.repo.stepRange(sid, range.from, range.to) : this.repo.seriesSpan(sid);
      if (r.count > Math.max(4 * i.maxPoints, 20_000) && r.min !== null && r.max !== null) {
        // Two points left for the range's first and last point, so the line spans the whole range.
        const width = Math.max(1, Math.ceil((r.max - r.min + 1) / Math.max(1, Math.floor(i.maxPoints / 2) - 1)));
        rows = this.repo.bucketExtremes(sid, r.min, r.max, width);
        const [head, tail] = [this.repo.pointAt(sid, r.min), this.repo.pointAt(sid, r.max)];
        if (head && rows.length && rows[0][0] !== head[0]) rows.unshift(head);
        if (tail && rows.length && rows[rows.length - 1][0] !== tail[0]) rows.push(tail);
        total = r.count;
      } else rows = this.repo.history(sid, range);
    } else rows = this.repo.history(sid, range);
    const n = rows.length;
    if (n === 0) return empty;
    if (total !== undefined && n <= (i.maxPoints as number)) {
      return {
        runId: i.runId,
        key: i.key,
        steps: rows.map((r) => r[0]),
        timestamps: rows.map((r) => r[1]),
        values: rows.map((r) => (r[2] === null ? 'NaN' : encodeMetricValue(r[2]))),
        total,
        downsampled: true,
      };
    }
    if (i.maxPoints === undefined || n <= i.maxPoints) {
      const steps = new Array<number>(n);
      const timestamps = new Array<number>(n);
      const values = new Array<ReturnType<typeof encodeMetricValue>>(n);
      for (let k = 0; k < n; k++) {
        const r = rows[k];
        steps[k] = r[0];
        timestamps[k] = r[1];
        values[k] = r[2] === null ? 'NaN' : encodeMetricValue(r[2]);
      }
      return { runId: i.runId, key: i.key, steps, timestamps, values, total: n, downsampled: false };
    }
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      xs[k] = rows[k][0];
      const v = rows[k][2];
      ys[k] = v === null ? NaN : v;
    }
    const keep = downsampleIndices(xs, ys, i.maxPoints);
    const steps: number[] = [];
    const timestamps: number[] = [];
    const values: ReturnType<typeof encodeMetricValue>[] = [];
    for (const k of keep) {
      steps.push(rows[k][0]);
      timestamps.push(rows[k][1]);
      values.push(encodeMetricValue(ys[k]));
    }
    return { runId: i.runId, key: i.key, steps, timestamps, values, total: total ?? n, downsampled: true };
  }

  /** Raw points, paged (the MLflow door's get-history). */
  historyPage(runId: string, key: string, limit: number, offset: number): { step: number; timestamp: number; value: number }[] {
    this.row(runId);
    this.writer.flush();
    const sid = this.repo.seriesId(runId, key);
    if (sid === undefined) return [];
    return this.repo.historyPage(sid, limit, offset).map((r) => ({ step: r[0], timestamp: r[1], value: r[2] === null ? NaN : r[2] }));
  }

  compare(ids: string[]): RunComparison {
    const unique = [...new Set(ids)];
    if (unique.length < 2) throw new LatheError('INVALID_INPUT', 'Compare needs at least two different runs', { where: 'ids' });
    const rows = unique.map((id) => this.row(id));
    const runs = this.hydrate(rows);
    const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
    const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    return {
      runs,
      params: paramKeys.map((key) => {
        const values = runs.map((r) => r.params[key] ?? null);
        return { key, values, differs: values.some((v) => v !== values[0]) };
      }),
      metrics: metricKeys.map((key) => ({ key, values: runs.map((r) => r.metrics[key] ?? null) })),
    };
  }
}

const ADJECTIVES = ['amber', 'brisk', 'calm', 'deft', 'eager', 'fleet', 'gentle', 'hardy', 'keen', 'lucid', 'mellow', 'nimble', 'quiet', 'rapid', 'steady', 'vivid'];
const NOUNS = ['badger', 'crane', 'falcon', 'heron', 'lynx', 'marten', 'otter', 'pike', 'raven', 'stoat', 'swift', 'wren'];

/** A readable default name, derived from the id so it is stable: `steady-heron-3f2a`. */
function defaultRunName(id: string): string {
  const a = Number.parseInt(id.slice(0, 4), 16);
  const b = Number.parseInt(id.slice(4, 8), 16);
  return `${ADJECTIVES[a % ADJECTIVES.length]}-${NOUNS[b % NOUNS.length]}-${id.slice(8, 12)}`;
}

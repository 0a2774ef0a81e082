import type { Statement } from 'better-sqlite3';
import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for experiment tracking. Every value, keys included, is a bound parameter. */

export interface ExperimentRow {
  id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  run_count: number;
}

export interface RunRow {
  id: string;
  experiment_id: string;
  experiment_name: string;
  name: string;
  status: string;
  source: string;
  start_time: number;
  end_time: number | null;
  notes: string;
  environment_json: string;
  deleted_at: number | null;
}

export interface LatestMetricRow {
  run_id: string;
  key: string;
  last: number | null;
  min: number | null;
  max: number | null;
  step: number;
  timestamp: number;
  count: number;
}

export interface ArtifactRow {
  run_id: string;
  path: string;
  blob_hash: string;
  size: number;
  created_at: number;
}

/** A compiled search: WHERE and ORDER BY fragments over `runs r` plus their bound parameters. */
export interface CompiledSearch {
  joins: string;
  joinParams: unknown[];
  where: string;
  whereParams: unknown[];
  orderBy: string;
}

/** Aggregates of one series in one batch, merged into latest_metrics. */
export interface SeriesBatchSummary {
  id: number;
  last: number | null;
  step: number;
  timestamp: number;
  min: number | null;
  max: number | null;
  count: number;
}

const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.source, r.start_time, r.end_time,
  r.notes, r.environment_json, r.deleted_at`;

const EXPERIMENT_COLUMNS = `e.id, e.name, e.description, e.created_at, e.updated_at, e.deleted_at,
  (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id AND r.deleted_at IS NULL) AS run_count`;

export class TrackingRepo {
  private readonly s: Record<string, Statement>;

  constructor(readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = lazyStatements(db, {
      insertExperiment: () => p('INSERT INTO experiments (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
      experiment: () => p(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.id = ?`),
      experimentByName: () => p(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.name = ?`),
      experimentIdByName: () => p('SELECT id FROM experiments WHERE name = ?').pluck(),
      experiments: () => p(
        `SELECT ${EXPERIMENT_COLUMNS} FROM experiments e
         WHERE (? = 'all' OR (? = 'active') = (e.deleted_at IS NULL)) AND (? IS NULL OR e.name LIKE ?)
         ORDER BY e.created_at DESC, e.name LIMIT ? OFFSET ?`,
      ),
      renameExperiment: () => p('UPDATE experiments SET name = ?, updated_at = ? WHERE id = ?'),
      describeExperiment: () => p('UPDATE experiments SET description = ?, updated_at = ? WHERE id = ?'),
      setExperimentDeleted: () => p('UPDATE experiments SET deleted_at = ?, updated_at = ? WHERE id = ?'),
      experimentTags: () => p('SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key'),
      setExperimentTag: () => p(
        'INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
      ),

      insertRun: () => p(
        `INSERT INTO runs (id, experiment_id, name, status, source, start_time, end_time, notes, environment_json)
         VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      ),
      run: () => p(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`),
      runState: () => p('SELECT status, deleted_at, experiment_id FROM runs WHERE id = ?'),
      updateRun: () => p(
        `UPDATE runs SET name = coalesce(@name, name), status = coalesce(@status, status),
           end_time = CASE WHEN @clearEnd THEN NULL ELSE coalesce(@end_time, end_time) END,
           notes = coalesce(@notes, notes) WHERE id = @id`,
      ),
      setRunDeleted: () => p('UPDATE runs SET deleted_at = ? WHERE id = ?'),
      trashedRuns: () => p('SELECT id FROM runs WHERE deleted_at IS NOT NULL AND deleted_at <= ?').pluck(),
      purgeRun: () => p('DELETE FROM runs WHERE id = ?'),
      purgeLineage: () => p("DELETE FROM lineage WHERE (to_kind = 'run' AND to_id = ?) OR (from_kind = 'run' AND from_id = ?)"),
      setEnvironment: () => p('UPDATE runs SET environment_json = ? WHERE id = ?'),

      param: () => p('SELECT value FROM params WHERE run_id = ? AND key = ?').pluck(),
      insertParam: () => p('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)'),
      setTag: () => p('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value'),
      deleteTag: () => p('DELETE FROM run_tags WHERE run_id = ? AND key = ?'),

      seriesId: () => p('SELECT id FROM latest_metrics WHERE run_id = ? AND key = ?').pluck(),
      insertSeries: () => p(
        `INSERT INTO latest_metrics (run_id, key, last, min, max, step, timestamp, count)
         VALUES (?, ?, NULL, NULL, NULL, -9007199254740991, 0, 0) RETURNING id`,
      ).pluck(),
      insertPoint: () => p('INSERT INTO metrics (series_id, step, seq, timestamp, value) VALUES (?, ?, ?, ?, ?)'),
      seriesCount: () => p('SELECT count FROM latest_metrics WHERE id = ?').pluck(),
      bucketMin: () => p('SELECT step, timestamp, value, min(value) FROM metrics WHERE series_id = ? AND step >= ? AND step < ?').raw(),
      bucketMax: () => p('SELECT step, timestamp, value, max(value) FROM metrics WHERE series_id = ? AND step >= ? AND step < ?').raw(),
      stepRange: () => p('SELECT min(step), max(step), count(*) FROM metrics WHERE series_id = ? AND step >= ? AND step <= ?').raw(),
      firstStep: () => p('SELECT step FROM metrics WHERE series_id = ? ORDER BY step LIMIT 1').pluck(),
      pointAt: () => p('SELECT step, timestamp, value FROM metrics WHERE series_id = ? AND step = ? ORDER BY seq LIMIT 1').raw(),
      lastStep: () => p('SELECT step FROM metrics WHERE series_id = ? ORDER BY step DESC LIMIT 1').pluck(),
      mergeSeries: () => p(
        `UPDATE latest_metrics SET
           last = CASE WHEN @step > step OR (@step = step AND @timestamp >= timestamp) THEN @last ELSE last END,
           timestamp = CASE WHEN @step > step OR (@step = step AND @timestamp >= timestamp) THEN @timestamp ELSE timestamp END,
           step = max(step, @step),
           min = CASE WHEN @min IS NULL THEN min WHEN min IS NULL THEN @min ELSE min(min, @min) END,
           max = CASE WHEN @max IS NULL THEN max WHEN max IS NULL THEN @max ELSE max(max, @max) END,
           count = count + @count
         WHERE id = @id`,
      ),
      latestForRun: () => p('SELECT run_id, key, last, min, max, step, timestamp, count FROM latest_metrics WHERE run_id = ? AND count > 0 ORDER BY key'),
      historyAll: () => p('SELECT step, timestamp, value FROM metrics WHERE series_id = ? ORDER BY step, seq').raw(),
      historyRange: () => p(
        'SELECT step, timestamp, value FROM metrics WHERE series_id = ? AND step >= ? AND step <= ? ORDER BY step, seq',
      ).raw(),
      historyPage: () => p('SELECT step, timestamp, value FROM metrics WHERE series_id = ? ORDER BY step, seq LIMIT ? OFFSET ?').raw(),

      upsertArtifact: () => p(
        `INSERT INTO run_artifacts (run_id, path, blob_hash, size, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, path) DO UPDATE SET blob_hash = excluded.blob_hash, size = excluded.size, created_at = excluded.created_at`,
      ),
      artifact: () => p('SELECT run_id, path, blob_hash, size, created_at FROM run_artifacts WHERE run_id = ? AND path = ?'),
      artifacts: () => p('SELECT run_id, path, blob_hash, size, created_at FROM run_artifacts WHERE run_id = ? ORDER BY path'),
      artifactsUnder: () => p(
        `SELECT run_id, path, blob_hash, size, created_at FROM run_artifacts
         WHERE run_id = ? AND substr(path, 1, length(?)) = ? ORDER BY path`,
      ),

      addInput: () => p(
        `INSERT OR IGNORE INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at)
         VALUES ('dataset_version', ?, 'run', ?, 'input', ?)`,
      ),
    });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // Experiments ---------------------------------------------------------------------------------

  insertExperiment(id: string, name: string, description: string, now: number): void {
    this.s.insertExperiment.run(id, name, description, now, now);
  }
  experiment(id: string): ExperimentRow | undefined {
    return this.s.experiment.get(id) as ExperimentRow | undefined;
  }
  experimentByName(name: string): ExperimentRow | undefined {
    return this.s.experimentByName.get(name) as ExperimentRow | undefined;
  }
  experiments(lifecycle: string, nameLike: string | null, limit: number, offset: number): ExperimentRow[] {
    return this.s.experiments.all(lifecycle, lifecycle, nameLike, nameLike, limit, offset) as ExperimentRow[];
  }
  renameExperiment(id: string, name: string, now: number): void {
    this.s.renameExperiment.run(name, now, id);
  }
  describeExperiment(id: string, description: string, now: number): void {
    this.s.describeExperiment.run(description, now, id);
  }
  setExperimentDeleted(id: string, deletedAt: number | null, now: number): void {
    this.s.setExperimentDeleted.run(deletedAt, now, id);
  }
  experimentTags(id: string): { key: string; value: string }[] {
    return this.s.experimentTags.all(id) as { key: string; value: string }[];
  }
  setExperimentTag(id: string, key: string, value: string): void {
    this.s.setExperimentTag.run(id, key, value);
  }

  // Runs ----------------------------------------------------------------------------------------

  insertRun(r: { id: string; experimentId: string; name: string; status: string; source: string; startTime: number; notes: string; environment: string }): void {
    this.s.insertRun.run(r.id, r.experimentId, r.name, r.status, r.source, r.startTime, r.notes, r.environment);
  }
  run(id: string): RunRow | undefined {
    return this.s.run.get(id) as RunRow | undefined;
  }
  runState(id: string): { status: string; deleted_at: number | null; experiment_id: string } | undefined {
    return this.s.runState.get(id) as { status: string; deleted_at: number | null; experiment_id: string } | undefined;
  }
  updateRun(id: string, u: { name?: string; status?: string; endTime?: number; clearEnd?: boolean; notes?: string }): void {
    this.s.updateRun.run({ id, name: u.name ?? null, status: u.status ?? null, end_time: u.endTime ?? null, clearEnd: u.clearEnd ? 1 : 0, notes: u.notes ?? null });
  }
  setEnvironment(id: string, env: string): void {
    this.s.setEnvironment.run(env, id);
  }
  setRunDeleted(id: string, deletedAt: number | null): void {
    this.s.setRunDeleted.run(deletedAt, id);
  }
  trashedRuns(before: number): string[] {
    return this.s.trashedRuns.all(before) as string[];
  }
  /** Removes a run and everything hanging off it; its artifact blobs become garbage for gc. */
  purgeRun(id: string): void {
    this.s.purgeLineage.run(id, id);
    this.s.purgeRun.run(id);
  }

  /** Runs, with experiment names, in the order of `ids`. */
  runsByIds(ids: string[]): RunRow[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as RunRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is RunRow => r !== undefined);
  }

  /** One page of run ids for a compiled search, and the total number of matches. */
  searchRunIds(c: CompiledSearch, limit: number, offset: number): { ids: string[]; total: number } {
    const from = `FROM runs r JOIN experiments e ON e.id = r.experiment_id ${c.joins} WHERE ${c.where}`;
    const ids = this.db
      .prepare(`SELECT r.id ${from} ORDER BY ${c.orderBy} LIMIT ? OFFSET ?`)
      .pluck()
      .all(...c.joinParams, ...c.whereParams, limit, offset) as string[];
    const total =
      offset === 0 && ids.length < limit
        ? ids.length
        : (this.db
            .prepare(`SELECT COUNT(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${c.where}`)
            .pluck()
            .get(...c.whereParams) as number);
    return { ids, total };
  }

  paramsFor(ids: string[]): { run_id: string; key: string; value: string }[] {
    return this.db
      .prepare('SELECT run_id, key, value FROM params WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key')
      .all(JSON.stringify(ids)) as { run_id: string; key: string; value: string }[];
  }
  tagsFor(ids: string[]): { run_id: string; key: string; value: string }[] {
    return this.db
      .prepare('SELECT run_id, key, value FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key')
      .all(JSON.stringify(ids)) as { run_id: string; key: string; value: string }[];
  }
  latestFor(ids: string[]): LatestMetricRow[] {
    return this.db
      .prepare(
        'SELECT run_id, key, last, min, max, step, timestamp, count FROM latest_metrics WHERE run_id IN (SELECT value FROM json_each(?)) AND count > 0 ORDER BY key',
      )
      .all(JSON.stringify(ids)) as LatestMetricRow[];
  }
  inputsFor(ids: string[]): { run_id: string; version_id: string; dataset: string | null; number: number | null }[] {
    return this.db
      .prepare(
        `SELECT l.to_id AS run_id, l.from_id AS version_id,
           (SELECT d.name FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = l.from_id LIMIT 1) AS dataset,
           (SELECT v.number FROM dataset_versions v WHERE v.id = l.from_id LIMIT 1) AS number
         FROM lineage l
         WHERE l.to_kind = 'run' AND l.from_kind = 'dataset_version' AND l.relation = 'input'
           AND l.to_id IN (SELECT value FROM json_each(?))
         ORDER BY l.created_at`,
      )
      .all(JSON.stringify(ids)) as { run_id: string; version_id: string; dataset: string | null; number: number | null }[];
  }
  datasetVersionExists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM dataset_versions WHERE id = ? LIMIT 1').get(id) !== undefined;
  }
  addInput(versionId: string, runId: string, now: string): void {
    this.s.addInput.run(versionId, runId, now);
  }

  // Params and tags -----------------------------------------------------------------------------

  param(runId: string, key: string): string | undefined {
    return this.s.param.get(runId, key) as string | undefined;
  }
  insertParam(runId: string, key: string, value: string): void {
    this.s.insertParam.run(runId, key, value);
  }
  setTag(runId: string, key: string, value: string): void {
    this.s.setTag.run(runId, key, value);
  }
  deleteTag(runId: string, key: string): boolean {
    return this.s.deleteTag.run(runId, key).changes > 0;
  }

  // Metrics -------------------------------------------------------------------------------------

  seriesId(runId: string, key: string): number | undefined {
    return this.s.seriesId.get(runId, key) as number | undefined;
  }
  ensureSeries(runId: string, key: string): number {
    return (this.seriesId(runId, key) ?? this.s.insertSeries.get(runId, key)) as number;
  }
  /** Points written to a series so far (the next point's seq). */
  seriesPoints(seriesId: number): number {
    return this.s.seriesCount.get(seriesId) as number;
  }
  /** The prepared point insert, for the writer's hot loop: (series_id, step, seq, timestamp, value|null). */
  get pointInsert(): Statement {
    return this.s.insertPoint;
  }
  mergeSeries(s: SeriesBatchSummary): void {
    this.s.mergeSeries.run(s);
  }
  latestForRun(runId: string): LatestMetricRow[] {
    return this.s.latestForRun.all(runId) as LatestMetricRow[];
  }
  /** Raw rows [step, timestamp, value|null], in step order, optionally within [from, to]. */
  history(seriesId: number, range?: { from: number; to: number }): [number, number, number | null][] {
    return (range ? this.s.historyRange.all(seriesId, range.from, range.to) : this.s.historyAll.all(seriesId)) as [number, number, number | null][];
  }
  /** Iterates raw rows without materialising them all (long series). */
  iterateHistory(seriesId: number, range?: { from: number; to: number }): IterableIterator<[number, number, number | null]> {
    return (range ? this.s.historyRange.iterate(seriesId, range.from, range.to) : this.s.historyAll.iterate(seriesId)) as IterableIterator<
      [number, number, number | null]
    >;
  }
  /** Smallest and largest step and the number of points within [from, to]. */
  stepRange(seriesId: number, from: number, to: number): { min: number | null; max: number | null; count: number } {
    const [min, max, count] = this.s.stepRange.get(seriesId, from, to) as [number | null, number | null, number];
    return { min, max, count };
  }
  /**
   * A whole series' first and last step and its point count, from the key's ends and latest_metrics'
   * count (exact: every point written adds one), without the scan `stepRange` makes to count a range.
   */
  seriesSpan(seriesId: number): { min: number | null; max: number | null; count: number } {
    const min = (this.s.firstStep.get(seriesId) as number | undefined) ?? null;
    const max = (this.s.lastStep.get(seriesId) as number | undefined) ?? null;
    return { min, max, count: min === null ? 0 : this.seriesPoints(seriesId) };
  }
  /** The first point logged at `step` (the ends of a downsampled series), [step, timestamp, value|null]. */
  pointAt(seriesId: number, step: number): [number, number, number | null] | undefined {
    return this.s.pointAt.get(seriesId, step) as [number, number, number | null] | undefined;
  }
  /**
   * For long series: the minimum and maximum point of each step bucket [lo, lo + width), computed in
   * SQLite (one short range scan per bucket on the clustered key) so a million rows never cross into
   * JavaScript. Rows [step, timestamp, value|null], in step order, without duplicates.
   */
  bucketExtremes(seriesId: number, from: number, to: number, width: number): [number, number, number | null][] {
    const out: [number, number, number | null][] = [];
    for (let lo = from; lo <= to; lo += width) {
      // The last bucket stops at `to`: a zoomed range's last bucket must not reach past its end.
      const hi = Math.min(lo + width, to + 1);
      const a = this.s.bucketMin.get(seriesId, lo, hi) as [number | null, number, number | null, unknown];
      if (a[0] === null) continue;
      const b = this.s.bucketMax.get(seriesId, lo, hi) as [number, number, number | null, unknown];
      const first: [number, number, number | null] = [a[0], a[1], a[2]];
      const second: [number, number, number | null] = [b[0], b[1], b[2]];
      if (first[0] === second[0] && first[1] === second[1] && first[2] === second[2]) out.push(first);
      else if (first[0] <= second[0]) out.push(first, second);
      else out.push(second, first);
    }
    return out;
  }
  historyPage(seriesId: number, limit: number, offset: number): [number, number, number | null][] {
    return this.s.historyPage.all(seriesId, limit, offset) as [number, number, number | null][];
  }
  seriesCount(seriesId: number, range?: { from: number; to: number }): number {
    return range
      ? (this.db.prepare('SELECT COUNT(*) FROM metrics WHERE series_id = ? AND step >= ? AND step <= ?').pluck().get(seriesId, range.from, range.to) as number)
      : (this.db.prepare('SELECT count FROM latest_metrics WHERE id = ?').pluck().get(seriesId) as number);
  }
  /** Distinct keys in use, for autocomplete: metrics, params and tags of active runs. */
  keys(): { metrics: string[]; params: string[]; tags: string[] } {
    const q = (sql: string) => this.db.prepare(sql).pluck().all() as string[];
    return {
      metrics: q('SELECT DISTINCT key FROM latest_metrics ORDER BY key LIMIT 5000'),
      params: q('SELECT DISTINCT key FROM params ORDER BY key LIMIT 5000'),
      tags: q('SELECT DISTINCT key FROM run_tags ORDER BY key LIMIT 5000'),
    };
  }

  // Artifacts -----------------------------------------------------------------------------------

  upsertArtifact(runId: string, path: string, blobHash: string, size: number, now: number): void {
    this.s.upsertArtifact.run(runId, path, blobHash, size, now);
  }
  artifact(runId: string, path: string): ArtifactRow | undefined {
    return this.s.artifact.get(runId, path) as ArtifactRow | undefined;
  }
  artifacts(runId: string, under?: string): ArtifactRow[] {
    if (!under) return this.s.artifacts.all(runId) as ArtifactRow[];
    const prefix = `${under}/`;
    return this.s.artifactsUnder.all(runId, prefix, prefix) as ArtifactRow[];
  }
}

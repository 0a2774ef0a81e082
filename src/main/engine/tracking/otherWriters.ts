import { encodeMetricValue, type MetricValue } from '../../../shared/tracking';
import type { Db } from '../db/connection';
import { OtherWritersRepo, type LiveRunRow } from '../db/otherWritersRepo';
import type { EventBus } from '../events';

/**
 * Live across processes: a run logged by another process (an MLflow client through another `lathe
 * serve`, `lathe run` in a terminal, a Python script writing through the HTTP door of another Lathe)
 * commits to the same SQLite file, and this process's views would not know. Every `intervalMs` this
 * reads SQLite's `data_version`, which changes only when another connection has committed; when it did,
 * it compares the live runs (running, or ended in the last minute) with what it saw last and emits the
 * same events the engine emits for its own writes: experiments.changed, runs.changed, runs.metrics.
 * Between changes a tick is one PRAGMA. Doors with live views (HTTP, Electron) start it.
 */

const RECENTLY_ENDED_MS = 60_000;


interface Seen {
  run: LiveRunRow;
  /** series id -> point count */
  series: Map<number, number>;
}

export interface OtherWritersOptions {
  intervalMs?: number;
  now?: () => number;
}

export function watchOtherWriters(db: Db, events: EventBus, opts: OtherWritersOptions = {}): () => void {
  const repo = new OtherWritersRepo(db);
  const now = opts.now ?? Date.now;
  let version = repo.dataVersion();
  let rowids = repo.maxRowids();
  let seen = snapshot(repo, events, repo.liveRunIds(now() - RECENTLY_ENDED_MS), new Map());

  const tick = () => {
    const v = repo.dataVersion();
    if (v === version) return;
    version = v;
    const newExperiments = repo.experimentsAfter(rowids.experiments);
    for (const e of newExperiments) events.emit('experiments.changed', { id: e.id });
    const newRuns = repo.runsAfter(rowids.runs);
    if (newRuns.length) events.emit('runs.changed', { runIds: newRuns.map((r) => r.id), change: 'created' });
    rowids = { runs: newRuns.at(-1)?.rowid ?? rowids.runs, experiments: newExperiments.at(-1)?.rowid ?? rowids.experiments };

    const cutoff = now() - RECENTLY_ENDED_MS;
    // What was live last time (to see it end, go to the trash or be purged), what is live now, what is new.
    const wasLive = [...seen.values()].filter((x) => x.run.deleted_at === null && (x.run.status === 'running' || (x.run.end_time ?? 0) >= cutoff)).map((x) => x.run.id);
    const ids = new Set([...wasLive, ...newRuns.map((r) => r.id), ...repo.liveRunIds(cutoff)]);
    seen = snapshot(repo, events, [...ids], seen);
  };

  const timer = setInterval(() => {
    try {
      tick();
    } catch {
      // The workspace closed under us (engine.close): nothing left to watch.
      clearInterval(timer);
    }
  }, opts.intervalMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}

/** Reads the runs and their series, emits runs.metrics for series that grew, reports run changes. */
function snapshot(r: OtherWritersRepo, events: EventBus, runIds: string[], before: Map<string, Seen>): Map<string, Seen> {
  const next = new Map<string, Seen>();
  if (runIds.length === 0) return next;
  const byKind = { updated: [] as string[], deleted: [] as string[], purged: [] as string[], params: [] as string[], tags: [] as string[] };
  for (const run of r.runs(runIds)) {
    next.set(run.id, { run, series: new Map() });
    const prev = before.get(run.id)?.run;
    if (!prev) continue;
    if (run.deleted_at !== prev.deleted_at) byKind.deleted.push(run.id);
    else if (run.status !== prev.status || run.end_time !== prev.end_time) byKind.updated.push(run.id);
    if (run.params !== prev.params) byKind.params.push(run.id);
    if (run.tags !== prev.tags) byKind.tags.push(run.id);
  }
  for (const id of runIds) if (before.has(id) && !next.has(id)) byKind.purged.push(id);
  const grown = new Map<string, { last: Record<string, MetricValue>; step: Record<string, number> }>();
  for (const s of r.series([...next.keys()])) {
    const entry = next.get(s.run_id);
    if (!entry) continue;
    entry.series.set(s.id, s.count);
    const had = before.get(s.run_id);
    if (!had || had.series.get(s.id) === s.count) continue;
    const g = grown.get(s.run_id) ?? { last: {}, step: {} };
    g.last[s.key] = encodeMetricValue(s.last === null ? NaN : s.last);
    g.step[s.key] = s.step;
    grown.set(s.run_id, g);
  }
  for (const [kind, ids] of Object.entries(byKind) as [keyof typeof byKind, string[]][]) if (ids.length) events.emit('runs.changed', { runIds: ids, change: kind });
  for (const [runId, g] of grown) events.emit('runs.metrics', { runId, keys: Object.keys(g.last), ...g });
  return next;
}

import { TrackingRepo } from '../db/trackingRepo';
import type { Db } from '../db/connection';
import type { EventBus } from '../events';
import type { ObjectStore } from '../store/objectStore';
import { ExperimentService } from './experiments';
import { RunOwners } from './runOwners';
import { RunService } from './runs';

export interface Tracking {
  repo: TrackingRepo;
  experiments: ExperimentService;
  runs: RunService;
  /** Owners of runs a Lathe process executes itself (`lathe run`). */
  owners: RunOwners;
  close(): void;
}

/** Experiment tracking: experiments, runs, params, metrics (batched), tags, artifacts, queries. */
export function createTracking(db: Db, store: ObjectStore, events: EventBus): Tracking {
  const repo = new TrackingRepo(db);
  const experiments = new ExperimentService(repo, events);
  const runs = new RunService(repo, store, experiments, events);
  const owners = new RunOwners(db, runs);
  owners.failInterrupted(); // a `lathe run` whose process died (SIGKILL, crash) fails now, not never
  return { repo, experiments, runs, owners, close: () => runs.writer.close() };
}

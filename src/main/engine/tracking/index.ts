import { TrackingRepo } from '../db/trackingRepo';
import type { Db } from '../db/connection';
import type { EventBus } from '../events';
import type { ObjectStore } from '../store/objectStore';
import { ExperimentService } from './experiments';
import { RunService } from './runs';

export interface Tracking {
  repo: TrackingRepo;
  experiments: ExperimentService;
  runs: RunService;
  close(): void;
}

/** Experiment tracking: experiments, runs, params, metrics (batched), tags, artifacts, queries. */
export function createTracking(db: Db, store: ObjectStore, events: EventBus): Tracking {
  const repo = new TrackingRepo(db);
  const experiments = new ExperimentService(repo, events);
  const runs = new RunService(repo, store, experiments, events);
  return { repo, experiments, runs, close: () => runs.writer.close() };
}

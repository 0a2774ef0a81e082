import fs from 'node:fs';
import path from 'node:path';
import type { AppInfo, EngineApi } from '../../shared/contract';
import { openDatabase, sqliteVersion, type Db } from './db/connection';
import { DatasetService } from './datasets/service';
import { EvaluationService } from './evaluation/service';
import { SweepService } from './sweeps/service';
import { EventBus } from './events';
import { ObjectStore } from './store/objectStore';
import { recoverInterruptedImports } from './bundles/interrupted';
import { TrainingService } from './training/service';
import { APP_VERSION } from './version';
import { seedSampleProject } from './sample';
import { createTracking, type Tracking } from './tracking';
import { createRegistry, registryMethods, type Registry } from './registry';
import { evaluationFacts } from './registry/evaluationFacts';
import { createMonitoring, monitoringMethods, type MonitoringService } from './monitoring';
import { keyMethods } from './bundles/keyring';
import { SettingsStore, settingsMethods } from './settings';
import { doctor } from './doctor';
import { PipelineService } from './pipelines/service';
import { createTransfer, type EngineLive, type EngineTransfer } from './transfer';
import { watchOtherWriters } from './tracking/otherWriters';
import { encodeMetricValue } from '../../shared/tracking';
import { pipelineMethods } from './pipelines';
import type { PipelineDeps } from './pipelines/context';

export interface EngineOptions {
  /** The workspace folder: lathe.db + objects/ + tmp/. Created if missing. */
  home: string;
  door?: AppInfo['door'];
  /** Import the sample project into a new, empty workspace (default true). */
  sample?: boolean;
  /** Path to a better-sqlite3 binary built for Electron's ABI (see docs/ARCHITECTURE.md). */
  nativeBinding?: string;
}

/**
 * What the engine publishes to the doors (HTTP, MLflow, CLI, Electron): the contract's calls, its
 * events, the workspace folder, and two small interfaces (engine/transfer.ts) for moving bytes and for
 * what a long-running door keeps going. Doors take this type, so one reaching into a service or the
 * database does not compile (and test/engine/boundaries.test.ts says so too).
 */
export interface DoorEngine extends EngineApi {
  readonly home: string;
  readonly events: EventBus;
  readonly transfer: EngineTransfer;
  readonly live: EngineLive;
  close(): void;
}

/** The whole engine: the door surface plus its services, for the engine's own wiring and for tests. */
export interface Engine extends DoorEngine {
  readonly db: Db;
  readonly store: ObjectStore;
  /** Experiment tracking (experiments, runs, metrics, artifacts, owners of `lathe run` runs). */
  readonly tracking: Tracking;
  /** Model registry, exports and bundles (issue 5). */
  readonly registry: Registry;
  /** Training jobs, the compute queue and backends (issue 4): evaluation and sweeps submit here too. */
  readonly training: TrainingService;
  /** Sweeps (issue 4): trials on the training queue; `wait` for doors that stay until a sweep ends. */
  readonly sweeps: SweepService;
  /** Monitoring (issue 11): reference profiles, log ingest, windows, drift, performance, alerts. */
  readonly monitoring: MonitoringService;
  /** Pipelines (issue 12): definitions, runs, the stage cache, triggers (`startTriggers`), the gate. */
  readonly pipelines: PipelineService;
  close(): void;
}

/**
 * Opens a workspace and returns the object that implements the contract. Knows nothing of Electron,
 * HTTP or terminals: every door wraps this same object.
 */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const home = path.resolve(opts.home);
  fs.mkdirSync(home, { recursive: true });
  const db = openDatabase(path.join(home, 'lathe.db'), { nativeBinding: opts.nativeBinding });
  const store = new ObjectStore(home, db);
  const tempFilesAtStart = store.cleanTemp();
  // Bundle imports a crash stopped before their pack reached the disk: checked, rolled back if torn.
  for (const r of recoverInterruptedImports(db, store)) console.warn(`lathe: ${r.message}`);
  const events = new EventBus();
  const datasets = new DatasetService(db, store, events);
  const tracking = createTracking(db, store, events);
  const training = new TrainingService({ db, store, events, tracking, nativeBinding: opts.nativeBinding });
  const evaluation = new EvaluationService(db, store, tracking, events, (job) =>
    training.queue.submit({ kind: 'evaluate', label: job.label, priority: 1, run: (ctx) => job.run(ctx.signal) }).done,
  );
  const sweeps = new SweepService(db, tracking, events, () => ({
    start: (spec, o) => training.start(spec, { priority: o.priority, kind: 'trial', side: o.side }),
    wait: (jobId) => training.wait(jobId),
    cancel: (runId) => void training.cancel({ runId }),
  }));
  // Model cards and comparisons show the run's evaluations, newest first.
  const registry = createRegistry(db, store, tracking, datasets, events, async (runId) =>
    evaluation.list({ runId, offset: 0, limit: 20 }).map((summary) => evaluationFacts(evaluation.get(summary.id))),
  );
  const monitoring = createMonitoring({ db, home, store, events, registry: registry.models, training });
  // Business value per window uses the value matrix of the newest evaluation that set one.
  monitoring.evaluationMatrix = (model) => {
    for (const v of registry.models.versions(model)) {
      if (!v.runId) continue;
      for (const e of evaluation.list({ runId: v.runId, offset: 0, limit: 20 })) {
        const cost = evaluation.get(e.id).spec.cost;
        if (cost) return cost;
      }
    }
    return null;
  };
  registry.exports.referenceOf = (versionId) => monitoring.storedProfile(versionId);
  const door = opts.door ?? 'test';

  // Stages call the engine's own contract methods; `api` is the engine object, set once it exists.
  const pipelineDeps: PipelineDeps = { home, db, events, store, tracking, registry, training, sweeps, api: undefined as unknown as EngineApi };
  const pipelines = new PipelineService(pipelineDeps);
  const engine: Engine = {
    home,
    db,
    store,
    events,
    transfer: createTransfer(store, tracking),
    live: {
      watchOtherWriters: () => watchOtherWriters(db, events),
      startTriggers: () => pipelines.startTriggers(),
      warmCompute: () => void setTimeout(() => void training.status().catch(() => undefined), 500).unref(),
      sealRawRows: () => monitoring.compaction.start(),
    },
    tracking,
    sweeps,
    monitoring,
    pipelines,
    registry,
    training,
    close() {
      pipelines.close();
      sweeps.close();
      training.close();
      monitoring.close();
      datasets.close();
      tracking.close();
      store.close();
      db.close();
    },

    async 'app.info'() {
      return {
        name: 'Lathe',
        version: APP_VERSION,
        home,
        door,
        node: process.versions.node,
        sqlite: sqliteVersion(db),
      };
    },

    'datasets.list': () => datasets.list(),
    'datasets.versions': (i) => datasets.versions(i.name),
    'datasets.show': (i) => datasets.show(i.ref),
    'datasets.rows': (i) => datasets.rows(i.ref, i.offset, i.limit),
    'datasets.add': (i) => datasets.add(i),
    'datasets.diff': (i) => datasets.diff(i.from, i.to, i.key),
    'datasets.export': (i) => datasets.exportTo(i.ref, i.out),
    'datasets.tag': (i) => datasets.tag(i.ref, i.tag),
    'datasets.untag': (i) => datasets.untag(i.name, i.tag),
    'datasets.remove': (i) => datasets.remove(i.ref),

    'experiments.create': async (i) => tracking.experiments.create(i),
    'experiments.list': async (i) => tracking.experiments.list(i),
    'experiments.get': async (i) => (i.id !== undefined ? tracking.experiments.get(i.id) : tracking.experiments.getByName(i.name as string)),
    'experiments.update': async (i) => tracking.experiments.update(i),
    'experiments.delete': async (i) => tracking.experiments.delete(i.id, i.restore),
    'runs.create': async (i) => tracking.runs.create(i),
    'runs.get': async (i) => tracking.runs.get(i.id),
    'runs.update': async (i) => tracking.runs.update(i),
    'runs.search': async (i) => tracking.runs.search(i),
    'runs.logMetrics': async (i) => tracking.runs.logMetrics(i.runId, i.metrics),
    'runs.logParams': async (i) => tracking.runs.logParams(i.runId, i.params),
    'runs.setTags': async (i) => tracking.runs.setTags(i.runId, i.tags, i.remove),
    'runs.logInputs': async (i) => tracking.runs.logInputs(i.runId, i.datasetVersions),
    'runs.delete': async (i) => tracking.runs.delete(i.ids, false),
    'runs.restore': async (i) => tracking.runs.delete(i.ids, true),
    'runs.purge': async (i) => tracking.runs.purge(i.ids, i.olderThanDays),
    'runs.metricHistory': async (i) => tracking.runs.metricHistory(i),
    'runs.metricPage': async (i) => ({
      points: tracking.runs.historyPage(i.runId, i.key, i.limit, i.offset).map((p) => ({ step: p.step, timestamp: p.timestamp, value: encodeMetricValue(p.value) })),
    }),
    'runs.compare': async (i) => tracking.runs.compare(i.ids),
    'runs.keys': async () => tracking.runs.keys(),
    'runs.artifacts.list': async (i) => {
      tracking.runs.requireRun(i.runId);
      if (!i.recursive) return tracking.runs.artifacts.list(i.runId, i.path);
      const under = i.path.replace(/\/+$/, '');
      return tracking.runs.artifacts.listAll(i.runId).filter((a) => !under || a.path.startsWith(`${under}/`));
    },
    'runs.artifacts.read': async (i) => (tracking.runs.requireRun(i.runId), tracking.runs.artifacts.preview(i.runId, i.path, i.maxBytes)),

    'evaluation.run': (i) => evaluation.run(i),
    'evaluation.list': async (i) => evaluation.list(i),
    'evaluation.get': async (i) => evaluation.get(i.id),
    'evaluation.compare': async (i) => evaluation.compare(i.ids),
    'evaluation.delete': async (i) => evaluation.remove(i.id),

    'sweeps.start': async (i) => sweeps.start(i.spec),
    'sweeps.list': async (i) => sweeps.list(i.limit, i.offset),
    'sweeps.get': async (i) => sweeps.get(i.id),
    'sweeps.cancel': async (i) => sweeps.cancel(i.id),
    'sweeps.wait': (i) => sweeps.wait(i.id),

    ...registryMethods(registry),
    // Registration builds the version's reference profile in the background (monitoring, issue 11).
    'models.register': async (i) => {
      const v = registry.models.register(i);
      monitoring.referenceSoon(v.model, v.number);
      return v;
    },
    // A serving export carries the version's reference profile (built first when missing).
    'export.run': async (i) => {
      if (i.format === 'serving') {
        const v = registry.models.show(i.ref);
        await monitoring.profileFor(v.model, v.number).catch(() => undefined);
      }
      return registry.exports.run(i);
    },
    ...monitoringMethods(monitoring, {
      tmpDir: store.tmpDir,
      addDataset: (i) => datasets.add(i),
      linkServed: (model, number, datasetVersionId) => {
        const v = registry.models.resolve(`${model}@${number}`);
        registry.models.repo.addLineage({ from_kind: 'model_version', from_id: v.id, to_kind: 'dataset_version', to_id: datasetVersionId, relation: 'served', created_at: new Date().toISOString() });
      },
    }),
    ...keyMethods(registry.bundles),
    ...settingsMethods(new SettingsStore(db)),
    ...pipelineMethods(pipelines),

    async 'store.gc'() {
      const tempFilesRemoved = store.cleanTemp();
      return { ...store.gc(), tempFilesRemoved };
    },

    async 'store.doctor'() {
      return doctor(db, store, tempFilesAtStart);
    },

    'training.templates': async () => training.templates(),
    'training.suggest': async (i) => training.suggest(i.data, i.target),
    'training.start': (i) => training.start(i.spec, { priority: i.priority }),
    'training.jobs': async () => training.jobs(),
    'training.cancel': async (i) => training.cancel(i),
    'training.resume': (i) => training.resume(i.runId, i.priority),
    'training.rerun': (i) => training.rerun(i.runId, i.priority),
    'training.spec': async (i) => training.specOf(i.runId),
    'training.wait': (i) => training.wait(i.jobId),
    'compute.status': () => training.status(),
    'compute.setBackend': (i) => training.setBackend(i.backend, i.workers),
  };

  pipelineDeps.api = engine;
  monitoring.api = engine;
  if (opts.sample ?? true) await seedSampleProject(engine);
  return engine;
}

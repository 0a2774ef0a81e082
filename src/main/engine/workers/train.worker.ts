/**
 * Worker entry: one training job (tfjs in this thread, its own backend), see training/trainer.ts.
 * The data is prepared HERE, not on the main thread: the worker opens its own read-only connection
 * to the workspace, reads the dataset version, splits, learns preprocessing and encodes, posts what
 * it prepared (`prepared`), then trains.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { DatasetsRepo } from '../db/datasetsRepo';
import { VersionReader } from '../datasets/versionReader';
import { ObjectStore } from '../store/objectStore';
import { checkModelSize } from '../training/architecture';
import { prepareData, type TrainingData } from '../training/data';
import { train, type TrainJobOutput, type TrainMessage, type TrainWorkerInput } from '../training/trainer';
import { serveWorker } from './serveWorker';

/**
 * Closes the pack files the worker's store opened: file descriptors belong to the process, not to the
 * thread, so a worker ending would otherwise leak them (one set per job). ObjectStore keeps them in its
 * private `fds` map; the store's owner is this worker alone, so closing them here is safe.
 */
function closePackFiles(store: ObjectStore): void {
  const fds = (store as unknown as { fds?: Map<string, number> }).fds;
  if (!fds) return;
  for (const fd of fds.values()) fs.closeSync(fd);
  fds.clear();
}

async function prepare(job: TrainWorkerInput): Promise<TrainingData> {
  const { source } = job;
  const db = new Database(source.dbFile, { readonly: true, fileMustExist: true, ...(source.nativeBinding ? { nativeBinding: source.nativeBinding } : {}) });
  try {
    db.pragma('busy_timeout = 5000');
    const repo = new DatasetsRepo(db);
    const store = new ObjectStore(source.home, db);
    try {
      return await prepareData({ repo, reader: new VersionReader(store, repo), store }, job.spec, job.reuse ?? undefined);
    } finally {
      closePackFiles(store);
    }
  } finally {
    db.close();
  }
}

serveWorker<TrainWorkerInput, TrainJobOutput, TrainMessage>(async (job, ctx) => {
  const data = await prepare(job);
  checkModelSize(job.spec, { input: data.inputShape, outputSize: data.outputSize, task: data.task });
  const { parts, ...prepared } = data;
  ctx.progress({ type: 'prepared', data: prepared });
  const result = await train(
    {
      spec: job.spec,
      task: data.task,
      inputShape: data.inputShape,
      outputSize: data.outputSize,
      targetStd: data.preprocessing.target.kind === 'regression' ? data.preprocessing.target.std : 1,
      parts,
      backend: job.backend,
      threads: job.threads,
      resume: job.resume,
    },
    (m) => ctx.progress(m),
  );
  ctx.transfer.push(result.model.weightData);
  return result;
});

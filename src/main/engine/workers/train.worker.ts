/**
 * Worker entry: one training job (tfjs in this thread, its own backend), see training/trainer.ts.
 * The data is prepared HERE, not on the main thread: the worker opens its own read-only connection
 * to the workspace, reads the dataset version, splits, learns preprocessing and encodes, posts what
 * it prepared (`prepared`), then trains.
 */
import { openReadOnlyDatabase } from '../db/connection';
import { DatasetsRepo } from '../db/datasetsRepo';
import { VersionReader } from '../datasets/versionReader';
import { ObjectStore } from '../store/objectStore';
import { checkModelSize } from '../training/architecture';
import { prepareData, type TrainingData } from '../training/data';
import { train, type TrainWorkerInput } from '../training/trainer';
import { serveWorker } from './serveWorker';

async function prepare(job: TrainWorkerInput): Promise<TrainingData> {
  const { source } = job;
  const db = openReadOnlyDatabase(source.dbFile, { nativeBinding: source.nativeBinding });
  try {
    const repo = new DatasetsRepo(db);
    const store = new ObjectStore(source.home, db);
    try {
      return await prepareData({ repo, reader: new VersionReader(store, repo), store }, job.spec, job.reuse ?? undefined);
    } finally {
      // Pack file descriptors belong to the process, not the thread: close them or each job leaks a set.
      store.close();
    }
  } finally {
    db.close();
  }
}

serveWorker<'train'>(async (job, ctx) => {
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

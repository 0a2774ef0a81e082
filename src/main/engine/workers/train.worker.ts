/**
 * Worker entry: one training job (tfjs in this thread, its own backend), see training/trainer.ts.
 * The data is prepared HERE, not on the main thread: the worker opens its own read-only connection
 * to the workspace, reads the dataset version, splits, learns preprocessing and encodes, posts what
 * it prepared (`prepared`), then trains.
 */
import { tfjs } from '../compute/heavyModules';
import { openReadOnlyDatabase } from '../db/connection';
import { DatasetsRepo } from '../db/datasetsRepo';
import { VersionReader } from '../datasets/versionReader';
import { ObjectStore } from '../store/objectStore';
import { checkModelSize } from '../training/architecture';
import { prepareData, type TrainingData } from '../training/data';
import { train, type TrainJobOutput, type TrainWorkerInput } from '../training/trainer';
import { serveWorker, type EntryContext } from './serveWorker';

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

const tf = tfjs();

/**
 * After each job in a warm worker (warmWorkers.ts): every tensor the job made was tracked by its
 * scope and is gone; the model's and optimizer's variables go here. Clean means no tensor is left,
 * so the next job starts from what a fresh thread has (TF.js loaded, backend ready, nothing allocated);
 * the trainer seeds Math.random itself and the layers name themselves (architecture.ts layerNames).
 */
function reset(): boolean {
  tf.disposeVariables();
  return tf.memory().numTensors === 0;
}

serveWorker<'train'>(async (job, ctx) => {
  tf.engine().startScope();
  try {
    return await trainJob(job, ctx);
  } finally {
    tf.engine().endScope();
  }
}, { reset });

async function trainJob(job: TrainWorkerInput, ctx: EntryContext<'train'>): Promise<TrainJobOutput> {
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
}

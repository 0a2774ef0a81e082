/** Worker entry: one training job (tfjs in this thread, its own backend), see training/trainer.ts. */
import { train, type TrainJobInput, type TrainJobOutput, type TrainMessage } from '../training/trainer';
import { serveWorker } from './serveWorker';

serveWorker<TrainJobInput, TrainJobOutput, TrainMessage>(async (job, ctx) => {
  const result = await train(job, (m) => ctx.progress(m));
  ctx.transfer.push(result.model.weightData);
  return result;
});

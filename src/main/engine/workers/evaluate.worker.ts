/** Worker entry: an evaluation's predictions and report, off the main thread. */
import { scoreEvaluation, type EvaluationJob } from '../evaluation/job';
import { serveWorker } from './serveWorker';

serveWorker<EvaluationJob, Awaited<ReturnType<typeof scoreEvaluation>>, { done: number; total: number }>((job, ctx) =>
  scoreEvaluation(job, (done, total) => ctx.progress({ done, total })),
);

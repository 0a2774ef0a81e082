/** Worker entry: an evaluation's predictions and report, off the main thread. */
import { serveWorker } from '../workers/serveWorker';
import { scoreEvaluation, type EvaluationJob } from './job';

serveWorker<EvaluationJob, Awaited<ReturnType<typeof scoreEvaluation>>, { done: number; total: number }>((job, ctx) =>
  scoreEvaluation(job, (done, total) => ctx.progress({ done, total })),
);

/** Worker entry: an evaluation's predictions and report, off the main thread. */
import { scoreEvaluation } from '../evaluation/job';
import { serveWorker } from './serveWorker';

serveWorker<'evaluate'>((job, ctx) =>
  scoreEvaluation(job, (done, total) => ctx.progress({ done, total })),
);

/** Worker entry: the import pass of a table file (parse, profile, row index), off the main thread. */
import { isPartsJob, isStealJob, runPartsJob, runStealJob } from '../datasets/partsJob';
import { analyzeTable } from '../datasets/tableAnalysis';
import { serveWorker } from './serveWorker';

/** A whole table file in one pass, parts of one claimed from a shared counter (the parallel import), or one side of the two-core handoff. */
serveWorker<'analyze'>(async (job, ctx) => {
  if (isPartsJob(job)) return runPartsJob(job, (m) => ctx.progress(m));
  if (isStealJob(job)) return runStealJob(job, (m) => ctx.progress(m));
  const result = await analyzeTable(job, (done) => ctx.progress(done));
  // Move the index out instead of copying it; it must own its whole ArrayBuffer to be moved.
  const own = result.index.byteOffset === 0 && result.index.byteLength === result.index.buffer.byteLength ? result.index : new Uint8Array(result.index);
  ctx.transfer.push(own.buffer as ArrayBuffer);
  return { ...result, index: own };
  // Nothing a job leaves behind outlives it (each makes its own parsers and profiles): a thread kept warm is as clean as a fresh one.
}, { reset: () => true });

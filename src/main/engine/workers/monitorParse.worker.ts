/**
 * Worker entry: prediction log lines parsed and checked off the ingest's thread
 * (monitoring/parseWorker.ts). Sends `job.credits` batches, then one each time the parent asks for
 * one; ends after the last. Kept warm between ingests (nothing of a job outlives it here), so the
 * next log runs on code V8 has optimised already.
 */
import { serveParse, type ParseCommand } from '../monitoring/parseWorker';
import { serveWorker } from './serveWorker';

serveWorker<'monitorParse'>(async (job, ctx) => {
  let credits = job.credits;
  let waiting: (() => void) | null = null;
  ctx.onCommand((m: ParseCommand) => {
    if (m.t !== 'more') return;
    credits++;
    const w = waiting;
    waiting = null;
    w?.();
  });
  const credit = async () => {
    while (credits === 0) await new Promise<void>((r) => (waiting = r));
    credits--;
  };
  await serveParse(job, (r) => ctx.progress(r), credit);
  return null;
}, { reset: () => true });

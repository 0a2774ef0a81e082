/**
 * Worker entry: prediction log lines parsed and checked off the ingest's thread
 * (monitoring/parseWorker.ts). Sends a batch each time the parent asks for one; ends after the last.
 */
import { serveParse, type ParseCommand } from '../monitoring/parseWorker';
import { serveWorker } from './serveWorker';

serveWorker<'monitorParse'>(async (job, ctx) => {
  let credits = 0;
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
});

import { CV_TAGS } from '../../../shared/training';
import type { Run } from '../../../shared/tracking';
import { dispatch, invoke } from '../../engine/dispatch';
import type { DoorEngine as Engine } from '../../engine/engine';

/**
 * `lathe train --cv K [--refit]`: waits for the fold runs (a line on stderr as each ends), then for the
 * parent run, which gets the folds' mean and sd once all have finished and, with --refit, waits for the
 * refit run too. Prints the fold runs and the parent's mean ± sd; Ctrl-C cancels the folds still going.
 */

/** Fold metrics worth a column: the held-out ones and the epoch the saved model came from. */
const FOLD_SHOWN = /^(val_|test_|best_epoch$)/;

const num = (v: unknown): string => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getRun(engine: Engine, id: string): Promise<Run> {
  return (await dispatch(engine, 'runs.get', { id })) as Run;
}

/** The parent is summarised (and the refit trained) after the folds: it is done when it is no longer running. */
async function parentDone(engine: Engine, id: string): Promise<Run> {
  for (;;) {
    const run = await getRun(engine, id);
    if (run.status !== 'running') return run;
    await sleep(200);
  }
}

function foldLine(i: number, n: number, run: Run): string {
  const shown = Object.entries(run.metrics)
    .filter(([k]) => FOLD_SHOWN.test(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, m]) => `${k}=${num(m.last)}`);
  return `  fold ${i + 1}/${n}  run ${run.id} ${run.status}  ${shown.join('  ')}`;
}

/** The parent's `cv.<metric>.mean` and `.sd` pairs as "metric  mean ± sd" lines, held-out metrics first. */
export function meanSdLines(parent: Run): string[] {
  const keys = Object.keys(parent.metrics)
    .filter((k) => k.startsWith('cv.') && k.endsWith('.mean'))
    .map((k) => k.slice(3, -5))
    .sort((a, b) => Number(!/^(val_|test_)/.test(a)) - Number(!/^(val_|test_)/.test(b)) || a.localeCompare(b));
  return keys.map((k) => `  ${k.padEnd(32)} ${num(parent.metrics[`cv.${k}.mean`]?.last)} ± ${num(parent.metrics[`cv.${k}.sd`]?.last)}`);
}

export async function waitCrossValidation(engine: Engine, started: { runId: string; folds: { runId: string; jobId: string }[] }, json: boolean): Promise<void> {
  const n = started.folds.length;
  process.stderr.write(`lathe: cross-validation parent run ${started.runId}, ${n} fold runs\n`);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\nlathe: cancelling the fold runs...\n');
    for (const f of started.folds) void invoke(engine, 'training.cancel', { jobId: f.jobId }).catch(() => undefined); // ended ones refuse
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const folds: Run[] = [];
  try {
    await Promise.all(
      started.folds.map(async (f, i) => {
        await invoke(engine, 'training.wait', { jobId: f.jobId });
        folds[i] = await getRun(engine, f.runId);
        process.stderr.write(`lathe: fold ${i + 1}/${n} ${folds[i].status}\n`);
      }),
    );
    const parent = await parentDone(engine, started.runId);
    const refitId = parent.tags[CV_TAGS.refit];
    const refit = refitId ? await getRun(engine, refitId) : undefined;
    process.stdout.write(`${json ? JSON.stringify({ parent, folds, refit }, null, 2) : summary(parent, folds, refit)}\n`);
    if (interrupted) process.exitCode = 130;
    else if (parent.status !== 'finished') process.exitCode = 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function summary(parent: Run, folds: Run[], refit: Run | undefined): string {
  const lines = [`Cross-validation run ${parent.id} ${parent.status} (${parent.name}), ${folds.length} folds`];
  if (parent.tags['training.error']) lines.push(`  error: ${parent.tags['training.error']}`);
  folds.forEach((f, i) => lines.push(foldLine(i, folds.length, f)));
  const stats = meanSdLines(parent);
  if (stats.length) lines.push(`  mean ± sd over the ${folds.length} folds (sample sd):`, ...stats);
  if (refit) lines.push(`  refit on every non-test row: run ${refit.id} ${refit.status} (the model to register)`);
  else lines.push('  no refit (--refit trains one model on every non-test row to register)');
  return lines.join('\n');
}

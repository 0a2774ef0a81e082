import os from 'node:os';
import path from 'node:path';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import type { SweepSpecInput } from '../../src/shared/sweeps';
import { median, perThread, report, threadCpu, threadWaitMs, time } from './harness';

/**
 * Sweeps: two trials on a pool of two workers against the same two trials one after the other (the
 * issue's target: parallel <= 0.6x sequential on a 2-core machine), and evaluation.run on penguins.
 */

function spec(parallelism: number, epochs: number): SweepSpecInput {
  return {
    name: `bench-p${parallelism}`,
    base: {
      template: 'tabular-mlp',
      data: 'penguins',
      target: 'Species',
      hyperparameters: { epochs, batchSize: 8, hiddenUnits: [64, 32], earlyStopping: false, checkpointEvery: 0 },
    },
    // Two trials of equal cost (only the seed differs).
    parameters: { 'hyperparameters.seed': { values: [1, 2] } },
    parallelism,
  };
}

/** CPU ms of this process's threads that exist now, by thread id (Linux /proc; empty elsewhere). */
const threadCpuMs = () => perThread((tid) => {
  const t = threadCpu(tid);
  return t && t.cpuS * 1000;
});

/** Milliseconds each thread of this process has spent waiting for a CPU on a run queue (Linux schedstat). */
const threadWait = () => perThread(threadWaitMs);

/**
 * Where a sweep's CPU went: the main thread, threads that were there before and after it (V8's and
 * libuv's pools, and warm trial workers from an earlier sweep), and the rest: threads started or
 * ended during it (trial workers and their compiler work).
 */
interface CpuSplit {
  total: number;
  main: number;
  helpers: number;
  /** Trial worker threads started during the sweep (the rest ran on warm ones). */
  started: number;
  /**
   * Wall ms minus the time the trial threads (warm ones: there before and after, > 1 s CPU) waited for
   * a CPU taken by other processes: one after the other their waits add up, side by side the longer
   * one counts. An estimate of the wall time on an idle machine; NaN when no warm trial thread is seen.
   */
  unloadedMs: number;
}

/**
 * Per trial: from its job starting (a slot free, its worker about to start) to its first batch's
 * progress (the worker started, TF.js and its backend loaded, the data read, split and encoded, the
 * model built), and from its last batch to the job's end (test metrics, baselines, the model saved).
 */
interface TrialTimes {
  beforeFirstBatch: number[];
  afterLastBatch: number[];
}

function watchTrials(engine: Engine): { stop: () => TrialTimes } {
  const jobs = new Map<string, { start: number; first?: number; last?: number; end?: number }>();
  const offJobs = engine.events.on('training.jobs', ({ job }) => {
    const t = performance.now();
    if (job.state === 'running' && !jobs.has(job.id)) jobs.set(job.id, { start: t });
    const j = jobs.get(job.id);
    if (j && (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled')) j.end ??= t;
  });
  const offProgress = engine.events.on('training.progress', ({ jobId, progress }) => {
    const j = jobs.get(jobId);
    if (!j || progress.phase !== 'training') return;
    const t = performance.now();
    j.first ??= t;
    j.last = t;
  });
  return {
    stop: () => {
      offJobs();
      offProgress();
      const all = [...jobs.values()];
      return {
        beforeFirstBatch: all.filter((j) => j.first !== undefined).map((j) => (j.first as number) - j.start),
        afterLastBatch: all.filter((j) => j.last !== undefined && j.end !== undefined).map((j) => (j.end as number) - (j.last as number)),
      };
    },
  };
}

type SweepTimes = Awaited<ReturnType<typeof sweepMs>>;

/** Two sweeps' times, CPU and trials added up (the ratio compares sums). */
function merge(a: SweepTimes, b: SweepTimes): SweepTimes {
  const cpu = { total: a.cpu.total + b.cpu.total, main: a.cpu.main + b.cpu.main, helpers: a.cpu.helpers + b.cpu.helpers, started: a.cpu.started + b.cpu.started, unloadedMs: a.cpu.unloadedMs + b.cpu.unloadedMs };
  const trials = { beforeFirstBatch: [...a.trials.beforeFirstBatch, ...b.trials.beforeFirstBatch], afterLastBatch: [...a.trials.afterLastBatch, ...b.trials.afterLastBatch] };
  return { ms: a.ms + b.ms, runIds: [...a.runIds, ...b.runIds], cpu, trials };
}

const msList = (xs: number[]) => xs.map((x) => `${Math.round(x)}`).join(', ');

async function sweepMs(engine: Engine, parallelism: number, epochs: number): Promise<{ ms: number; runIds: string[]; cpu: CpuSplit; trials: TrialTimes }> {
  const watch = watchTrials(engine);
  const before = threadCpuMs();
  const wait0 = threadWait();
  const started0 = engine.training.queue.warm.started;
  const cpu0 = process.cpuUsage();
  const { ms, value } = await time(async () => {
    const s = await invoke(engine, 'sweeps.start', { spec: spec(parallelism, epochs) });
    return engine.sweeps.wait(s.id);
  });
  const used = process.cpuUsage(cpu0);
  const after = threadCpuMs();
  const wait1 = threadWait();
  const trials = watch.stop();
  if (value.status !== 'finished') throw new Error(`bench sweep ${value.status}: ${value.error ?? ''}`);
  const main = (after.get(process.pid) ?? 0) - (before.get(process.pid) ?? 0);
  let helpers = 0;
  const waits: number[] = [];
  for (const [tid, t] of after) {
    if (tid === process.pid || !before.has(tid)) continue;
    helpers += t - (before.get(tid) ?? 0);
    if (t - (before.get(tid) ?? 0) > 1000) waits.push((wait1.get(tid) ?? 0) - (wait0.get(tid) ?? 0));
  }
  const waited = waits.length === 0 ? NaN : parallelism === 1 ? waits.reduce((a, b) => a + b, 0) : Math.max(...waits);
  return { ms, runIds: value.trials.map((t) => t.runId as string), cpu: { total: (used.user + used.system) / 1000, main, helpers, started: engine.training.queue.warm.started - started0, unloadedMs: ms - waited }, trials };
}

const cores = (c: CpuSplit, ms: number) =>
  `${(c.total / ms).toFixed(2)} cores busy (main thread ${(c.main / 1000).toFixed(1)} s, threads there before and after ${(c.helpers / 1000).toFixed(1)} s, others ${((c.total - c.main - c.helpers) / 1000).toFixed(1)} s, of ${(c.total / 1000).toFixed(1)} s CPU; ${c.started} trial threads started)`;

export async function benchSweeps(dir: string, opts: { epochs: number }): Promise<void> {
  console.log('\n# sweeps and evaluation');
  const engine = await createEngine({ home: path.join(dir, 'sweeps'), door: 'test' });
  try {
    const workers = engine.training.queue.workers;
    // Warm-up: the worker bundle and TF.js load once (and two warm trial workers are left idle).
    await sweepMs(engine, 2, 1);
    // In the order one after the other, parallel, parallel, one after the other: warm workers keep
    // compiling hot code during the first long sweep, and other processes' load drifts; this order
    // gives both sides the same share of either.
    const seq1 = await sweepMs(engine, 1, opts.epochs);
    const par1 = await sweepMs(engine, 2, opts.epochs);
    const par = merge(par1, await sweepMs(engine, 2, opts.epochs));
    const seq = merge(seq1, await sweepMs(engine, 1, opts.epochs));
    const ratio = par.ms / seq.ms;
    report({
      name: `sweep: 2 trials in parallel vs one after the other (${opts.epochs} epochs each, twice each, pool of ${workers}, ${os.cpus().length} cores)`,
      value: `${(par.ms / 1000).toFixed(2)} s vs ${(seq.ms / 1000).toFixed(2)} s`,
      ratio,
      target: '<= 0.60',
      pass: ratio <= 0.6,
    });
    console.log(
      `      without the run-queue waits of the trial threads (other processes' load; an estimate of an idle machine): ${(par.cpu.unloadedMs / 1000).toFixed(2)} s vs ${(seq.cpu.unloadedMs / 1000).toFixed(2)} s, ratio ${(par.cpu.unloadedMs / seq.cpu.unloadedMs).toFixed(2)}`,
    );
    // Why the ratio cannot reach 0.5: how many cores the one-after-the-other sweep already keeps busy.
    console.log(`      sequential: ${cores(seq.cpu, seq.ms)}; parallel: ${cores(par.cpu, par.ms)}`);
    console.log(`      each trial, job start to first batch: sequential ${msList(seq.trials.beforeFirstBatch)} ms, parallel ${msList(par.trials.beforeFirstBatch)} ms; last batch to job end: sequential ${msList(seq.trials.afterLastBatch)} ms, parallel ${msList(par.trials.afterLastBatch)} ms; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    const runId = par.runIds[0];
    await invoke(engine, 'evaluation.run', { runId, data: 'penguins' }); // warm-up (worker bundle)
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      times.push((await time(() => invoke(engine, 'evaluation.run', { runId, data: 'penguins', slice: 'Island' }))).ms);
    }
    const ms = median(times);
    report({ name: 'evaluation.run on penguins (344 rows, 3 classes, slices; worker thread)', value: `${ms.toFixed(0)} ms median of 5`, target: '<= 2000 ms', pass: ms <= 2000 });
  } finally {
    engine.close();
  }
}

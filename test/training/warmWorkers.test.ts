import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { MODEL_DIR } from '../../src/main/engine/training/modelArtifact';
import { tempDir } from '../helpers';
import { progressReached } from './fixtures';

/**
 * Warm training workers (workers/warmWorkers.ts): a finished job's thread takes the next job, and a
 * job in a reused thread gives exactly what it gives in a fresh one. Real worker threads, real files.
 */

let engine: Engine;
/** Long enough that a loaded machine does not end a thread between two jobs of one test. */
const IDLE_MS = 4000;

beforeAll(async () => {
  process.env.LATHE_WORKER_IDLE_MS = String(IDLE_MS);
  engine = await createEngine({ home: tempDir('lathe-warm-'), sample: true });
  delete process.env.LATHE_WORKER_IDLE_MS;
  await invoke(engine, 'compute.setBackend', { workers: 1 });
});
afterAll(() => engine.close());

const warm = () => engine.training.queue.warm;

async function train(e: Engine, hyperparameters: Record<string, unknown>) {
  const { runId, jobId } = await invoke(e, 'training.start', { spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', hyperparameters } as never });
  const job = await e.training.wait(jobId);
  return { runId, jobId, job };
}

/** Everything a run's result is made of: its metrics, and its saved model's topology and weights. */
async function outcome(e: Engine, runId: string) {
  const run = await invoke(e, 'runs.get', { id: runId });
  const read = (f: string) => e.tracking.runs.artifacts.read(runId, `${MODEL_DIR}/${f}`);
  const points: Record<string, unknown> = {};
  // Every point of every series, by step (timestamps differ between runs, values must not); samples/s is timing.
  for (const key of Object.keys(run.metrics).filter((k) => k !== 'samples_per_sec').sort()) {
    const h = await invoke(e, 'runs.metricHistory', { runId, key, maxPoints: 1_000_000 });
    points[key] = { steps: h.steps, values: h.values };
  }
  return { metrics: points, modelJson: read('model.json').toString('utf8'), weights: read('weights.bin').toString('hex') };
}

// Job A leaves behind what would leak into B: other layer classes (batch norm, dropout), another seed,
// more layers (TF.js's name counters), tensors and variables.
const A = { epochs: 3, seed: 5, hiddenUnits: [16, 8, 4], batchNorm: true, dropout: 0.3, checkpointEvery: 0, earlyStopping: false };
const B = { epochs: 3, seed: 11, hiddenUnits: [12, 6], dropout: 0.2, checkpointEvery: 0, earlyStopping: false };

describe('warm training workers', () => {
  it('runs the next job in the same thread, and a job after another gives exactly what it gives in a fresh thread', async () => {
    const before = warm().started;
    const a = await train(engine, A);
    expect(a.job.state).toBe('done');
    // The thread came back: its reset left no tensor behind (train.worker.ts reset: numTensors === 0).
    expect(warm().idleCount).toBe(1);
    const b = await train(engine, B);
    expect(b.job.state).toBe('done');
    expect(warm().started - before).toBe(1);

    const fresh = await createEngine({ home: tempDir('lathe-warm-fresh-'), sample: true });
    try {
      const alone = await train(fresh, B);
      expect(fresh.training.queue.warm.started).toBe(1);
      const [got, want] = [await outcome(engine, b.runId), await outcome(fresh, alone.runId)];
      expect(got.modelJson).toBe(want.modelJson);
      expect(got.weights).toBe(want.weights);
      expect(got.metrics).toEqual(want.metrics);
    } finally {
      fresh.close();
    }
  });

  it('reuses a thread only for a job with the same settings fixed at its start (here the backend pin)', async () => {
    await train(engine, B);
    const started = warm().started;
    await invoke(engine, 'compute.setBackend', { backend: 'cpu' });
    try {
      const onCpu = await train(engine, B);
      expect(warm().started).toBe(started + 1);
      expect((await invoke(engine, 'runs.get', { id: onCpu.runId })).environment.backend).toBe('cpu');
      await train(engine, B);
      expect(warm().started).toBe(started + 1);
    } finally {
      await invoke(engine, 'compute.setBackend', { backend: null });
    }
    expect(warm().idleCount).toBe(1); // one slot: the wasm thread was ended for the cpu one
  });

  it('cancel after reuse kills the run and ends the thread; the next job gets a fresh thread', async () => {
    await train(engine, B); // a warm thread is idle now
    expect(warm().idleCount).toBe(1);
    const started = warm().started;
    const { runId, jobId } = await invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', hyperparameters: { ...B, epochs: 2000 } } as never });
    await progressReached(engine, jobId, (p) => p.epoch >= 2);
    expect(warm().started).toBe(started); // it runs in the reused thread
    await invoke(engine, 'training.cancel', { runId });
    expect((await engine.training.wait(jobId)).state).toBe('cancelled');
    expect((await invoke(engine, 'runs.get', { id: runId })).status).toBe('killed');
    expect(warm().idleCount).toBe(0);
    const next = await train(engine, B);
    expect(next.job.state).toBe('done');
    expect(warm().started).toBe(started + 1);
  });

  it('a crash in a reused thread fails only its run; the next job gets a fresh thread', async () => {
    await train(engine, B);
    const started = warm().started;
    const { jobId, runId } = await invoke(engine, 'training.start', { spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', hyperparameters: { ...B, epochs: 2000 } } as never });
    await progressReached(engine, jobId, (p) => p.epoch >= 2);
    await engine.training.crashWorker(jobId);
    expect((await engine.training.wait(jobId)).state).toBe('failed');
    expect((await invoke(engine, 'runs.get', { id: runId })).status).toBe('failed');
    expect((await train(engine, B)).job.state).toBe('done');
    expect(warm().started).toBe(started + 1);
  });

  it('an idle thread exits after the idle timeout, and engine close ends the idle ones', async () => {
    await train(engine, B);
    const [idle] = warm().idleThreads();
    expect(idle).toBeDefined();
    // It ends by itself (nothing closes this engine here), and leaves the pool.
    await once(idle, 'exit');
    expect(warm().idleCount).toBe(0);

    const other = await createEngine({ home: tempDir('lathe-warm-close-'), sample: true });
    const r = await train(other, B);
    expect(r.job.state).toBe('done');
    const [thread] = other.training.queue.warm.idleThreads();
    const exited = once(thread, 'exit');
    other.close();
    await exited;
    expect(other.training.queue.warm.idleCount).toBe(0);
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine } from '../../src/main/engine/engine';
import { selectBackend } from '../../src/main/engine/compute/backend';
import { seededRandom } from '../../src/main/engine/training/split';
import { median, report } from './harness';

/**
 * Trainer overhead: samples/s of a Lathe training run (worker thread, streamed metrics, progress,
 * per-epoch bookkeeping) against a bare tfjs `model.fit` on the same backend, model, data size and
 * batch size, in this process. Plus a PyTorch reference of the same MLP when torch imports.
 */

const FEATURES = 64;
const CLASSES = 10;
const HIDDEN = [128, 128];

function writeData(dir: string, rows: number): string {
  const random = seededRandom(1);
  const lines = [[...Array.from({ length: FEATURES }, (_, i) => `f${i}`), 'label'].join(',')];
  for (let r = 0; r < rows; r++) {
    const xs = Array.from({ length: FEATURES }, () => (random() * 2 - 1).toFixed(4));
    lines.push([...xs, `c${Math.floor(random() * CLASSES)}`].join(','));
  }
  const file = path.join(dir, 'bench-train.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function bareFit(n: number, epochs: number, batchSize: number): Promise<number> {
  await selectBackend();
  const model = tf.sequential();
  HIDDEN.forEach((units, i) => model.add(tf.layers.dense({ units, activation: 'relu', inputShape: i === 0 ? [FEATURES] : undefined })));
  model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([n, FEATURES], -1, 1);
  const y = tf.randomUniform([n, 1], 0, CLASSES, 'int32').toFloat();
  await model.fit(x, y, { epochs: 1, batchSize, verbose: 0 }); // warm-up (kernel setup)
  const t = performance.now();
  await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
  const rate = (n * epochs) / ((performance.now() - t) / 1000);
  x.dispose();
  y.dispose();
  model.dispose();
  return rate;
}

const TORCH = `
import sys, time, torch
torch.manual_seed(0); torch.set_num_threads(1)
n, f, k, epochs, bs = int(sys.argv[1]), ${FEATURES}, ${CLASSES}, int(sys.argv[2]), int(sys.argv[3])
x = torch.rand(n, f) * 2 - 1; y = torch.randint(0, k, (n,))
m = torch.nn.Sequential(torch.nn.Linear(f, ${HIDDEN[0]}), torch.nn.ReLU(), torch.nn.Linear(${HIDDEN[0]}, ${HIDDEN[1]}), torch.nn.ReLU(), torch.nn.Linear(${HIDDEN[1]}, k))
opt = torch.optim.Adam(m.parameters(), 1e-3); loss = torch.nn.CrossEntropyLoss()
t = time.perf_counter()
for e in range(epochs):
    p = torch.randperm(n)
    for i in range(0, n, bs):
        idx = p[i:i+bs]; opt.zero_grad(); l = loss(m(x[idx]), y[idx]); l.backward(); opt.step()
print(n * epochs / (time.perf_counter() - t))
`;

/** The first Python that imports torch: Debian's python3-torch lives beside /usr/bin/python3, which a pyenv shim may hide. */
function pythonWithTorch(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
      return python;
    } catch {
      // try the next one
    }
  }
  return null;
}

function torchRate(n: number, epochs: number, batchSize: number): { rate?: number; why?: string } {
  const python = pythonWithTorch();
  if (!python) return { why: 'no python3 here can import torch (Debian: apt-get install python3-torch)' };
  const out = execFileSync(python, ['-c', TORCH, String(n), String(epochs), String(batchSize)], { encoding: 'utf8', timeout: 600_000 });
  return { rate: Number(out.trim()) };
}

export async function benchTraining(dir: string, opts: { rows: number; epochs: number; batchSize?: number }): Promise<void> {
  const batchSize = opts.batchSize ?? 64;
  const home = path.join(dir, 'training-home');
  const engine = await createEngine({ home, sample: false });
  try {
    await invoke(engine, 'datasets.add', { name: 'bench', path: writeData(dir, opts.rows) });
    const { runId, jobId } = await invoke(engine, 'training.start', {
      spec: {
        template: 'tabular-mlp',
        data: 'bench',
        target: 'label',
        split: { kind: 'fraction', train: 0.98, validation: 0.01, test: 0.01, seed: 1, stratify: false },
        hyperparameters: { hiddenUnits: HIDDEN, dropout: 0, epochs: opts.epochs, batchSize, earlyStopping: false, checkpointEvery: 0 },
      },
    });
    const job = await engine.training.wait(jobId);
    if (job.state !== 'done') throw new Error(`bench training ${job.state}: ${job.error?.message}`);
    const run = await invoke(engine, 'runs.get', { id: runId });
    const history = await invoke(engine, 'runs.metricHistory', { runId, key: 'samples_per_sec' });
    // The first epoch includes kernel setup (the bare loop gets a warm-up epoch for the same reason).
    const lathe = median(history.values.slice(1).map(Number));
    const nTrain = Number(run.params['split.train_rows']);
    const endToEnd = (nTrain * opts.epochs) / (run.duration / 1000);
    const bare = await bareFit(nTrain, opts.epochs, batchSize);
    const backend = run.environment.backend ?? '?';
    report({
      name: `training samples/s, Lathe vs bare model.fit (${backend}, MLP ${FEATURES}-${HIDDEN.join('-')}-${CLASSES}, ${nTrain} rows, batch ${batchSize})`,
      value: `${Math.round(lathe)} vs ${Math.round(bare)} samples/s (end to end incl. worker start, data prep, baselines: ${Math.round(endToEnd)})`,
      ratio: lathe / bare,
      target: '>= 0.95',
      pass: lathe / bare >= 0.95,
    });
    const torch = torchRate(nTrain, Math.max(1, Math.min(opts.epochs, 5)), batchSize);
    if (torch.rate) console.log(`      PyTorch CPU (1 thread) same MLP: ${Math.round(torch.rate)} samples/s; Lathe/PyTorch ${(lathe / torch.rate).toFixed(2)}`);
    else console.log(`      PyTorch reference skipped: ${torch.why}`);
  } finally {
    engine.close();
  }
}

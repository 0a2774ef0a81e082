import * as tf from '@tensorflow/tfjs';
import type { MetricPoint, TrainJobInput } from './trainer';

/**
 * What the network has to beat, logged beside its own metrics so every report shows what it adds:
 * the majority class (classification) or the train mean (regression), and a logistic / linear
 * regression on the same preprocessed inputs (a one-layer TF.js model, trained on the same split).
 */

type Tensors = { x: tf.Tensor; y: tf.Tensor } | null;

/** A fixed budget for the linear baseline: enough passes to converge on small data, bounded on big. */
function linearEpochs(n: number): number {
  return Math.max(5, Math.min(100, Math.ceil(50_000 / Math.max(1, n))));
}

export async function baselineMetrics(input: TrainJobInput, t: { train: NonNullable<Tensors>; validation: Tensors; test: Tensors }): Promise<Omit<MetricPoint, 'step'>[]> {
  const out: Omit<MetricPoint, 'step'>[] = [];
  const parts: [string, Tensors][] = [
    ['val', t.validation],
    ['test', t.test],
  ];
  const train = input.parts.train;
  if (input.task === 'classification') {
    const counts = new Array<number>(input.outputSize).fill(0);
    for (const y of train.y) if (y >= 0) counts[y]++;
    const majority = counts.indexOf(Math.max(...counts));
    for (const [name, p] of parts) {
      if (!p) continue;
      const ys = (await p.y.data()) as Float32Array;
      let hit = 0;
      for (const y of ys) if (y === majority) hit++;
      out.push({ key: `baseline.majority.${name}_acc`, value: hit / ys.length });
    }
  } else {
    // The target is standardised on the train split, so the train mean predicts 0.
    for (const [name, p] of parts) {
      if (!p) continue;
      const ys = (await p.y.data()) as Float32Array;
      const rmse = Math.sqrt(ys.reduce((s, y) => s + y * y, 0) / ys.length);
      out.push({ key: `baseline.mean.${name}_rmse`, value: rmse * input.targetStd });
    }
  }

  const classification = input.task === 'classification';
  const linear = tf.sequential();
  const flat = input.inputShape.length > 1;
  if (flat) linear.add(tf.layers.flatten({ inputShape: input.inputShape }));
  linear.add(tf.layers.dense({ units: input.outputSize, activation: classification ? 'softmax' : 'linear', inputShape: flat ? undefined : input.inputShape }));
  linear.compile({ optimizer: tf.train.adam(0.05), loss: classification ? 'sparseCategoricalCrossentropy' : 'meanSquaredError', metrics: classification ? ['accuracy'] : [] });
  await linear.fit(t.train.x, t.train.y, { epochs: linearEpochs(train.n), batchSize: 64, shuffle: true, verbose: 0 });
  const name = classification ? 'logreg' : 'linreg';
  for (const [part, p] of parts) {
    if (!p) continue;
    if (classification) {
      const ev = linear.evaluate(p.x, p.y, { batchSize: 1024 }) as tf.Scalar[];
      out.push({ key: `baseline.${name}.${part}_acc`, value: (await ev[1].data())[0] });
      ev.forEach((s) => s.dispose());
    } else {
      const mse = tf.tidy(() => (linear.predict(p.x) as tf.Tensor).reshape([-1]).sub(p.y.reshape([-1])).square().mean().dataSync()[0]);
      out.push({ key: `baseline.${name}.${part}_rmse`, value: Math.sqrt(mse) * input.targetStd });
    }
  }
  linear.dispose();
  return out;
}

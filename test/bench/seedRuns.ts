import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';

/**
 * The benches' big experiment: `runs` runs with 20 params, 10 metrics (5 points each) and a tag,
 * a third of them finished, written in-process through the engine in one transaction. Deterministic.
 */
export async function seedRuns(engine: Engine, name: string, runs: number): Promise<string> {
  const exp = await invoke(engine, 'experiments.create', { name });
  const optimizers = ['adam', 'sgd', 'rmsprop', 'adagrad'];
  engine.db.transaction(() => {
    for (let r = 0; r < runs; r++) {
      const params: Record<string, string> = { optimizer: optimizers[r % 4], lr: String([0.1, 0.01, 0.001][r % 3]) };
      for (let p = 2; p < 20; p++) params[`p${p}`] = String((r * p) % 97);
      const created = engine.tracking.runs.create({ experimentId: exp.id, source: 'api', notes: '', params, tags: { team: r % 2 ? 'ml' : 'data' }, inputs: [], name: `run-${r}` });
      const points = [];
      for (let m = 0; m < 10; m++) for (let s = 0; s < 5; s++) points.push({ key: `metric_${m}`, value: Math.sin(r + m + s) * 0.5 + 0.5, step: s });
      engine.tracking.runs.logMetrics(created.id, points);
      if (r % 3 === 0) engine.tracking.runs.update({ id: created.id, status: 'finished' });
    }
  })();
  return exp.id;
}

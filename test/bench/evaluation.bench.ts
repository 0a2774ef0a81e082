import { seededRandom } from '../../src/main/engine/evaluation/bootstrap';
import { buildReport } from '../../src/main/engine/evaluation/report';
import { median, report, time } from './harness';

/**
 * Evaluation: what the bootstrap intervals add to a report. 10k binary cases with a cost matrix, so the
 * headline has 10 metrics (accuracy, F1 x2, precision, recall, AUC, AP, log loss, ECE, value per 1000)
 * plus the best threshold's value; 1000 resamples against the same report without intervals. Target:
 * the intervals add under 1 s. Judged on CPU time (process.cpuUsage), with wall time printed beside it:
 * on a machine shared with other jobs the wall clock mostly measures the wait for a core.
 */
async function cpuTime<T>(fn: () => T): Promise<{ cpuMs: number; ms: number; value: T }> {
  const c0 = process.cpuUsage();
  const { ms, value } = await time(fn);
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, ms, value };
}

export async function benchEvaluation(opts: { rows: number; resamples: number }): Promise<void> {
  const n = opts.rows;
  const r = seededRandom(5);
  const actual = new Int32Array(n);
  const probs = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    actual[i] = r() < 0.3 ? 1 : 0;
    const p = Math.min(0.999, Math.max(0.001, 0.3 * actual[i] + 0.7 * r()));
    probs[i * 2 + 1] = p;
    probs[i * 2] = 1 - p;
  }
  const cost = { kind: 'binary' as const, tp: 80, fp: -10, fn: -120, tn: 0 };
  const build = (resamples: number) => buildReport({ task: 'classification', classes: ['no', 'yes'], actual, probs }, { cost, bootstrap: { resamples, seed: 1 } });
  build(50); // warm up the JIT
  const plain: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
  const withIntervals: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
  let metrics = 0;
  for (let k = 0; k < 3; k++) {
    const p = await cpuTime(() => build(0));
    plain.cpu.push(p.cpuMs);
    plain.wall.push(p.ms);
    const t = await cpuTime(() => build(opts.resamples));
    withIntervals.cpu.push(t.cpuMs);
    withIntervals.wall.push(t.ms);
    metrics = Object.keys(t.value.intervals ?? {}).length;
  }
  const added = median(withIntervals.cpu) - median(plain.cpu);
  const addedWall = median(withIntervals.wall) - median(plain.wall);
  report({
    name: `bootstrap intervals, ${metrics} metrics, ${n} rows x ${opts.resamples} resamples`,
    value: `+${added.toFixed(0)} ms CPU (+${addedWall.toFixed(0)} ms wall) over a ${median(plain.cpu).toFixed(0)} ms report`,
    ratio: added / 1000,
    target: 'adds < 1 s',
    pass: added < 1000,
  });
}

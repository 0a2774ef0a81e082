import { describe, expect, it } from 'vitest';
import { rungEpochs, simulateHalving, SuccessiveHalving } from '../../src/main/engine/sweeps/halving';

describe('successive halving', () => {
  it('rungs at min * eta^k below the budget', () => {
    expect(rungEpochs(1, 27, 3)).toEqual([1, 3, 9]);
    expect(rungEpochs(2, 20, 3)).toEqual([2, 6, 18]);
    expect(rungEpochs(5, 5, 2)).toEqual([]);
  });

  it('keeps the best 1/eta of the trials at each rung so far; the first to arrive continues', () => {
    const sh = new SuccessiveHalving(1, 9, 3, 'minimize');
    expect(sh.report(0, 1, 0.5)).toBe('continue'); // 1 seen, keep 1
    expect(sh.report(1, 1, 0.9)).toBe('prune'); // 2 seen, keep 1 (0.5)
    expect(sh.report(2, 1, 0.4)).toBe('continue'); // 3 seen, keep 1: 0.4 is the best
    expect(sh.report(3, 1, 0.45)).toBe('prune');
    expect(sh.report(4, 1, 0.1)).toBe('continue');
    expect(sh.report(5, 1, 0.3)).toBe('continue'); // 6 seen, keep 2: 0.1, 0.3
    expect(sh.report(6, 1, NaN)).toBe('prune'); // NaN is the worst
    expect(sh.rungOf(0)).toBe(1);
    expect(sh.pendingRungs(0, 8)).toEqual([3]);
    expect(() => sh.report(0, 1, 0.2)).toThrow(/next rung is 3/);
    const max = new SuccessiveHalving(1, 9, 2, 'maximize');
    expect(max.report(0, 1, 0.7)).toBe('continue');
    expect(max.report(1, 1, 0.8)).toBe('continue'); // 2 seen, keep 1: 0.8
    expect(max.report(2, 1, 0.75)).toBe('prune');
  });

  it('a simulated sweep: with a fake runner as a pure function, poor trials stop at their first rung', () => {
    // 9 trials, 9 epochs, losses falling at different speeds; trial i ends near 1 - i/10.
    const curves = Array.from({ length: 9 }, (_, i) => Array.from({ length: 9 }, (_, e) => 2 - (i + 1) * 0.1 * Math.log(e + 2)));
    const worstFirst = simulateHalving(curves, { parallelism: 1, minEpochs: 1, eta: 3, direction: 'minimize' });
    // Arriving from worst to best, every newcomer is the best so far: nobody is pruned.
    expect(worstFirst.pruned.every((p) => !p)).toBe(true);
    const bestFirst = simulateHalving([...curves].reverse(), { parallelism: 1, minEpochs: 1, eta: 3, direction: 'minimize' });
    // Arriving best first: the first trial runs the whole budget, every later one stops at epoch 1.
    expect(bestFirst.epochsRun).toEqual([9, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(bestFirst.pruned).toEqual([false, true, true, true, true, true, true, true, true]);
    const total = (r: { epochsRun: number[] }) => r.epochsRun.reduce((a, b) => a + b, 0);
    expect(total(bestFirst)).toBe(17); // vs 81 epochs without pruning
  });

  it('parallel trials are judged as they reach each rung, in a deterministic order', () => {
    const curves = [
      [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
      [0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.04, 0.03, 0.02],
      [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55],
      [0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15],
    ];
    const r = simulateHalving(curves, { parallelism: 2, minEpochs: 1, eta: 2, direction: 'minimize' });
    // tick 1: t0@1 (first, continue), t1@1 (0.5 < 0.9: 2 seen keep 1 -> continue)
    // tick 2: t0 at epoch 2 -> rung 2: first there, continue; t1@2: 2 seen keep 1 (0.4 < 0.8) continue
    // ... t0 and t1 pass rungs 4 and 8 and end at epoch 9 (eta 2: rungs 1, 2, 4, 8). Then t2 and t3 start:
    // t2@1: 0.95 among [0.5, 0.9, 0.95], keep 1 -> prune; t3@1: 0.6 among 4 values, keep 2 (0.5, 0.6) -> continue;
    // t3@2: 0.5 among [0.4, 0.5, 0.8], keep 1 (0.4) -> prune.
    expect(r.order.slice(0, 4)).toEqual(['0@1:continue', '1@1:continue', '0@2:continue', '1@2:continue']);
    expect(r.order.slice(-3)).toEqual(['2@1:prune', '3@1:continue', '3@2:prune']);
    expect(r.pruned).toEqual([false, false, true, true]);
    expect(r.epochsRun).toEqual([9, 9, 1, 2]);
    expect(simulateHalving(curves, { parallelism: 2, minEpochs: 1, eta: 2, direction: 'minimize' })).toEqual(r);
  });
});

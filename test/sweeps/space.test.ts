import { describe, expect, it } from 'vitest';
import { applyAssignment, expandGrid, sampleRandom, trialAssignments } from '../../src/main/engine/sweeps/space';
import { sweepSpecSchema } from '../../src/shared/sweeps';

describe('grid expansion', () => {
  it('every combination, declaration order, last parameter fastest', () => {
    const g = expandGrid({ a: { values: [1, 2] }, b: { values: ['x', 'y', 'z'] } });
    expect(g).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
  });

  it('int ranges expand with their step; lists of arrays stay whole', () => {
    expect(expandGrid({ n: { distribution: 'int', min: 2, max: 8, step: 3 } })).toEqual([{ n: 2 }, { n: 5 }, { n: 8 }]);
    expect(expandGrid({ h: { values: [[16], [32, 16]] } })).toEqual([{ h: [16] }, { h: [32, 16] }]);
  });

  it('refuses continuous ranges and grids over maxTrials, saying what to do', () => {
    expect(() => expandGrid({ lr: { distribution: 'loguniform', min: 1e-4, max: 1e-1 } })).toThrow(/grid needs a list of values for lr/);
    expect(() => expandGrid({ a: { values: [1, 2, 3] }, b: { values: [1, 2, 3] } }, 8)).toThrow(/9 trials, more than maxTrials \(8\)/);
  });
});

describe('random sampling', () => {
  const params = {
    'hyperparameters.learningRate': { distribution: 'loguniform' as const, min: 1e-4, max: 1e-1 },
    'hyperparameters.dropout': { distribution: 'uniform' as const, min: 0, max: 0.5 },
    'hyperparameters.batchSize': { distribution: 'int' as const, min: 8, max: 64, step: 8 },
    'hyperparameters.optimizer': { distribution: 'choice' as const, values: ['adam', 'sgd'] },
  };

  it('is deterministic by seed and differs across seeds', () => {
    const a = sampleRandom(params, 20, 7);
    expect(sampleRandom(params, 20, 7)).toEqual(a);
    expect(sampleRandom(params, 20, 8)).not.toEqual(a);
    // The first trials do not depend on how many are drawn.
    expect(sampleRandom(params, 5, 7)).toEqual(a.slice(0, 5));
    // ...nor on the order the parameters were declared in.
    const reversed = Object.fromEntries(Object.entries(params).reverse());
    expect(sampleRandom(reversed, 20, 7)).toEqual(a);
  });

  it('stays in range: log-uniform spreads over decades, ints on their step, choices from the list', () => {
    const s = sampleRandom(params, 2000, 1);
    const lr = s.map((t) => t['hyperparameters.learningRate'] as number);
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lr)).toBeLessThanOrEqual(1e-1);
    // a quarter or so in each of the decades 1e-4..1e-3, 1e-3..1e-2, 1e-2..1e-1 would be a third each
    const low = lr.filter((v) => v < 1e-3).length / lr.length;
    expect(low).toBeGreaterThan(0.28);
    expect(low).toBeLessThan(0.39);
    const bs = new Set(s.map((t) => t['hyperparameters.batchSize']));
    expect([...bs].sort((a, b) => (a as number) - (b as number))).toEqual([8, 16, 24, 32, 40, 48, 56, 64]);
    expect(new Set(s.map((t) => t['hyperparameters.optimizer']))).toEqual(new Set(['adam', 'sgd']));
  });
});

describe('applying a trial to the base spec', () => {
  it('sets dotted paths on a copy, creating objects on the way', () => {
    const base = { template: 'tabular-mlp', data: 'penguins', hyperparameters: { epochs: 5 } };
    const t = applyAssignment(base, { 'hyperparameters.learningRate': 0.01, 'split.seed': 3, 'hyperparameters.hiddenUnits': [8] });
    expect(t).toEqual({ template: 'tabular-mlp', data: 'penguins', hyperparameters: { epochs: 5, learningRate: 0.01, hiddenUnits: [8] }, split: { seed: 3 } });
    expect(base.hyperparameters).toEqual({ epochs: 5 });
    expect(() => applyAssignment(base, { 'data.x': 1 })).toThrow(/data in the base spec is not an object/);
  });

  it('the sweep spec parses from the YAML shape with defaults', () => {
    const s = sweepSpecSchema.parse({ base: { template: 'tabular-mlp', data: 'p' }, parameters: { 'hyperparameters.dropout': { values: [0, 0.2] } } });
    expect(s.strategy).toEqual({ kind: 'grid' });
    expect(s.parallelism).toBe(2);
    expect(s.objective).toEqual({ metric: 'val_loss', direction: 'minimize' });
    expect(trialAssignments(s)).toHaveLength(2);
    expect(sweepSpecSchema.safeParse({ base: {}, parameters: { 'bad path!': { values: [1] } } }).success).toBe(false);
    expect(sweepSpecSchema.safeParse({ base: {}, parameters: { lr: { distribution: 'loguniform', min: 0, max: 1 } } }).success).toBe(false);
  });
});

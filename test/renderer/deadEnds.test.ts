import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeTemplates } from '../../src/shared/training';
import type { DatasetProfile, DatasetSummary, DatasetVersion } from '../../src/shared/datasets';
import { setTransport } from '../../src/renderer/transport';
import { initialTrainingState, useTrainingStore } from '../../src/renderer/stores/trainingStore';
import { initialTrainingNewState, useTrainingNewStore } from '../../src/renderer/stores/trainingNewStore';
import { fakeTransport, sketch } from './fakeTransport';

beforeEach(() => {
  useTrainingStore.setState(initialTrainingState);
  useTrainingNewStore.setState(initialTrainingNewState);
});
afterEach(() => setTransport(null));

const tableProfile = sketch<DatasetProfile>({
  kind: 'table',
  rows: 3,
  columns: [
    { name: 'a', type: 'numeric', distinct: 3, missing: 0, count: 3 },
    { name: 'y', type: 'categorical', distinct: 2, missing: 0, count: 3 },
  ],
});

describe('New training before any input', () => {
  it('asks no suggestion and shows no error until a target is chosen, then asks for that target', async () => {
    const t = fakeTransport({
      'training.templates': () => describeTemplates(),
      'datasets.list': () => [sketch<DatasetSummary>({ name: 'p', latest: sketch<DatasetVersion>({ number: 1 }) })],
      'datasets.versions': () => [sketch<DatasetVersion>({ number: 1 })],
      'datasets.show': () => sketch({ profile: tableProfile }),
      'training.suggest': (i) => {
        if (!i.target) throw new Error('a suggestion was asked without a target');
        return { target: i.target, task: 'classification', reason: 'r', features: ['a'], excluded: [], template: 'tabular-mlp' };
      },
    });
    setTransport(t);
    await useTrainingNewStore.getState().init();
    let s = useTrainingNewStore.getState();
    expect(s.form.data).toBe('p@v1');
    expect(s.form.target).toBeNull();
    expect(s.suggestError).toBeNull();
    expect(s.loadError).toBeNull();
    expect(t.calls.some(([n]) => n === 'training.suggest')).toBe(false);

    await s.chooseTarget('y');
    s = useTrainingNewStore.getState();
    expect(s.form.target).toBe('y');
    expect(s.form.features).toEqual(['a']);
    expect(t.calls.filter(([n]) => n === 'training.suggest')).toEqual([['training.suggest', { data: 'p@v1', target: 'y' }]]);

    // Back to no target: cleared, still no error and no call.
    await s.chooseTarget('');
    s = useTrainingNewStore.getState();
    expect(s.form.target).toBeNull();
    expect(s.suggestError).toBeNull();
    expect(t.calls.filter(([n]) => n === 'training.suggest')).toHaveLength(1);
  });
});

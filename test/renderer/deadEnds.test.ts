import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeTemplates } from '../../src/shared/training';
import type { DatasetProfile, DatasetSummary, DatasetVersion } from '../../src/shared/datasets';
import { setTransport } from '../../src/renderer/transport';
import { initialTrainingState, useTrainingStore } from '../../src/renderer/stores/trainingStore';
import { initialTrainingNewState, useTrainingNewStore } from '../../src/renderer/stores/trainingNewStore';
import { fakeTransport, sketch } from './fakeTransport';
import { pickerDiff } from '../../src/renderer/screens/datasets/DiffView';
import type { DatasetDiff } from '../../src/shared/datasets';
import { failure, workspace } from '../datasets/fixtures';

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
      'datasets.show': () => ({ version: sketch<DatasetVersion>({ number: 1 }), profile: tableProfile }),
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

describe('A diff key that is not unique', () => {
  it('is refused with the columns that ARE unique in both versions named in the hint', async () => {
    const w = await workspace();
    await w.add('t', w.write('1/t.csv', 'id,group,code\n1,a,x1\n2,a,x2\n3,b,x3\n'));
    await w.add('t', w.write('2/t.csv', 'id,group,code\n1,a,x1\n2,b,x2\n4,b,x4\n'));
    const err = await failure(w.engine['datasets.diff']({ from: 't@v1', to: 't@v2', key: 'group' }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.where).toBe('key');
    expect(err.hint).toContain('Unique in both versions: id, code.');
    const ok = await w.engine['datasets.diff']({ from: 't@v1', to: 't@v2', key: 'id' });
    expect(ok.rows).toEqual({ added: 1, removed: 1, modified: 1, unchanged: 1 });
  });

  it('keeps the key picker of the last diff of the same two versions while the refusal shows', () => {
    const last = sketch<DatasetDiff>({ from: { id: 'A' }, to: { id: 'B' }, samples: { columns: ['id', 'group'] } });
    expect(pickerDiff(last, 'A', 'B')).toBe(last);
    expect(pickerDiff(last, 'A', 'C')).toBeNull();
    expect(pickerDiff(null, 'A', 'B')).toBeNull();
  });
});

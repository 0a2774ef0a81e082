import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeTemplates, trainingSpecSchema } from '../../src/shared/training';
import type { DatasetProfile, DatasetSummary, DatasetVersion } from '../../src/shared/datasets';
import { setTransport } from '../../src/renderer/transport';
import { initialTrainingState, useTrainingStore } from '../../src/renderer/stores/trainingStore';
import { initialTrainingNewState, trainingNewSelectors, useTrainingNewStore } from '../../src/renderer/stores/trainingNewStore';
import { fakeTransport, sketch } from './fakeTransport';
import { signatureChange } from '../../src/renderer/screens/models/signatureChange';
import { nextFolder } from '../../src/renderer/screens/deploy/ExportPanel';
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

describe('Re-run', () => {
  it('fills the New training form with the run\'s spec, on the version it trained, and starts nothing', async () => {
    const spec = trainingSpecSchema.parse({
      template: 'tabular-mlp',
      data: 'p@best',
      target: 'y',
      task: 'classification',
      features: ['a'],
      hyperparameters: { epochs: 7, hiddenUnits: [16, 8] },
      split: { kind: 'fraction', train: 0.6, validation: 0.2, test: 0.2, seed: 9, stratify: false },
      name: 'first',
      experiment: 'exp',
    });
    const t = fakeTransport({
      'training.templates': () => describeTemplates(),
      'training.spec': () => spec,
      'datasets.show': (i) => {
        expect(i.ref).toBe('p@best');
        return { version: sketch<DatasetVersion>({ dataset: 'p', number: 3 }), profile: tableProfile };
      },
      'datasets.list': () => [sketch<DatasetSummary>({ name: 'p' })],
      'datasets.versions': () => [sketch<DatasetVersion>({ number: 3 })],
    });
    setTransport(t);
    expect(await useTrainingNewStore.getState().prefill('r1')).toBeNull();
    const s = useTrainingNewStore.getState();
    expect(s.prefilledFrom).toBe('r1');
    expect(s.dataset).toBe('p');
    expect(s.version).toBe(3);
    expect(s.form).toMatchObject({ data: 'p@v3', target: 'y', task: 'classification', features: ['a'], name: 'first', experiment: 'exp' });
    expect(s.form.hp.epochs).toBe('7');
    expect(s.form.hp.hiddenUnits).toBe('16, 8');
    expect(s.form.split).toMatchObject({ kind: 'fraction', train: '0.6', seed: '9', stratify: false });
    expect(t.calls.map(([n]) => n)).not.toContain('training.start');
    expect(t.calls.map(([n]) => n)).not.toContain('training.rerun');
    // The filled form is valid as it stands: starting it would send the same spec.
    expect(Object.keys(trainingNewSelectors.errors(s, describeTemplates()))).toEqual([]);
  });

  it('fills in the features the engine would pick when the spec left them out', async () => {
    const spec = trainingSpecSchema.parse({ template: 'tabular-mlp', data: 'p', target: 'y' });
    setTransport(
      fakeTransport({
        'training.templates': () => describeTemplates(),
        'training.spec': () => spec,
        'datasets.show': () => ({ version: sketch<DatasetVersion>({ dataset: 'p', number: 2 }), profile: tableProfile }),
        'datasets.list': () => [sketch<DatasetSummary>({ name: 'p' })],
        'datasets.versions': () => [sketch<DatasetVersion>({ number: 2 })],
        'training.suggest': (i) => ({ target: i.target ?? '', task: 'classification', reason: 'r', features: ['a'], excluded: [], template: 'tabular-mlp' }),
      }),
    );
    expect(await useTrainingNewStore.getState().prefill('r3')).toBeNull();
    const s = useTrainingNewStore.getState();
    expect(s.form.features).toEqual(['a']);
    expect(Object.keys(trainingNewSelectors.errors(s, describeTemplates()))).toEqual([]);
  });

  it('gives back the refusal when the run has no spec', async () => {
    setTransport(fakeTransport({ 'training.templates': () => describeTemplates() }));
    const refused = await useTrainingNewStore.getState().prefill('r2');
    expect(refused?.code).toBe('NOT_FOUND');
    expect(useTrainingNewStore.getState().prefilledFrom).toBeNull();
  });
});

describe('Moving an alias to a version with other inputs', () => {
  const sig = (columns: [string, string][]) => ({ inputs: { kind: 'table', columns: columns.map(([name, type]) => ({ name, type })) } });
  it('lists the added, removed and retyped input columns', () => {
    const now = sig([['a', 'numeric'], ['b', 'categorical'], ['c', 'numeric']]);
    const next = sig([['a', 'numeric'], ['b', 'numeric'], ['d', 'text']]);
    expect(signatureChange(now, next)).toEqual({
      added: [{ name: 'd', type: 'text' }],
      removed: [{ name: 'c', type: 'numeric' }],
      retyped: [{ name: 'b', from: 'categorical', to: 'numeric' }],
      other: null,
    });
  });
  it('says nothing when the inputs match (order aside) or a signature is unknown', () => {
    expect(signatureChange(sig([['a', 'numeric'], ['b', 'text']]), sig([['b', 'text'], ['a', 'numeric']]))).toBeNull();
    expect(signatureChange(null, sig([['a', 'numeric']]))).toBeNull();
    expect(signatureChange({ inputs: 'junk' }, sig([['a', 'numeric']]))).toBeNull();
  });
  it('names a change between tables and images', () => {
    const img = { inputs: { kind: 'image', width: 32, height: 32, channels: 3 } };
    expect(signatureChange(sig([['a', 'numeric']]), img)?.other).toBe('takes 32×32×3 images instead of table rows');
    expect(signatureChange(img, { inputs: { kind: 'image', width: 32, height: 32, channels: 3 } })).toBeNull();
  });
});

describe('Exporting into a folder that exists', () => {
  it('offers <folder>-2, then the next number free of known folders', () => {
    expect(nextFolder('/x/p-champion-onnx', new Set())).toBe('/x/p-champion-onnx-2');
    expect(nextFolder('/x/p-onnx/', new Set())).toBe('/x/p-onnx-2');
    expect(nextFolder('/x/p-onnx-2', new Set())).toBe('/x/p-onnx-3');
    expect(nextFolder('/x/p-onnx', new Set(['/x/p-onnx-2', '/x/p-onnx-3']))).toBe('/x/p-onnx-4');
    expect(nextFolder('C:\\e\\p', new Set())).toBe('C:\\e\\p-2');
  });
});

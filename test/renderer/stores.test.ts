import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatasetVersion } from '../../src/shared/datasets';
import { LatheError } from '../../src/shared/errors';
import { setTransport } from '../../src/renderer/transport';
import { datasetsSelectors, initialDatasetsState, useDatasetsStore } from '../../src/renderer/stores/datasetsStore';
import { isTaskFinished, useToastStore } from '../../src/renderer/stores/toastStore';
import type { DatasetDiff } from '../../src/shared/datasets';
import { fakeTransport, sketch } from './fakeTransport';

const v = (number: number, extra: Partial<DatasetVersion> = {}): DatasetVersion => ({
  id: `id${number}`.padEnd(64, '0'),
  dataset: 'penguins',
  number,
  message: '',
  createdAt: '2024-01-01T00:00:00Z',
  parentId: null,
  sourcePath: '/x',
  format: 'csv',
  size: 10,
  fileCount: 1,
  rowCount: 344,
  columnCount: 7,
  storedBytes: 5,
  tags: [],
  ...extra,
});


beforeEach(() => useDatasetsStore.setState(initialDatasetsState));
afterEach(() => setTransport(null));

describe('datasetsStore', () => {
  it('opens a dataset, selects its newest version and picks two for a diff (older first)', async () => {
    const t = fakeTransport({ 'datasets.versions': () => [v(3), v(2), v(1)], 'datasets.diff': () => sketch<DatasetDiff>({ rows: {} }) });
    setTransport(t);
    await useDatasetsStore.getState().open('penguins');
    const s = useDatasetsStore.getState();
    expect(s.selected).toBe(3);
    expect(datasetsSelectors.selectedVersion(s)?.number).toBe(3);
    s.toggleDiffPick(3);
    useDatasetsStore.getState().toggleDiffPick(1);
    expect(datasetsSelectors.diffPair(useDatasetsStore.getState())?.map((x) => x.number)).toEqual([1, 3]);
    useDatasetsStore.getState().toggleDiffPick(2); // a third pick drops the oldest pick
    expect(useDatasetsStore.getState().diffPick).toEqual([1, 2]);
    await useDatasetsStore.getState().runDiff('Species');
    expect(t.calls.at(-1)).toEqual(['datasets.diff', { from: 'penguins@v1', to: 'penguins@v2', key: 'Species' }]);
    expect(useDatasetsStore.getState().tab).toBe('diff');
  });

  it('keeps errors as LatheErrors for the view', async () => {
    setTransport(fakeTransport({ 'datasets.list': () => Promise.reject(new LatheError('INTERNAL', 'disk full', { hint: 'free space' })) }));
    await useDatasetsStore.getState().loadList();
    const err = useDatasetsStore.getState().list.error;
    expect(err?.message).toBe('disk full');
    expect(err?.hint).toBe('free space');
  });

  it('reloads when the engine says the open dataset changed', async () => {
    let versions = [v(1)];
    const t = fakeTransport({ 'datasets.versions': () => versions, 'datasets.list': () => [] });
    setTransport(t);
    await useDatasetsStore.getState().open('penguins');
    versions = [v(2), v(1)];
    useDatasetsStore.getState().changed('penguins');
    await new Promise((r) => setTimeout(r, 0));
    expect(useDatasetsStore.getState().versions.data?.length).toBe(2);
    expect(useDatasetsStore.getState().selected).toBe(1); // the user's selection is kept
  });
});

describe('toastStore', () => {
  it('shows errors with where and hint, and tracks task progress', () => {
    useToastStore.getState().error(new LatheError('BAD_FILE', 'empty.csv is empty', { where: 'empty.csv', hint: 'Add rows' }));
    const t = useToastStore.getState().toasts.at(-1)!;
    expect(t).toMatchObject({ kind: 'error', message: 'empty.csv is empty', where: 'empty.csv', hint: 'Add rows', code: 'BAD_FILE' });
    useToastStore.getState().progress({ task: 't1', label: 'Importing', phase: 'reading', done: 5, total: 10 });
    expect(useToastStore.getState().tasks.t1.finished).toBe(false);
    expect(isTaskFinished({ task: 't', label: '', phase: 'committing', done: 1, total: 1 })).toBe(true);
    expect(isTaskFinished({ task: 't', label: '', phase: 'done', done: 0, total: 0 })).toBe(true);
  });
});

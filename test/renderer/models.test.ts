import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LatheError } from '../../src/shared/errors';
import type { AliasMove, BundleImportResult, BundleSummary, ExportRecord, LineageGraph, ModelVersion } from '../../src/shared/registry';
import { setTransport } from '../../src/renderer/transport';
import { layoutLineage } from '../../src/renderer/components/lineage/layout';
import { initialModelsState, modelsRouteOf, modelsSelectors, parseModelsRoute, useModelsStore } from '../../src/renderer/stores/modelsStore';
import { aliasesByVersion, countLabel, describeMove, exportFacts, formatDiff, importSummary, keyMetrics, metricDelta, moveRows, refsOf } from '../../src/renderer/stores/modelsView';
import { bundlesSelectors, initialBundlesState, useBundlesStore } from '../../src/renderer/stores/bundlesStore';
import { initialDeployState, suggestOut, useDeployStore } from '../../src/renderer/stores/deployStore';
import type { RunPage } from '../../src/shared/tracking';
import { fakeTransport, sketch } from './fakeTransport';


const mv = (number: number, extra: Partial<ModelVersion> = {}): ModelVersion => ({
  id: `v${number}`.padEnd(32, '0'),
  model: 'penguins',
  number,
  description: '',
  createdAt: 1_700_000_000_000 + number,
  createdBy: 'me',
  runId: `r${number}`.padEnd(32, '0'),
  runName: `run-${number}`,
  backend: 'wasm',
  appVersion: '0.1.0',
  params: {},
  metrics: {},
  datasets: [],
  files: [],
  aliases: [],
  card: {},
  signature: null,
  ...extra,
});

const move = (alias: string, from: number | null, to: number | null, at: number, reason = ''): AliasMove => ({
  model: 'penguins',
  alias,
  from,
  to,
  fromVersionId: null,
  toVersionId: null,
  at,
  by: 'ana',
  reason,
});

describe('lineage layout', () => {
  const chain: LineageGraph = {
    nodes: [
      { key: 'model_version:m', kind: 'model_version', id: 'm', label: 'penguins@2' },
      { key: 'export:e2', kind: 'export', id: 'e2', label: 'onnx 1234' },
      { key: 'run:r', kind: 'run', id: 'r', label: 'calm-stoat' },
      { key: 'dataset_version:d1', kind: 'dataset_version', id: 'd1', label: 'penguins@v1' },
      { key: 'dataset_version:d2', kind: 'dataset_version', id: 'd2', label: 'extra@v3' },
      { key: 'export:e1', kind: 'export', id: 'e1', label: 'tfjs 5678' },
    ],
    edges: [
      { from: 'run:r', to: 'model_version:m', relation: 'produced' },
      { from: 'dataset_version:d1', to: 'run:r', relation: 'input' },
      { from: 'dataset_version:d2', to: 'run:r', relation: 'input' },
      { from: 'model_version:m', to: 'export:e1', relation: 'export:tfjs' },
      { from: 'model_version:m', to: 'export:e2', relation: 'export:onnx' },
    ],
  };

  it('lays dataset -> run -> model -> exports out left to right, columns by kind', () => {
    const l = layoutLineage(chain);
    const at = Object.fromEntries(l.nodes.map((n) => [n.key, n]));
    expect(l.columns).toBe(4);
    expect(at['dataset_version:d1'].col).toBe(0);
    expect(at['run:r'].col).toBe(1);
    expect(at['model_version:m'].col).toBe(2);
    expect(at['export:e1'].col).toBe(3);
    expect(at['dataset_version:d1'].x).toBeLessThan(at['run:r'].x);
    expect(at['run:r'].x).toBeLessThan(at['model_version:m'].x);
    // Same column: stacked without overlap, ordered by label when nothing else decides.
    expect(at['dataset_version:d2'].y + at['dataset_version:d2'].h).toBeLessThanOrEqual(at['dataset_version:d1'].y);
    expect(at['export:e2'].y).toBeLessThan(at['export:e1'].y); // 'onnx …' before 'tfjs …'
    // A lone node in a column sits in the middle of the tallest column.
    const mid = (n: { y: number; h: number }) => n.y + n.h / 2;
    expect(mid(at['run:r'])).toBeCloseTo(l.height / 2);
    // Every box fits in the canvas; every edge ends on the left edge of its target.
    for (const n of l.nodes) {
      expect(n.x + n.w).toBeLessThanOrEqual(l.width);
      expect(n.y + n.h).toBeLessThanOrEqual(l.height);
    }
    for (const e of l.edges) {
      expect(e.x2).toBe(at[e.to].x);
      expect(e.d.startsWith(`M ${at[e.from].x + at[e.from].w} `)).toBe(true);
    }
  });

  it('drops empty columns, dangling edges, duplicates and self-loops; unknown kinds follow their inputs', () => {
    const l = layoutLineage({
      nodes: [
        { key: 'run:r', kind: 'run', id: 'r', label: 'r' },
        { key: 'run:r', kind: 'run', id: 'r', label: 'r' },
        { key: 'model_version:m', kind: 'model_version', id: 'm', label: 'm@1' },
        { key: 'evaluation:x', kind: 'evaluation', id: 'x', label: 'eval' },
      ],
      edges: [
        { from: 'run:r', to: 'model_version:m', relation: 'produced' },
        { from: 'model_version:m', to: 'evaluation:x', relation: 'evaluated' },
        { from: 'dataset_version:gone', to: 'run:r', relation: 'input' },
        { from: 'run:r', to: 'run:r', relation: 'self' },
      ],
    });
    expect(l.nodes).toHaveLength(3);
    expect(l.edges).toHaveLength(2);
    expect(l.nodes.find((n) => n.kind === 'run')!.col).toBe(0);
    expect(l.nodes.find((n) => n.kind === 'evaluation')!.col).toBeGreaterThan(l.nodes.find((n) => n.kind === 'model_version')!.col);
  });

  it('an empty graph has no size', () => {
    expect(layoutLineage({ nodes: [], edges: [] })).toMatchObject({ width: 0, height: 0, nodes: [], edges: [] });
  });
});

describe('alias history formatting', () => {
  it('rows newest first with from/to spelled for people', () => {
    const rows = moveRows([move('champion', null, 1, 10, 'first'), move('champion', 1, 2, 30, 'better on held-out'), move('challenger', 2, null, 20)]);
    expect(rows.map((r) => [r.alias, r.from, r.to, r.what])).toEqual([
      ['champion', 'v1', 'v2', 'moved'],
      ['challenger', 'v2', 'removed', 'removed'],
      ['champion', '—', 'v1', 'set'],
    ]);
    expect(rows[0].reason).toBe('better on held-out');
    expect(new Set(rows.map((r) => r.key)).size).toBe(3);
  });

  it('one line per move', () => {
    expect(describeMove({ alias: 'champion', from: 1, to: 2 })).toBe('champion: v1 → v2');
    expect(describeMove({ alias: 'champion', from: null, to: 1 })).toBe('champion set on v1');
    expect(describeMove({ alias: 'champion', from: 3, to: null })).toBe('champion removed from v3');
    expect(describeMove({ alias: 'champion', from: 2, to: 2 })).toBe('champion stays on v2');
  });

  it('aliases grouped by version', () => {
    expect([...aliasesByVersion({ challenger: 2, champion: 1, staging: 2 })]).toEqual([
      [2, ['challenger', 'staging']],
      [1, ['champion']],
    ]);
  });
});

describe('models view helpers', () => {
  it('key metrics: quality first, bookkeeping left out', () => {
    const m = { lr: 0.001, 'baseline.logreg.test_acc': 1, loss: 0.3, val_acc: 0.8, test_acc: 0.75, samples_per_sec: 2000, zeta: 1 };
    expect(keyMetrics(m).map(([k]) => k)).toEqual(['test_acc', 'val_acc', 'loss']);
    expect(keyMetrics({ zeta: 1, alpha: 'NaN' }, 5)).toEqual([
      ['alpha', 'NaN'],
      ['zeta', 1],
    ]);
  });

  it('refs people can type: aliases, latest, numbers newest first', () => {
    expect(refsOf([{ name: 'b', description: '', createdAt: 0, versionCount: 2, latest: 2, aliases: { champion: 1 } }, { name: 'a', description: '', createdAt: 0, versionCount: 0, latest: null, aliases: {} }])).toEqual([
      'b@champion',
      'b@latest',
      'b@2',
      'b@1',
    ]);
  });

  it('import summary: nothing to do when everything is already here', () => {
    const r: BundleImportResult = {
      dryRun: true,
      formatVersion: 1,
      added: { models: 0, versions: 0, runs: 0 },
      unchanged: { models: 1, versions: 2, runs: 1 },
      conflicts: [],
      renumbered: [],
      objects: { total: 12, new: 0, bytes: 0 },
    };
    expect(importSummary(r)).toEqual({ nothing: true, added: [], unchanged: ['1 model', '2 model versions', '1 run'] });
    const withConflict = { ...r, conflicts: [{ kind: 'alias' as const, model: 'p', alias: 'champion', local: 2, bundle: 1, resolution: 'kept-local' as const }] };
    expect(importSummary(withConflict).nothing).toBe(false);
    expect(importSummary({ ...r, added: { runs: 3, datasetVersions: 1, widgets: 2 } }).added).toEqual(['3 runs', '1 dataset version', '2 widgets']);
    expect(countLabel('objects', 1)).toBe('1 object');
  });

  it('export facts: the ONNX check and the serving command', () => {
    const onnx = exportFacts({ format: 'onnx', report: { opset: 13, check: { rows: 100, maxAbsDiff: 3.2e-7, tolerance: 1e-4, source: 'penguins rows 244-343' } } });
    expect(onnx.onnx).toEqual({ rows: 100, maxAbsDiff: 3.2e-7, tolerance: 1e-4, source: 'penguins rows 244-343', ok: true });
    expect(exportFacts({ format: 'onnx', report: { check: { rows: 100, maxAbsDiff: 0.5 } } }).onnx?.ok).toBe(false);
    const serving = exportFacts({ format: 'serving', report: { run: 'cd /x && node server.mjs', smokeTest: 'cd /x && node smoke-test.mjs' } });
    expect(serving.run).toBe('cd /x && node server.mjs');
    expect(serving.onnx).toBeUndefined();
    expect(exportFacts({ format: 'card', report: {} })).toEqual({ run: undefined, smokeTest: undefined, docker: undefined, load: undefined });
    expect(formatDiff(3.2e-7)).toBe('3.2e-7');
    expect(formatDiff(0)).toBe('0');
  });

  it('metric deltas: second minus first, only for two finite numbers', () => {
    expect(metricDelta([0.5, 0.75])).toBe(0.25);
    expect(metricDelta([1, 1])).toBe(0);
    expect(metricDelta([null, 1])).toBeNull();
    expect(metricDelta(['NaN', 1])).toBeNull();
    expect(metricDelta([1, 2, 3])).toBeNull();
  });

  it('a suggested export folder follows the ref and format', () => {
    expect(suggestOut('/home/me/.lathe', 'penguins@champion', 'onnx')).toBe('/home/me/.lathe/exports/penguins-champion-onnx');
    expect(suggestOut('C:\\Users\\me\\lathe\\', 'p@1', 'tfjs')).toBe('C:\\Users\\me\\lathe\\exports\\p-1-tfjs');
    expect(suggestOut(undefined, 'p@1', 'tfjs')).toBe('');
  });
});

describe('models routes', () => {
  it('round-trips name, version and tab', () => {
    expect(modelsRouteOf({ current: 'penguins', selected: 3, tab: 'lineage' })).toBe('penguins/3/lineage');
    expect(modelsRouteOf({ current: 'penguins', selected: 3, tab: 'overview' })).toBe('penguins/3');
    expect(modelsRouteOf({ current: null, selected: null, tab: 'overview' })).toBe('');
    expect(parseModelsRoute('penguins/3/lineage')).toEqual({ name: 'penguins', version: 3, tab: 'lineage' });
    expect(parseModelsRoute('penguins/x/evil')).toEqual({ name: 'penguins', version: null, tab: 'overview' });
    expect(parseModelsRoute('%E0%A4%A')).toEqual({ name: null, version: null, tab: 'overview' });
    expect(parseModelsRoute('')).toMatchObject({ name: null });
  });
});

describe('modelsStore', () => {
  beforeEach(() => useModelsStore.setState(initialModelsState));
  afterEach(() => setTransport(null));

  it('opens a model on its newest version; compares the selected one with another, older first', async () => {
    const t = fakeTransport({
      'models.versions': () => [mv(3, { aliases: ['champion'] }), mv(2), mv(1, { aliases: ['challenger'] })],
      'models.aliasHistory': () => [move('champion', 1, 3, 5)],
      'models.compare': (i) => ({ versions: [], params: [], metrics: [], sameData: [], input: i }),
    });
    setTransport(t);
    await useModelsStore.getState().open('penguins');
    let s = useModelsStore.getState();
    expect(s.selected).toBe(3);
    expect(s.history.data).toHaveLength(1);
    expect(modelsSelectors.aliases(s)).toEqual([
      ['challenger', 1],
      ['champion', 3],
    ]);
    s.setCompareWith(1);
    await new Promise((r) => setTimeout(r, 0));
    s = useModelsStore.getState();
    expect(modelsSelectors.comparePair(s)?.map((v) => v.number)).toEqual([1, 3]);
    expect(t.calls.at(-1)).toEqual(['models.compare', { a: mv(1).id, b: mv(3).id }]);
    // Selecting the compared version itself drops the comparison.
    s.select(1);
    expect(useModelsStore.getState().compareWith).toBeNull();
  });

  it('moves an alias with its reason and reloads versions and history', async () => {
    let versions = [mv(2), mv(1, { aliases: ['champion'] })];
    const t = fakeTransport({
      'models.versions': () => versions,
      'models.aliasHistory': () => [],
      'models.list': () => [],
      'models.alias': () => {
        versions = [mv(2, { aliases: ['champion'] }), mv(1)];
        return { version: versions[0], move: move('champion', 1, 2, 9, 'better') };
      },
    });
    setTransport(t);
    await useModelsStore.getState().open('penguins');
    const m = await useModelsStore.getState().moveAlias('penguins', 'champion', 2, 'better');
    expect(m?.to).toBe(2);
    expect(t.calls.find(([n]) => n === 'models.alias')).toEqual(['models.alias', { ref: 'penguins@2', alias: 'champion', reason: 'better' }]);
    expect(modelsSelectors.aliases(useModelsStore.getState())).toEqual([['champion', 2]]);
  });

  it('caches lineage and cards by version id and drops them when the model changes', async () => {
    let n = 0;
    const t = fakeTransport({
      'models.versions': () => [mv(1)],
      'models.aliasHistory': () => [],
      'models.list': () => [],
      'models.lineage': () => ({ nodes: [], edges: [], n: ++n }),
    });
    setTransport(t);
    await useModelsStore.getState().open('penguins');
    const v = mv(1);
    await useModelsStore.getState().loadLineage(v);
    await useModelsStore.getState().loadLineage(v);
    expect(t.calls.filter(([c]) => c === 'models.lineage')).toHaveLength(1);
    expect(t.calls.find(([c]) => c === 'models.lineage')?.[1]).toEqual({ ref: v.id });
    useModelsStore.getState().changed('penguins');
    expect(useModelsStore.getState().lineage[v.id]).toBeUndefined();
  });

  it('loads the reverse lineage of a dataset version once', async () => {
    const t = fakeTransport({ 'lineage.downstream': () => ({ nodes: [], edges: [], modelVersions: [{ id: 'm', model: 'p', number: 1 }] }) });
    setTransport(t);
    await useModelsStore.getState().loadDownstream('d1');
    await useModelsStore.getState().loadDownstream('d1');
    expect(t.calls).toEqual([['lineage.downstream', { kind: 'dataset_version', id: 'd1' }]]);
    expect(useModelsStore.getState().downstream.d1.data?.modelVersions).toHaveLength(1);
  });

  it('keeps errors as LatheErrors for the view', async () => {
    setTransport(fakeTransport({ 'models.list': () => Promise.reject(new LatheError('INTERNAL', 'disk full', { hint: 'free space' })) }));
    await useModelsStore.getState().loadList();
    expect(useModelsStore.getState().list.error?.hint).toBe('free space');
  });

  it('lists finished runs that hold a model/ folder for registering', async () => {
    const run = (id: string) => ({ id: id.padEnd(32, '0'), name: id, metrics: {}, params: {}, inputs: [] });
    const t = fakeTransport({
      'runs.search': () => sketch<RunPage>({ runs: [run('a'), run('b')], total: 2, offset: 0, nextOffset: null }),
      'runs.artifacts.list': (i) => (i.runId.startsWith('a') ? [{ path: 'model', isDir: true, size: 0 }] : [{ path: 'stdout.txt', isDir: false, size: 3 }]),
    });
    setTransport(t);
    await useModelsStore.getState().loadRegistrable();
    expect(useModelsStore.getState().registrable.data?.map((r) => r.name)).toEqual(['a']);
    expect(t.calls[0]).toEqual(['runs.search', { query: 'status = "finished"', orderBy: 'start_time desc', limit: 200 }]);
  });
});

describe('deploy and bundle stores', () => {
  beforeEach(() => {
    useDeployStore.setState(initialDeployState);
    useBundlesStore.setState(initialBundlesState);
  });
  afterEach(() => setTransport(null));

  it('exports and refreshes the history; an error stays for the view', async () => {
    const record = sketch<ExportRecord>({ id: 'e', format: 'tfjs', files: [], report: {} });
    const t = fakeTransport({ 'export.run': () => record, 'export.history': () => [record] });
    setTransport(t);
    const d = useDeployStore.getState();
    d.setRef(' penguins@champion ');
    d.setOut('/tmp/out ');
    expect(await useDeployStore.getState().runExport()).toBe(record);
    expect(t.calls[0]).toEqual(['export.run', { ref: 'penguins@champion', format: 'tfjs', out: '/tmp/out' }]);
    await new Promise((r) => setTimeout(r, 0));
    expect(useDeployStore.getState().history.data).toEqual([record]);
    setTransport(fakeTransport({ 'export.run': () => Promise.reject(new LatheError('ALREADY_EXISTS', '/tmp/out exists', { where: 'out' })) }));
    await useDeployStore.getState().runExport();
    expect(useDeployStore.getState().error?.where).toBe('out');
  });

  it('offers an import only after a dry run of the same file; overwrite becomes force', async () => {
    const dry: BundleImportResult = { dryRun: true, formatVersion: 1, added: { runs: 1 }, unchanged: {}, conflicts: [], renumbered: [], objects: { total: 1, new: 1, bytes: 5 } };
    const t = fakeTransport({ 'bundle.import': (i) => ({ ...dry, dryRun: i.dryRun ?? false }) });
    setTransport(t);
    const b = useBundlesStore.getState();
    b.setFile('/tmp/b.tar');
    expect(bundlesSelectors.canImport(useBundlesStore.getState())).toBe(false);
    await useBundlesStore.getState().checkImport();
    expect(bundlesSelectors.canImport(useBundlesStore.getState())).toBe(true);
    useBundlesStore.getState().setOverwrite(true);
    await useBundlesStore.getState().runImport();
    expect(t.calls).toEqual([
      ['bundle.import', { file: '/tmp/b.tar', dryRun: true }],
      ['bundle.import', { file: '/tmp/b.tar', dryRun: false, force: true }],
    ]);
    expect(useBundlesStore.getState().imported?.dryRun).toBe(false);
    // Another file: the dry run no longer applies.
    useBundlesStore.getState().setFile('/tmp/other.tar');
    expect(bundlesSelectors.canImport(useBundlesStore.getState())).toBe(false);
  });

  it('a refused bundle keeps its reason', async () => {
    setTransport(fakeTransport({ 'bundle.import': () => Promise.reject(new LatheError('BAD_FILE', 'The bundle entry "../evil" leaves the bundle', { where: '../evil' })) }));
    useBundlesStore.getState().setFile('/tmp/evil.tar');
    await useBundlesStore.getState().checkImport();
    const s = useBundlesStore.getState();
    expect(s.importError?.message).toMatch(/\.\.\/evil/);
    expect(s.dryRun).toBeNull();
  });

  it('bundle export sends only what was chosen', async () => {
    const t = fakeTransport({ 'bundle.export': () => sketch<BundleSummary>({ file: '/tmp/b.tar', bytes: 10, objects: 2, objectBytes: 8, models: 1, versions: 1, runs: 1, datasetVersions: 1 }) });
    setTransport(t);
    useBundlesStore.getState().setExportField({ out: ' /tmp/b.tar ' });
    await useBundlesStore.getState().exportBundle();
    useBundlesStore.getState().toggleModel('penguins@champion');
    useBundlesStore.getState().setExportField({ runs: ' status = "finished" ', withData: true });
    await useBundlesStore.getState().exportBundle();
    expect(t.calls).toEqual([
      ['bundle.export', { out: '/tmp/b.tar', withData: false }],
      ['bundle.export', { out: '/tmp/b.tar', models: ['penguins@champion'], runs: 'status = "finished"', withData: true }],
    ]);
  });
});

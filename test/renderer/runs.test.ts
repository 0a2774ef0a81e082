import { describe, expect, it } from 'vitest';
import type { MetricHistory, Run } from '../../src/shared/tracking';
import { smoothEma, stepRange, toPoints } from '../../src/renderer/components/charts/series';
import { axisScale } from '../../src/renderer/components/charts/ParallelCoordinates';
import { parseRoute, routeOf, type ExperimentsView } from '../../src/renderer/stores/experimentsStore';
import {
  applyCompletion,
  cellValue,
  checkQuery,
  columnField,
  columnFromId,
  columnId,
  complete,
  formatDuration,
  formatMetric,
  groupRuns,
  quoteKey,
  runsToCsv,
  type RunColumn,
} from '../../src/renderer/stores/runsTable';
import { parseOrderBy, parseRunQuery } from '../../src/shared/runQuery';

const run = (id: string, params: Record<string, string>, loss: number | string | null, extra: Partial<Run> = {}): Run => ({
  id: id.padEnd(32, '0'),
  experimentId: '1',
  experimentName: 'exp',
  name: `run ${id}`,
  status: 'finished',
  source: 'api',
  startTime: 1_700_000_000_000,
  endTime: null,
  duration: 61_000,
  notes: '',
  lifecycle: 'active',
  deletedAt: null,
  environment: {},
  params,
  tags: {},
  metrics: loss === null ? {} : { loss: { last: loss as number, min: 0.1, max: 2, step: 9, timestamp: 0, count: 10 } },
  inputs: [],
  ...extra,
});

describe('smoothing (debiased EMA)', () => {
  it('is the identity at weight 0 and debiased from the first point', () => {
    expect(smoothEma([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = smoothEma([10, 10, 10], 0.9);
    // Debiasing removes the pull toward the zero start: a constant stays constant.
    for (const v of s) expect(v).toBeCloseTo(10, 10);
  });
  it('follows ema_t = w*ema_{t-1} + (1-w)*x_t divided by 1-w^t, skipping NaN', () => {
    const w = 0.5;
    const s = smoothEma([2, NaN, 4], w);
    expect(s[0]).toBeCloseTo(2);
    expect(Number.isNaN(s[1])).toBe(true);
    // ema: 1, then 0.5*1 + 0.5*4 = 2.5; debiased by 1 - 0.25 = 0.75 -> 3.333
    expect(s[2]).toBeCloseTo(2.5 / 0.75);
  });
});

describe('chart points', () => {
  const h: MetricHistory = { runId: 'r', key: 'loss', steps: [0, 1, 2, 3], timestamps: [1000, 2000, 3000, 5000], values: [1, 'NaN', 0, 0.5], total: 4, downsampled: false };
  it('maps x by step, wall or relative time and drops non-finite (and <= 0 on log)', () => {
    expect(toPoints(h, 'step').raw.map((p) => p.x)).toEqual([0, 2, 3]);
    expect(toPoints(h, 'relative').raw.map((p) => p.x)).toEqual([0, 2, 4]);
    expect(toPoints(h, 'wall').raw.map((p) => p.x)).toEqual([1000, 3000, 5000]);
    expect(toPoints(h, 'step', { log: true }).dropped).toBe(2);
  });
  it('turns an x range into the steps it covers (zoom)', () => {
    const pts = toPoints(h, 'relative').raw;
    expect(stepRange(pts, 1, 5)).toEqual([2, 3]);
    expect(stepRange(pts, 10, 11)).toBeNull();
  });
});

describe('runs table columns', () => {
  it('round-trips column ids and writes query-language fields', () => {
    const cols: RunColumn[] = [
      { kind: 'metric', key: 'val:acc', agg: 'max' },
      { kind: 'param', key: 'learning rate' },
      { kind: 'tag', key: 'team' },
      { kind: 'attr', key: 'start_time' },
    ];
    for (const c of cols) expect(columnFromId(columnId(c))).toEqual(c);
    expect(columnField(cols[0])).toBe('max(metrics.val:acc)');
    expect(columnField(cols[1])).toBe('params."learning rate"');
    // Every field we write parses, as an order and in a filter.
    for (const c of cols) expect(() => parseOrderBy(`${columnField(c)} desc`)).not.toThrow();
    expect(() => parseRunQuery(`${columnField(cols[1])} = "0.1"`)).not.toThrow();
    expect(quoteKey('a"b')).toBe('"a\\"b"');
  });
  it('reads cells: metrics decoded (NaN kept), params as text', () => {
    expect(cellValue(run('a', { lr: '0.1' }, 'NaN'), { kind: 'metric', key: 'loss', agg: 'last' })).toBeNaN();
    expect(cellValue(run('a', { lr: '0.1' }, 1), { kind: 'param', key: 'lr' })).toBe('0.1');
    expect(formatMetric('Infinity')).toBe('∞');
    expect(formatMetric(0.123456)).toBe('0.12346');
    expect(formatDuration(61_000)).toBe('1m 01s');
  });
});

describe('CSV and grouping', () => {
  const runs = [run('a', { opt: 'adam' }, 1), run('b', { opt: 'adam' }, 3), run('c', { opt: 'sgd' }, 'NaN'), run('d', {}, null, { name: '=cmd()' })];
  it('exports quoted CSV with formula injection defused', () => {
    const csv = runsToCsv(runs, [{ kind: 'param', key: 'opt' }, { kind: 'metric', key: 'loss', agg: 'last' }]);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('id,experiment,name,status,source,start_time,duration_s,params.opt,metrics.loss');
    expect(lines[3].endsWith(',sgd,NaN')).toBe(true);
    expect(lines[4]).toContain(",'=cmd(),");
  });
  it('groups by a param with count and mean/min/max of finite values', () => {
    const g = groupRuns(runs, 'opt', { kind: 'metric', key: 'loss', agg: 'last' });
    expect(g.map((x) => [x.value, x.count, x.mean, x.min, x.max])).toEqual([
      ['adam', 2, 2, 1, 3],
      ['sgd', 1, null, null, null],
      [null, 1, null, null, null],
    ]);
  });
});

describe('the filter box', () => {
  const keys = { metrics: ['loss', 'val_acc'], params: ['optimizer', 'lr'], tags: ['team'] };
  it('reports the parser error with its column', () => {
    expect(checkQuery('')).toBeNull();
    expect(checkQuery('metrics.loss < 0.5')).toBeNull();
    const p = checkQuery('metrics.loss > and x');
    expect(p?.column).toBe(16);
    expect(p?.message).toMatch(/expected a value/);
  });
  it('suggests keys, operators and values at the caret', () => {
    const c = complete('params.op', 9, keys)!;
    expect(c.items[0].insert).toBe('params.optimizer');
    expect(applyCompletion('params.op', c, c.items[0]).text).toBe('params.optimizer ');
    expect(complete('params.optimizer ', 17, keys)!.items.map((i) => i.insert)).toContain('=');
    const v = complete('status = ', 9, keys)!;
    expect(v.items.map((i) => i.label)).toEqual(['running', 'finished', 'failed', 'killed']);
    const pv = complete('params.optimizer = "a', 21, keys, () => ['adam', 'sgd'])!;
    expect(pv.items.map((i) => i.insert)).toEqual(['"adam"']);
    expect(complete('val', 3, keys)!.items[0].insert).toBe('metrics.val_acc');
  });
});

describe('parallel coordinates scales and routes', () => {
  it('uses a numeric axis when all values are numbers, else categories', () => {
    expect(axisScale(['0.1', 0.3, null]).kind).toBe('number');
    const cat = axisScale(['sgd', 'adam', null]);
    expect(cat.kind).toBe('category');
    expect(cat.pos('adam')).toBe(0);
    expect(cat.pos('sgd')).toBe(1);
  });
  it('round-trips experiment routes and refuses junk', () => {
    const id = 'a'.repeat(32);
    for (const v of [{ kind: 'list' }, { kind: 'runs', experimentId: '3' }, { kind: 'runs', experimentId: null }, { kind: 'trash' }, { kind: 'run', runId: id }, { kind: 'compare', ids: [id, 'b'.repeat(32)] }] as ExperimentsView[]) {
      expect(parseRoute(routeOf(v))).toEqual(v);
    }
    expect(parseRoute('run/<script>')).toEqual({ kind: 'list' });
  });
});

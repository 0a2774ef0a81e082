import { describe, expect, it } from 'vitest';
import { parseMetricLine } from '../../src/main/engine/tracking/metricLines';

describe('metric lines', () => {
  it.each([
    ['lathe.metric loss=0.25', { kind: 'metric', key: 'loss', value: 0.25, step: undefined }],
    ['  lathe.metric val/acc=1e-3 step=7', { kind: 'metric', key: 'val/acc', value: 0.001, step: 7 }],
    ['lathe.metric x=nan', { kind: 'metric', key: 'x', value: NaN, step: undefined }],
    ['lathe.metric x=-inf step=-1', { kind: 'metric', key: 'x', value: -Infinity, step: -1 }],
    ['{"lathe_metric": {"key": "acc", "value": 0.9, "step": 3}}', { kind: 'metric', key: 'acc', value: 0.9, step: 3 }],
    ['{"lathe_metric": {"key": "acc", "value": "Infinity"}}', { kind: 'metric', key: 'acc', value: Infinity, step: undefined }],
    ['lathe.param optimizer=adam w=1', { kind: 'param', key: 'optimizer', value: 'adam w=1' }],
    ['hello world', null],
    ['lathe.metrics are great', null],
    ['{"other": 1}', null],
  ])('%s', (line, expected) => {
    expect(parseMetricLine(line)).toEqual(expected);
  });

  it.each([
    'lathe.metric',
    'lathe.metric loss',
    'lathe.metric loss=abc',
    'lathe.metric bad;key=1',
    'lathe.metric loss=1 step=1.5',
    'lathe.metric loss=1 epoch=2',
    '{"lathe_metric": {"key": "a", "value": "x"}}',
    '{"lathe_metric": {"value": 1}}',
    '{"lathe_metric": {"key": "a", "value": 1, "step": "2"}}',
    '{"lathe_metric": ',
  ])('reports a problem for %s', (line) => {
    expect(parseMetricLine(line)?.kind).toBe('problem');
  });
});

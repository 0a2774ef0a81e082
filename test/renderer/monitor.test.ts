import { describe, expect, it } from 'vitest';
import type { MonitoredModel } from '../../src/shared/monitoring';
import { firingTotal, rangeBounds } from '../../src/renderer/stores/monitorStore';

const HOUR = 3_600_000;
const model = (over: Partial<MonitoredModel> = {}): MonitoredModel => ({
  model: 'churn',
  windows: 48,
  rows: 2880,
  firstWindow: 100 * HOUR,
  lastWindow: 147 * HOUR,
  lastRows: 60,
  versions: [1],
  driftShare: 0.2,
  headline: null,
  valuePer1000: { estimated: null, realized: null },
  alerts: { firing: 0, pending: 0 },
  state: 'ok',
  ...over,
});

describe('monitor store: ranges and the alert badge', () => {
  it('ranges end at the newest window, not at the clock (logs carried from another site are old)', () => {
    expect(rangeBounds(model(), '24h')).toEqual({ from: 124 * HOUR, to: 148 * HOUR });
    expect(rangeBounds(model(), '7d')).toEqual({ from: 100 * HOUR, to: 148 * HOUR });
    expect(rangeBounds(model(), 'all')).toEqual({ from: 100 * HOUR, to: 148 * HOUR });
  });

  it('a model without windows lets the engine choose', () => {
    expect(rangeBounds(model({ firstWindow: null, lastWindow: null }), '24h')).toEqual({});
    expect(rangeBounds(undefined, '7d')).toEqual({});
  });

  it('the navigation badge counts firing alerts across models', () => {
    expect(firingTotal(null)).toBe(0);
    expect(firingTotal([model({ alerts: { firing: 2, pending: 1 } }), model({ model: 'b', alerts: { firing: 1, pending: 0 } })])).toBe(3);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertsView, DriftReport, MonitoredModel, MonitorTimeline } from '../../src/shared/monitoring';
import { LatheError } from '../../src/shared/errors';
import { setTransport } from '../../src/renderer/transport';
import { firingTotal, initialMonitorState, rangeBounds, useMonitorStore } from '../../src/renderer/stores/monitorStore';
import { fakeTransport, sketch } from './fakeTransport';

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

describe('monitor store: loading a model', () => {
  afterEach(() => {
    setTransport(null);
    useMonitorStore.setState(initialMonitorState);
  });

  it('is busy while its calls run, then shows them; a failure shows its error and clears the flag', async () => {
    let fail = false;
    setTransport(
      fakeTransport({
        'monitor.list': () => [model()],
        'monitor.timeline': () => (fail ? Promise.reject(new LatheError('INTERNAL', 'store gone')) : sketch<MonitorTimeline>({ windows: [] })),
        'monitor.drift': () => sketch<DriftReport>({}),
        'monitor.alerts': () => sketch<AlertsView>({}),
      }),
    );
    const opening = useMonitorStore.getState().open('churn');
    await Promise.resolve();
    await opening;
    expect(useMonitorStore.getState()).toMatchObject({ loading: false, error: null, timeline: { windows: [] } });
    fail = true;
    const again = useMonitorStore.getState().setRange('24h');
    expect(useMonitorStore.getState().loading).toBe(true);
    await again;
    expect(useMonitorStore.getState()).toMatchObject({ loading: false, error: { code: 'INTERNAL' } });
  });

  it('drops the answers of a model closed while they were on their way', async () => {
    let answer!: () => void;
    const timeline = new Promise<MonitorTimeline>((res) => (answer = () => res(sketch<MonitorTimeline>({ windows: [] }))));
    setTransport(
      fakeTransport({
        'monitor.list': () => [model()],
        'monitor.timeline': () => timeline,
        'monitor.drift': () => sketch<DriftReport>({}),
        'monitor.alerts': () => sketch<AlertsView>({}),
      }),
    );
    const opening = useMonitorStore.getState().open('churn');
    await new Promise((r) => setTimeout(r, 0));
    expect(useMonitorStore.getState().loading).toBe(true);
    useMonitorStore.getState().close();
    answer();
    await opening;
    expect(useMonitorStore.getState()).toMatchObject({ model: null, loading: false, timeline: null, error: null });
  });
});

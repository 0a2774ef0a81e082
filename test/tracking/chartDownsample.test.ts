import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { decodeMetricValue } from '../../src/shared/tracking';
import { tempEngine } from '../helpers';

let engine: Engine;
let cleanup: () => void;
beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
});
afterAll(() => cleanup());

/**
 * A chart's downsampling keeps every bucket's extremes: a one-point spike up or down anywhere in a long
 * series is among the points drawn, the total is the series' real count, and no more than maxPoints
 * points come back.
 */
describe('runs.metricHistory downsampling for charts', () => {
  it('keeps one-point spikes of a 200k-point series at 600 points, whole and zoomed', async () => {
    const r = await invoke(engine, 'runs.create', { experiment: 'spikes' });
    const log = engine.tracking.runs.logger(r.id);
    const spikes = new Map([
      [12_345, 50],
      [77_777, -40],
      [199_998, 30],
    ]);
    for (let i = 0; i < 200_000; i++) log.log('loss', spikes.get(i) ?? 1 + Math.sin(i / 100) * 0.1, i);
    const h = await invoke(engine, 'runs.metricHistory', { runId: r.id, key: 'loss', maxPoints: 600 });
    expect(h.total).toBe(200_000);
    expect(h.downsampled).toBe(true);
    expect(h.steps.length).toBeLessThanOrEqual(600);
    expect(h.steps.length).toBeGreaterThan(500);
    const at = new Map(h.steps.map((s, k) => [s, decodeMetricValue(h.values[k])]));
    for (const [step, value] of spikes) expect(at.get(step)).toBe(value);
    // The line spans the whole series: its first and last points are drawn.
    expect(h.steps[0]).toBe(0);
    expect(h.steps.at(-1)).toBe(199_999);
    // In step order, no step twice.
    for (let k = 1; k < h.steps.length; k++) expect(h.steps[k]).toBeGreaterThan(h.steps[k - 1]);

    const zoom = await invoke(engine, 'runs.metricHistory', { runId: r.id, key: 'loss', maxPoints: 600, stepFrom: 50_000, stepTo: 150_000 });
    expect(zoom.total).toBe(100_001);
    expect(zoom.steps.length).toBeLessThanOrEqual(600);
    expect(zoom.steps[0]).toBe(50_000);
    expect(zoom.steps.at(-1)).toBe(150_000);
    expect(new Map(zoom.steps.map((s, k) => [s, decodeMetricValue(zoom.values[k])])).get(77_777)).toBe(-40);
  });
});

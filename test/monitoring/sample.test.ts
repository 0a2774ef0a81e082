import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { SAMPLE_MODEL, SAMPLE_SHIFTED } from '../../src/main/engine/monitoring/sampleHistory';
import { tempDir } from '../helpers';

/**
 * The sample project's production history (issue 11 item 10), added to a new sample workspace as a
 * first-time user does from the empty Monitor screen (`monitor.sample`): a monitored champion, three days of replayed traffic with a shift from hour 48, labels for
 * the first two days, drift flagged on the shifted feature only, estimated and realized accuracy, and a
 * firing alert. (How long seeding takes is printed, never asserted: speed lives in the bench.)
 */
let engine: Engine;
let home: string;
let seedMs = 0;

beforeAll(async () => {
  home = tempDir();
  engine = await createEngine({ home, sample: true });
  // A new workspace is not monitoring anything (the empty states stay empty) until asked.
  expect(await invoke(engine, 'monitor.list', {})).toEqual([]);
  const t = Date.now();
  const c0 = process.cpuUsage();
  const added = await invoke(engine, 'monitor.sample', {});
  const c = process.cpuUsage(c0);
  seedMs = Date.now() - t;
  expect(added).toEqual({ model: SAMPLE_MODEL, requests: 72 * 40, labels: 48 * 40 });
  console.log(`sample history added in ${seedMs} ms wall, ${Math.round((c.user + c.system) / 1000)} ms CPU`);
}, 120_000);
afterAll(() => {
  engine.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('the sample project has a monitored champion with a production history', () => {
  it('lists the champion as monitored, with 72 hourly windows and a firing alert', async () => {
    const list = await invoke(engine, 'monitor.list', {});
    const m = list.find((x) => x.model === SAMPLE_MODEL)!;
    expect(m).toMatchObject({ windows: 72, rows: 72 * 40, state: 'firing' });
    expect(m.alerts.firing).toBeGreaterThanOrEqual(1);
    expect((await invoke(engine, 'models.show', { ref: `${SAMPLE_MODEL}@champion` })).number).toBe(1);
    const ref = await invoke(engine, 'monitor.reference', { ref: `${SAMPLE_MODEL}@1` });
    expect(ref.trainRows).toBeGreaterThan(100); // the bundled profile (its split of the 344 birds)
    const alerts = await invoke(engine, 'monitor.alerts', { model: SAMPLE_MODEL });
    expect(alerts.rules.find((r) => r.series === `feature.${SAMPLE_SHIFTED}.drift`)!.state).toBe('firing');
  });

  it('a shift that persists is one incident per rule: no rule fires, resolves and fires again (hysteresis)', async () => {
    const alerts = await invoke(engine, 'monitor.alerts', { model: SAMPLE_MODEL, limit: 1000 });
    const firings = new Map<string, number>();
    for (const h of alerts.history) if (h.to === 'firing') firings.set(h.rule, (firings.get(h.rule) ?? 0) + 1);
    expect(firings.size).toBeGreaterThanOrEqual(1);
    for (const [rule, n] of firings) expect(n, rule).toBe(1);
  });

  it('is added once: asking again is refused and changes nothing', async () => {
    await expect(invoke(engine, 'monitor.sample', {})).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await invoke(engine, 'monitor.list', {})).find((m) => m.model === SAMPLE_MODEL)!.rows).toBe(72 * 40);
  });

  it('flags drift on the shifted feature only after the shift, and none before it', async () => {
    const t = await invoke(engine, 'monitor.timeline', { ref: SAMPLE_MODEL });
    const start = t.windows[0].start;
    const after = await invoke(engine, 'monitor.drift', { ref: SAMPLE_MODEL, from: start + 48 * 3_600_000, to: start + 72 * 3_600_000 });
    expect(after.features.filter((f) => f.drift).map((f) => f.feature)).toEqual([SAMPLE_SHIFTED]);
    const before = await invoke(engine, 'monitor.drift', { ref: SAMPLE_MODEL, from: start, to: start + 48 * 3_600_000 });
    expect(before.features.filter((f) => f.drift)).toEqual([]);
  });

  it('draws estimated accuracy in every window and realized accuracy where labels arrived (the first two days)', async () => {
    const t = await invoke(engine, 'monitor.timeline', { ref: SAMPLE_MODEL });
    expect(t.windows).toHaveLength(72);
    expect(t.windows.every((w) => w.estimated?.accuracy !== undefined && w.estimated?.accuracy !== null)).toBe(true);
    const labelled = t.windows.filter((w) => w.labelled > 0);
    expect(labelled).toHaveLength(48);
    expect(labelled.every((w) => w.realized?.accuracy !== undefined)).toBe(true);
    const est = labelled.reduce((a, w) => a + (w.estimated?.accuracy?.value ?? 0), 0) / labelled.length;
    const real = labelled.reduce((a, w) => a + (w.realized?.accuracy ?? 0), 0) / labelled.length;
    expect(Math.abs(est - real)).toBeLessThan(0.05);
  });
});

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { alertNotifier, monitoredModelOf, type WindowLike } from '../../src/main/electron/alertNotifier';
import { SettingsStore } from '../../src/main/engine/settings';
import { tempDir, tempEngine } from '../helpers';
import { logLines, trainRealModel } from '../monitoring/fixture';

/**
 * Desktop notifications of monitoring alerts: a real engine, a real model and a real drifted ingest
 * make a rule fire; Electron's Notification and window are the only fakes (they record what the
 * notifier asks of them), as in the other test/electron tests.
 */

/** A fake of Electron's Notification: records every notification shown and can be clicked. */
function fakeElectron(supported = true) {
  const shown: { title: string; body: string; silent?: boolean; click: () => void }[] = [];
  class Notification {
    private listener: () => void = () => undefined;
    constructor(readonly options: { title: string; body: string; silent?: boolean }) {}
    static isSupported() {
      return supported;
    }
    on(_event: 'click', fn: () => void) {
      this.listener = fn;
      return this;
    }
    show() {
      shown.push({ ...this.options, click: () => this.listener() });
    }
  }
  return { Notification, shown };
}

const win = (url: string, focused: boolean): WindowLike => ({ isDestroyed: () => false, isFocused: () => focused, webContents: { getURL: () => url } });

let engine: Engine;
let cleanup: () => void;
let dir: string;
const START = Date.UTC(2026, 10, 22, 0, 0, 0);
const opened: string[] = [];
const cases = {
  elsewhere: { e: fakeElectron(), w: win('lathe://app/index.html#/datasets/penguins', true), env: {} },
  otherMonitor: { e: fakeElectron(), w: win('lathe://app/index.html#/monitor/other-model', true), env: {} },
  watching: { e: fakeElectron(), w: win('lathe://app/index.html#/monitor/churn', true), env: {} },
  watchingUnfocused: { e: fakeElectron(), w: win('lathe://app/index.html#/monitor/churn', false), env: {} },
  off: { e: fakeElectron(), w: win('lathe://app/index.html#/datasets', false), env: { LATHE_NOTIFICATIONS: 'off' } },
  unsupported: { e: fakeElectron(false), w: win('lathe://app/index.html#/datasets', false), env: {} },
};

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = tempDir('lathe-notify-');
  await trainRealModel(engine, dir);
  for (const c of Object.values(cases)) engine.events.subscribe(alertNotifier({ Notification: c.e.Notification, window: () => c.w, env: c.env, open: (m) => opened.push(m) }));
  const calm = await logLines(engine, 'churn@1', { hours: 2, perHour: 300, start: START, seed: 21, idPrefix: 'c' });
  await invoke(engine, 'monitor.ingest', { ref: 'churn', records: calm.lines.map((l) => JSON.parse(l)) });
  const drifted = await logLines(engine, 'churn@1', { hours: 3, perHour: 300, start: START + 2 * 3_600_000, seed: 22, shift: { mean: { x0: 1.5, x1: 1.2, x2: 1, x3: -1 } }, idPrefix: 'd' });
  await invoke(engine, 'monitor.ingest', { ref: 'churn', records: drifted.lines.map((l) => JSON.parse(l)) });
}, 240_000);
afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('desktop notifications of firing alerts', () => {
  it('a rule that starts firing is notified once, naming the model, rule and series; a click brings the window forward', async () => {
    const firing = (await invoke(engine, 'monitor.alerts', { model: 'churn' })).rules.filter((r) => r.state === 'firing');
    expect(firing.map((r) => r.series)).toContain('drift.share');
    const shown = cases.elsewhere.e.shown;
    expect(shown).toHaveLength(firing.length);
    const drift = shown.find((n) => n.body.startsWith('drift.share'))!;
    expect(drift.title).toBe(`churn: ${firing.find((r) => r.series === 'drift.share')!.name}`);
    expect(drift.body).toMatch(/^drift\.share.* is firing \((warning|critical|info)\) since the window of 2026-11-22 \d\d:\d\d UTC\.$/);
    drift.click();
    expect(opened).toEqual(['churn']);
    // Pending states and resolutions are not notified.
    expect(shown.every((n) => /is firing/.test(n.body))).toBe(true);
  });

  it('stays quiet while the window is focused on that model’s monitor, and notifies for another monitor or an unfocused window', () => {
    expect(cases.watching.e.shown).toEqual([]);
    expect(cases.otherMonitor.e.shown.length).toBe(cases.elsewhere.e.shown.length);
    expect(cases.watchingUnfocused.e.shown.length).toBe(cases.elsewhere.e.shown.length);
  });

  it('LATHE_NOTIFICATIONS=off, or a platform without notifications, shows nothing', () => {
    expect(cases.off.e.shown).toEqual([]);
    expect(cases.unsupported.e.shown).toEqual([]);
  });

  it('the workspace setting "Desktop notifications when an alert starts firing" is respected, read when an alert fires', async () => {
    expect(await invoke(engine, 'settings.get', {})).toEqual({ desktopNotifications: true });
    const mine = fakeElectron();
    const control = fakeElectron();
    const w = win('lathe://app/index.html#/datasets', false);
    engine.events.subscribe(alertNotifier({ Notification: mine.Notification, window: () => w, env: {}, open: () => undefined, enabled: async () => (await invoke(engine, 'settings.get', {})).desktopNotifications }));
    engine.events.subscribe(alertNotifier({ Notification: control.Notification, window: () => w, env: {}, open: () => undefined }));
    expect(await invoke(engine, 'settings.set', { desktopNotifications: false })).toEqual({ desktopNotifications: false });
    // Calm hours resolve the firing rules (the default rules resolve after 3 quiet windows); drifted hours make them fire again.
    const at = START + 5 * 3_600_000;
    const calm = await logLines(engine, 'churn@1', { hours: 3, perHour: 300, start: at, seed: 23, idPrefix: 'c2' });
    await invoke(engine, 'monitor.ingest', { ref: 'churn', records: calm.lines.map((l) => JSON.parse(l)) });
    const drifted = await logLines(engine, 'churn@1', { hours: 3, perHour: 300, start: at + 3 * 3_600_000, seed: 24, shift: { mean: { x0: 1.5, x1: 1.2, x2: 1, x3: -1 } }, idPrefix: 'd2' });
    await invoke(engine, 'monitor.ingest', { ref: 'churn', records: drifted.lines.map((l) => JSON.parse(l)) });
    await new Promise((r) => setTimeout(r, 50));
    expect(control.shown.length, 'the rules fired again').toBeGreaterThan(0);
    expect(mine.shown).toEqual([]);
    // Stored in the workspace: a fresh reader of the same database sees it; switched back on, it notifies again.
    expect(new SettingsStore(engine.db).get()).toEqual({ desktopNotifications: false });
    await invoke(engine, 'settings.set', { desktopNotifications: true });
    engine.events.emit('monitor.alert', { model: 'churn', ruleId: 'r', rule: 'test', series: 'drift.share', from: 'pending', to: 'firing', window: at, value: 1, severity: 'warning' });
    await new Promise((r) => setTimeout(r, 50));
    expect(mine.shown).toHaveLength(1);
  }, 120_000);

  it('reads the monitored model from the window’s hash', () => {
    expect(monitoredModelOf('lathe://app/index.html#/monitor/churn%20v2')).toBe('churn v2');
    expect(monitoredModelOf('lathe://app/index.html#/monitor')).toBeNull();
    expect(monitoredModelOf('lathe://app/index.html#/models/churn')).toBeNull();
    expect(monitoredModelOf('lathe://app/index.html')).toBeNull();
    expect(monitoredModelOf('lathe://app/#/monitor/%E0%A4%A')).toBeNull();
  });
});

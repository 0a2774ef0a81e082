/**
 * Desktop notifications for monitoring alerts (issue 11 item 7): when a rule starts firing, Electron's
 * Notification says which model, rule and series.
 * Quiet when the user is already looking (the window focused on that model's monitor, whose hash the
 * renderer keeps as `#/monitor/<model>`), when the platform has no notifications, and when turned off
 * (the workspace setting "Desktop notifications when an alert starts firing", `settings.desktopNotifications`,
 * switched on the Monitor screen; or `LATHE_NOTIFICATIONS=off` for the process). A click brings the window forward. Pure: Electron comes in as `deps`, so
 * tests drive it with a fake module and a real engine's events.
 */
import type { LatheEvent } from '../../shared/contract';

export interface NotificationLike {
  show(): void;
  on(event: 'click', listener: () => void): unknown;
}

export interface NotificationCtor {
  new (options: { title: string; body: string; silent?: boolean }): NotificationLike;
  isSupported(): boolean;
}

export interface WindowLike {
  isDestroyed(): boolean;
  isFocused(): boolean;
  webContents: { getURL(): string };
}

export interface AlertNotifierDeps {
  Notification: NotificationCtor;
  window: () => WindowLike | null;
  /** The process environment (LATHE_NOTIFICATIONS=off turns notifications off). */
  env: Record<string, string | undefined>;
  /** Clicked: bring the window forward (the alert's model is given). */
  open: (model: string) => void;
  /** The user's setting, read when an alert fires (default on). */
  enabled?: () => boolean | Promise<boolean>;
}

/** The model whose monitor a window shows, from its URL's hash (`#/monitor/<model>`), else null. */
export function monitoredModelOf(url: string): string | null {
  const hash = url.includes('#') ? url.slice(url.indexOf('#') + 1) : '';
  const m = /^\/?monitor\/([^/?]+)/.exec(hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

export function notificationsEnabled(env: Record<string, string | undefined>): boolean {
  return !/^(off|0|false|no)$/i.test(env.LATHE_NOTIFICATIONS ?? '');
}

/** An event listener for the engine's bus: notifies `monitor.alert` events that go to firing. */
export function alertNotifier(deps: AlertNotifierDeps): (event: LatheEvent) => void {
  return (event) => {
    if (event.type !== 'monitor.alert') return;
    const a = event.data;
    if (a.to !== 'firing' || !notificationsEnabled(deps.env) || !deps.Notification.isSupported()) return;
    const on = deps.enabled ? deps.enabled() : true;
    if (typeof on === 'boolean') {
      if (on) notify(deps, a);
    } else void on.then((yes) => yes && notify(deps, a), () => undefined);
  };
}

type AlertEvent = Extract<LatheEvent, { type: 'monitor.alert' }>['data'];

function notify(deps: AlertNotifierDeps, a: AlertEvent): void {
  const win = deps.window();
  if (win && !win.isDestroyed() && win.isFocused() && monitoredModelOf(win.webContents.getURL()) === a.model) return;
  const value = a.value === null ? '' : ` (${Number.isInteger(a.value) ? a.value : a.value.toPrecision(3)})`;
  const n = new deps.Notification({
    title: `${a.model}: ${a.rule}`,
    body: `${a.series}${value} is firing (${a.severity}) since the window of ${new Date(a.window).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    silent: a.severity === 'info',
  });
  n.on('click', () => deps.open(a.model));
  n.show();
}

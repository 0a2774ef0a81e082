import { useEffect, useState } from 'react';
import { toLatheError, type LatheError } from '../../../shared/errors';
import { ALERT_OPS, SERIES_HELP, type AlertOp, type AlertRule, type AlertsView } from '../../../shared/monitoring';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { useAction } from '../../components/useAction';
import { formatNumber } from '../../format';
import { formatTime } from '../../stores/runsTable';
import { transport } from '../../transport';
import { useMonitorStore } from '../../stores/monitorStore';
import { windowLabel } from './TimelineCharts';

/**
 * A model's alert rules (state inactive -> pending -> firing -> resolved, the last value and window),
 * the history of state changes, and a small form to add a rule on any monitored series. Removing a
 * rule asks once more; its history stays.
 */

function StateBadge(props: { state: AlertRule['state'] }) {
  return <span className={`mon-badge mon-state-${props.state}`}>{props.state}</span>;
}

function RuleRow(props: { rule: AlertRule }) {
  const [confirming, setConfirming] = useState(false);
  const changed = useMonitorStore((s) => s.changed);
  const r = props.rule;
  const remove = async () => {
    await transport().call('monitor.removeRule', { id: r.id });
    changed(r.model);
  };
  return (
    <tr data-testid="alert-rule" data-state={r.state}>
      <td className="truncate" title={r.name}>
        {r.name}
        <div className="muted small">
          {r.severity}
          {r.builtin ? ' · default' : ''}
        </div>
      </td>
      <td className="mono small truncate" title={`${r.series} ${r.op} ${r.threshold} for ${r.forWindows} window${r.forWindows === 1 ? '' : 's'}, resolves after ${r.resolveAfter} quiet`}>
        {r.series} {r.op} {formatNumber(r.threshold)}
        <div className="muted small">
          for {r.forWindows} window{r.forWindows === 1 ? '' : 's'}
          {r.resolveAfter > 1 ? ` · resolves after ${r.resolveAfter} quiet` : ''}
        </div>
      </td>
      <td>
        <StateBadge state={r.state} />
      </td>
      <td className="small">{r.lastValue === null ? '—' : `${formatNumber(r.lastValue)} at ${r.lastWindow === null ? '—' : windowLabel(r.lastWindow)}`}</td>
      <td>
        <button type="button" className="button small" onClick={() => setConfirming(true)} title="Remove this rule (its history stays)" data-testid="rule-remove">
          Remove…
        </button>
        {confirming && (
          <ConfirmDialog title={`Remove the rule ${r.name}?`} confirmLabel="Remove rule" inline onClose={() => setConfirming(false)} onConfirm={remove} testId="remove-rule-dialog" confirmTestId="confirm-remove-rule">
            <p>
              <span className="mono">
                {r.series} {r.op} {formatNumber(r.threshold)}
              </span>{' '}
              stops being checked. Its history of state changes stays.
            </p>
          </ConfirmDialog>
        )}
      </td>
    </tr>
  );
}

function NewRule(props: { model: string }) {
  const changed = useMonitorStore((s) => s.changed);
  const [series, setSeries] = useState('drift.share');
  const [op, setOp] = useState<AlertOp>('>=');
  const [threshold, setThreshold] = useState('0.5');
  const [forWindows, setForWindows] = useState('3');
  const [resolveAfter, setResolveAfter] = useState('3');
  const { run: add, error } = useAction(async () => {
    await transport().call('monitor.setRule', {
      model: props.model,
      rule: { series, op, threshold: Number(threshold), forWindows: Number(forWindows), resolveAfter: Number(resolveAfter) },
    });
    changed(props.model);
  });
  return (
    <>
      <form
        className="row gap mon-rule-form"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label className="small">
          Series{' '}
          <input list="mon-series" value={series} onChange={(e) => setSeries(e.target.value)} size={22} data-testid="rule-series" />
        </label>
        <datalist id="mon-series">
          {SERIES_HELP.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <select value={op} onChange={(e) => setOp(e.target.value as AlertOp)} aria-label="operator">
          {ALERT_OPS.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        <input value={threshold} onChange={(e) => setThreshold(e.target.value)} size={6} aria-label="threshold" inputMode="decimal" />
        <label className="small">
          for <input value={forWindows} onChange={(e) => setForWindows(e.target.value)} size={3} aria-label="windows" inputMode="numeric" /> windows
        </label>
        <label className="small" title="A firing alert resolves only after the condition has stopped holding for this many windows in a row, so a series hovering at its threshold stays one alert.">
          resolve after <input value={resolveAfter} onChange={(e) => setResolveAfter(e.target.value)} size={3} aria-label="quiet windows to resolve" inputMode="numeric" /> quiet
        </label>
        <button type="submit" className="button primary">
          Add rule
        </button>
      </form>
      <ErrorBox error={error} />
    </>
  );
}

/**
 * The workspace setting the desktop app reads when a rule starts firing (settings.desktopNotifications;
 * alertNotifier.ts). In a browser the switch is the same setting: it takes effect in the desktop app.
 */
function DesktopNotifications() {
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<LatheError | null>(null);
  useEffect(() => {
    let live = true;
    transport()
      .call('settings.get', {})
      .then((s) => live && setOn(s.desktopNotifications), (e: unknown) => live && setError(toLatheError(e)));
    return () => {
      live = false;
    };
  }, []);
  const change = async (next: boolean) => {
    setOn(next);
    try {
      setOn((await transport().call('settings.set', { desktopNotifications: next })).desktopNotifications);
      setError(null);
    } catch (e) {
      setOn(!next);
      setError(toLatheError(e));
    }
  };
  return (
    <>
      <label className="mon-notify small" title="A notification of the desktop app when a rule goes to firing (not while you are looking at that model's monitor)">
        <input type="checkbox" checked={on ?? false} disabled={on === null} onChange={(e) => void change(e.target.checked)} data-testid="desktop-notifications" />
        Desktop notifications when an alert starts firing
      </label>
      <ErrorBox error={error} />
    </>
  );
}

export function AlertsPanel(props: { model: string; alerts: AlertsView }) {
  const { alerts } = props;
  return (
    <div className="mon-alerts" data-testid="alerts-panel">
      <div className="card">
        <div className="card-head">
          <span className="card-title">Rules</span>
          <span className="muted small">{alerts.firing} firing</span>
        </div>
        <div className="table-scroll">
          <table className="table compact mon-rules">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Condition</th>
                <th>State</th>
                <th>Last value</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {alerts.rules.map((r) => (
                <RuleRow key={r.id} rule={r} />
              ))}
            </tbody>
          </table>
        </div>
        <NewRule model={props.model} />
        <DesktopNotifications />
      </div>
      <div className="card">
        <div className="card-head">
          <span className="card-title">History</span>
        </div>
        {alerts.history.length === 0 ? (
          <p className="muted small">No rule has changed state yet.</p>
        ) : (
          <table className="table compact" data-testid="alert-history">
            <tbody>
              {alerts.history.map((h) => (
                <tr key={h.id}>
                  <td className="small">{formatTime(h.at)}</td>
                  <td className="truncate" title={h.rule}>
                    {h.rule}
                  </td>
                  <td className="small">
                    <StateBadge state={h.from} /> → <StateBadge state={h.to} />
                  </td>
                  <td className="small">
                    {formatNumber(h.value)} in {windowLabel(h.window)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

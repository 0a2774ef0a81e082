import { ErrorBox } from '../../components/ErrorBox';
import { formatInt } from '../../format';
import { experimentsSelectors, useExperimentsStore } from '../../stores/experimentsStore';
import { formatTime } from '../../stores/runsTable';
import { ClickableRow } from '../../components/ClickableRow';

/** How runs get into Lathe: the three doors, with this server's own port. */
export function HowRunsGetIn() {
  const port = typeof window !== 'undefined' ? window.location.port || (window.location.protocol === 'https:' ? '443' : '80') : '<port>';
  const inBrowser = typeof window !== 'undefined' && window.location.protocol.startsWith('http');
  return (
    <div className="how" data-testid="how-runs-get-in">
      <div className="how-item">
        <h3>Lathe training</h3>
        <p className="muted">Models trained in Lathe record their runs here by themselves (the Training screen is coming).</p>
      </div>
      <div className="how-item">
        <h3>Any script, from a terminal</h3>
        <pre className="code-block">npm run lathe -- run --experiment demo -- python train.py</pre>
        <p className="muted">
          Tracks the command as a run: its stdout and stderr, exit status, host, git commit. Print metric lines and they become charts:
        </p>
        <pre className="code-block">{'lathe.metric loss=0.42 step=3\nlathe.metric val_acc=0.91 step=3'}</pre>
        <p className="muted small">
          One line per point: <code>lathe.metric &lt;key&gt;=&lt;value&gt; [step=&lt;n&gt;]</code>, or a JSON line{' '}
          <code>{'{"lathe_metric": {"key": "loss", "value": 0.42, "step": 3}}'}</code>.
        </p>
      </div>
      <div className="how-item">
        <h3>MLflow clients</h3>
        <pre className="code-block" data-testid="mlflow-env">{`MLFLOW_TRACKING_URI=http://127.0.0.1:${inBrowser ? port : '<port>'}\nMLFLOW_TRACKING_TOKEN=<token>`}</pre>
        <p className="muted small">
          The token is the one <code>lathe serve</code> printed when it started (the <code>?token=</code> part of its URL). Scripts using{' '}
          <code>mlflow.log_metric</code>, <code>log_param</code>, <code>set_tag</code> and <code>log_artifact</code> log here unchanged.
        </p>
      </div>
    </div>
  );
}

export function ExperimentList() {
  const state = useExperimentsStore((s) => s.list);
  const lastRun = useExperimentsStore((s) => s.lastRun);
  const show = useExperimentsStore((s) => s.show);
  const totalRuns = useExperimentsStore(experimentsSelectors.totalRuns);
  const list = state.data ?? [];
  return (
    <section className="screen" data-testid="experiments-list">
      <div className="screen-head">
        <h1>Experiments</h1>
        <span className="muted">{state.data ? `${list.length} experiment${list.length === 1 ? '' : 's'} · ${formatInt(totalRuns)} runs` : ''}</span>
        <div className="spacer" />
        <button type="button" className="button" onClick={() => show({ kind: 'trash' })} data-testid="open-trash">
          Trash
        </button>
        <button type="button" className="button primary" disabled={totalRuns === 0} onClick={() => show({ kind: 'runs', experimentId: null })} data-testid="all-runs">
          All runs
        </button>
      </div>
      <ErrorBox error={state.error} />
      {state.data && totalRuns === 0 && (
        <div className="empty" data-testid="experiments-empty">
          <div className="empty-title">No runs yet</div>
          <p>Runs arrive three ways; each lands in an experiment (a named group of runs), made on first use.</p>
          <HowRunsGetIn />
        </div>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="experiments-table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Runs</th>
                <th>Last run</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {list.map((e) => (
                <ClickableRow key={e.id} data-testid="experiment-row" data-name={e.name} onOpen={() => show({ kind: 'runs', experimentId: e.id })}>
                  <td className="strong nowrap">{e.name}</td>
                  <td className="num">{formatInt(e.runCount)}</td>
                  <td className="muted nowrap">{e.runCount === 0 ? '—' : formatTime(lastRun[e.id] ?? null)}</td>
                  <td className="truncate muted message" title={e.description}>
                    {e.description}
                  </td>
                </ClickableRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {state.data && totalRuns > 0 && (
        <details className="how-details">
          <summary className="muted">How runs get in</summary>
          <HowRunsGetIn />
        </details>
      )}
      {!state.data && state.loading && <div className="muted pad">Loading experiments…</div>}
    </section>
  );
}

import { useShallow } from 'zustand/react/shallow';
import { ErrorBox } from '../../components/ErrorBox';
import { formatInt } from '../../format';
import { modelsSelectors, useModelsStore } from '../../stores/modelsStore';
import { formatTime } from '../../stores/runsTable';
import { AliasChips } from './AliasChips';
import { ClickableRow } from '../../components/ClickableRow';

export function ModelList() {
  const list = useModelsStore(useShallow(modelsSelectors.sortedList));
  const state = useModelsStore((s) => s.list);
  const open = useModelsStore((s) => s.open);
  const setRegisterOpen = useModelsStore((s) => s.setRegisterOpen);

  return (
    <section className="screen" data-testid="models-list">
      <div className="screen-head">
        <h1>Models</h1>
        <span className="muted">{state.data ? `${list.length} model${list.length === 1 ? '' : 's'}` : ''}</span>
        <div className="spacer" />
        <button type="button" className="button primary" onClick={() => setRegisterOpen(true)} data-testid="register-from-run">
          Register from run…
        </button>
      </div>
      <ErrorBox error={state.error} />
      {state.data && list.length === 0 && (
        <div className="empty" data-testid="models-empty">
          <div className="empty-title">No registered models yet</div>
          <p>
            A model version is the model a finished training run produced, with its preprocessing, signature, data and metrics. Register one to give it
            a name, versions and aliases such as <code>champion</code>, then export it under Deploy.
          </p>
          <ul className="how-list">
            <li>
              Open a finished run under <strong>Experiments</strong> and press <strong>Register model</strong>, or
            </li>
            <li>
              <button type="button" className="link" onClick={() => setRegisterOpen(true)}>
                Register from run…
              </button>{' '}
              here (runs trained under Training hold a model), or
            </li>
            <li>
              from a terminal: <code>lathe models register &lt;run&gt; --name &lt;model&gt;</code>
            </li>
          </ul>
        </div>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="models-table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Versions</th>
                <th>Latest</th>
                <th>Aliases</th>
                <th>Description</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <ClickableRow key={m.name} data-testid="model-row" data-name={m.name} onOpen={() => void open(m.name)}>
                  <td className="strong nowrap">{m.name}</td>
                  <td className="num">{formatInt(m.versionCount)}</td>
                  <td className="mono nowrap">{m.latest !== null ? `v${m.latest}` : '—'}</td>
                  <td className="nowrap">
                    <AliasChips aliases={m.aliases} />
                  </td>
                  <td className="truncate muted message" title={m.description}>
                    {m.description}
                  </td>
                  <td className="muted nowrap">{formatTime(m.createdAt)}</td>
                </ClickableRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!state.data && state.loading && <div className="muted pad">Loading models…</div>}
    </section>
  );
}

import { useShallow } from 'zustand/react/shallow';
import { ErrorBox } from '../../components/ErrorBox';
import { formatBytes, formatDate, formatInt } from '../../format';
import { datasetsSelectors, useDatasetsStore } from '../../stores/datasetsStore';
import { ClickableRow } from '../../components/ClickableRow';

export function DatasetList() {
  const list = useDatasetsStore(useShallow(datasetsSelectors.sortedList));
  const state = useDatasetsStore((s) => s.list);
  const open = useDatasetsStore((s) => s.open);
  const setAddOpen = useDatasetsStore((s) => s.setAddOpen);

  return (
    <section className="screen" data-testid="datasets-list">
      <div className="screen-head">
        <h1>Datasets</h1>
        <span className="muted">{state.data ? `${list.length} dataset${list.length === 1 ? '' : 's'}` : ''}</span>
        <div className="spacer" />
        <button type="button" className="button primary" onClick={() => setAddOpen(true)} data-testid="add-dataset">
          Add dataset
        </button>
      </div>
      <ErrorBox error={state.error} />
      {state.data && list.length === 0 && (
        <div className="empty" data-testid="datasets-empty">
          <div className="empty-title">No datasets yet</div>
          <p>Add a dataset: CSV, TSV, JSON Lines, Parquet or a folder of images in class subfolders.</p>
          <p>
            <button type="button" className="button primary" onClick={() => setAddOpen(true)}>
              Add a dataset
            </button>
          </p>
          <p className="muted">
            From a terminal: <code>lathe data add &lt;name&gt; &lt;path&gt;</code>. Every import is a new immutable version; identical content
            is stored once.
          </p>
        </div>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="datasets-table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Versions</th>
                <th>Latest</th>
                <th>Message</th>
                <th className="num">Rows</th>
                <th className="num">Columns</th>
                <th className="num">Size</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <ClickableRow key={d.name} data-testid={`dataset-row-${d.name}`} onOpen={() => void open(d.name)}>
                  <td className="strong">{d.name}</td>
                  <td className="num">{formatInt(d.versionCount)}</td>
                  <td className="nowrap">
                    {d.latest ? (
                      <>
                        <span className="mono">v{d.latest.number}</span>{' '}
                        {d.latest.tags.map((t) => (
                          <span key={t} className="tag">
                            {t}
                          </span>
                        ))}
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="truncate muted message" title={d.latest?.message}>
                    {d.latest?.message}
                  </td>
                  <td className="num">{d.latest ? formatInt(d.latest.rowCount) : '—'}</td>
                  <td className="num">{d.latest ? formatInt(d.latest.columnCount) : '—'}</td>
                  <td className="num">{d.latest ? formatBytes(d.latest.size) : '—'}</td>
                  <td className="muted nowrap" title={d.latest?.createdAt}>
                    {d.latest ? formatDate(d.latest.createdAt) : formatDate(d.createdAt)}
                  </td>
                </ClickableRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!state.data && state.loading && <div className="muted pad">Loading datasets…</div>}
    </section>
  );
}

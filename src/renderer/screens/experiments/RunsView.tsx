import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { formatInt } from '../../format';
import { experimentsSelectors, useExperimentsStore } from '../../stores/experimentsStore';
import { useRunsStore } from '../../stores/runsStore';
import { columnId, columnLabel, formatMetric, type RunColumn } from '../../stores/runsTable';
import { toasted } from '../../stores/toastStore';
import { ColumnsDialog } from './ColumnsDialog';
import { QueryBox } from './QueryBox';
import { RunsTable } from './RunsTable';
import { useSyncExternalStore, useCallback } from 'react';
import { ClickableRow } from '../../components/ClickableRow';
import { download } from '../../components/download';

function TotalCount() {
  const pager = useRunsStore((s) => s.pager);
  const previous = useRunsStore((s) => s.previous);
  const subscribe = useCallback((l: () => void) => pager?.subscribe(l) ?? (() => {}), [pager]);
  useSyncExternalStore(subscribe, () => pager?.revision ?? 0);
  const total = pager?.total ?? previous?.total ?? null;
  return (
    <span className="muted" data-testid="runs-total">
      {total === null ? '…' : `${formatInt(total)} run${total === 1 ? '' : 's'}`}
    </span>
  );
}

function GroupPanel() {
  const keys = useRunsStore((s) => s.keys);
  const groupBy = useRunsStore((s) => s.groupBy);
  const groupMetric = useRunsStore((s) => s.groupMetric);
  const groups = useRunsStore((s) => s.groups);
  const setGroupMetric = useRunsStore((s) => s.setGroupMetric);
  const setQuery = useRunsStore((s) => s.setQuery);
  if (!groupBy) return null;
  const metricCols: RunColumn[] = keys.metrics.flatMap((key) => (['last', 'min', 'max'] as const).map((agg): RunColumn => ({ kind: 'metric', key, agg })));
  const mc = groupMetric ? metricCols.find((c) => columnId(c) === groupMetric) : null;
  return (
    <div className="group-panel" data-testid="group-panel">
      <div className="row gap">
        <span className="strong">Grouped by params.{groupBy}</span>
        <label className="row gap small">
          aggregate
          <select className="input select" value={groupMetric ?? ''} onChange={(e) => setGroupMetric(e.target.value || null)} data-testid="group-metric">
            <option value="">(count only)</option>
            {metricCols.map((c) => (
              <option key={columnId(c)} value={columnId(c)}>
                {columnLabel(c)}
              </option>
            ))}
          </select>
        </label>
        {groups.loading && <span className="muted small">computing…</span>}
        {groups.capped && <span className="muted small">(first 10,000 runs)</span>}
      </div>
      <ErrorBox error={groups.error} />
      {groups.data && (
        <div className="table-wrap group-table">
          <table className="table compact">
            <thead>
              <tr>
                <th>{groupBy}</th>
                <th className="num">Runs</th>
                {mc && (
                  <>
                    <th className="num">mean {columnLabel(mc)}</th>
                    <th className="num">min</th>
                    <th className="num">max</th>
                  </>
                )}
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <ClickableRow
                  key={g.value ?? '\u0000'}
                  data-testid="group-row"
                  title="Filter the table to this group"
                  onOpen={() => setQuery(g.value === null ? '' : `params.${groupBy.match(/^[A-Za-z_][\w\-/:.]*$/) ? groupBy : JSON.stringify(groupBy)} = ${JSON.stringify(g.value)}`)}
                >
                  <td className={g.value === null ? 'muted' : ''}>{g.value ?? '(not set)'}</td>
                  <td className="num">{formatInt(g.count)}</td>
                  {mc && (
                    <>
                      <td className="num">{formatMetric(g.mean)}</td>
                      <td className="num">{formatMetric(g.min)}</td>
                      <td className="num">{formatMetric(g.max)}</td>
                    </>
                  )}
                </ClickableRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ViewsControl() {
  const views = useRunsStore((s) => s.views);
  const applyView = useRunsStore((s) => s.applyView);
  const saveView = useRunsStore((s) => s.saveView);
  const deleteView = useRunsStore((s) => s.deleteView);
  const [current, setCurrent] = useState('');
  const [naming, setNaming] = useState<string | null>(null);
  return (
    <div className="row gap views">
      <select
        className="input select"
        aria-label="Saved views"
        value={current}
        data-testid="views-select"
        onChange={(e) => {
          setCurrent(e.target.value);
          if (e.target.value) applyView(e.target.value);
        }}
      >
        <option value="">{views.length ? 'Saved views…' : 'No saved views'}</option>
        {views.map((v) => (
          <option key={v.name} value={v.name}>
            {v.name}
          </option>
        ))}
      </select>
      {naming === null ? (
        <button type="button" className="button small" data-testid="save-view" onClick={() => setNaming(current)}>
          Save view
        </button>
      ) : (
        <form
          className="row gap"
          onSubmit={(e) => {
            e.preventDefault();
            const name = naming.trim().slice(0, 100);
            if (name) {
              saveView(name);
              setCurrent(name);
            }
            setNaming(null);
          }}
        >
          <input className="input view-name" autoFocus placeholder="View name" value={naming} onChange={(e) => setNaming(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setNaming(null)} data-testid="view-name" />
          <button type="submit" className="button small primary" data-testid="view-save-submit">
            Save
          </button>
        </form>
      )}
      {current && (
        <button
          type="button"
          className="button small ghost"
          onClick={() => {
            deleteView(current);
            setCurrent('');
          }}
        >
          Forget
        </button>
      )}
    </div>
  );
}

function UndoBar() {
  const undo = useRunsStore((s) => s.undo);
  const restore = useRunsStore((s) => s.restore);
  const dismiss = useRunsStore((s) => s.dismissUndo);
  if (!undo) return null;
  return (
    <div className="undo-bar toast" role="status" data-testid="undo-toast">
      <span>
        Moved {undo.ids.length} run{undo.ids.length === 1 ? '' : 's'} to the trash.
      </span>
      <button type="button" className="button small primary" onClick={() => void restore(undo.ids)} data-testid="undo-delete">
        Undo
      </button>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismiss}>
        ×
      </button>
    </div>
  );
}

/** The runs table screen: filter, columns, sort, group, saved views, selection and its actions. */
export function RunsView({ experimentId, trash }: { experimentId: string | null; trash: boolean }) {
  const experiment = useExperimentsStore((s) => experimentsSelectors.experiment(s, experimentId));
  const show = useExperimentsStore((s) => s.show);
  const pager = useRunsStore((s) => s.pager);
  const previous = useRunsStore((s) => s.previous);
  const selected = useRunsStore((s) => s.selected);
  const keys = useRunsStore((s) => s.keys);
  const groupBy = useRunsStore((s) => s.groupBy);
  const exporting = useRunsStore((s) => s.exporting);
  const [columnsOpen, setColumnsOpen] = useState(false);
  const runs = useRunsStore.getState;

  useEffect(() => {
    runs().open(experimentId, trash ? 'deleted' : 'active');
  }, [experimentId, trash, runs]);

  const title = trash ? 'Trash' : experimentId ? (experiment?.name ?? 'Experiment') : 'All runs';
  return (
    <section className="screen detail runs-screen" data-testid={trash ? 'trash-view' : 'runs-view'}>
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => show({ kind: 'list' })} data-testid="back-to-experiments">
          ← Experiments
        </button>
        <h1 data-testid="runs-title">{title}</h1>
        <TotalCount />
        {experiment?.description && (
          <span className="muted truncate small" title={experiment.description}>
            {experiment.description}
          </span>
        )}
        <div className="spacer" />
        {!trash && <ViewsControl />}
      </div>
      <div className="runs-toolbar">
        <QueryBox />
        <div className="row gap toolbar-actions">
          <button type="button" className="button" onClick={() => setColumnsOpen(true)} data-testid="choose-columns">
            Columns
          </button>
          <select className="input select" aria-label="Group by a param" value={groupBy ?? ''} onChange={(e) => runs().setGroupBy(e.target.value || null)} data-testid="group-by">
            <option value="">No grouping</option>
            {keys.params.map((k) => (
              <option key={k} value={k}>
                Group by {k}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button"
            disabled={exporting}
            data-testid="export-csv"
            onClick={() =>
              void toasted(
                'runs.exportCsv',
                async () => {
                  const { csv, count } = await runs().exportCsv();
                  download(`${(title || 'runs').replace(/[^\w.-]+/g, '_')}.csv`, csv, 'text/csv');
                  return count;
                },
                (count) => `Exported ${formatInt(count)} runs as CSV`,
              )
            }
          >
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        </div>
      </div>
      <div className="selection-bar row gap" data-testid="selection-bar">
        <span className="muted small">{selected.length ? `${formatInt(selected.length)} selected` : 'Select runs with the checkboxes (shift-click for a range)'}</span>
        {selected.length > 0 && (
          <button type="button" className="button small ghost" onClick={() => runs().clearSelection()}>
            Clear
          </button>
        )}
        <button type="button" className="button small ghost" onClick={() => runs().selectLoaded()} data-testid="select-loaded">
          Select loaded
        </button>
        <div className="spacer" />
        {!trash && (
          <>
            <button
              type="button"
              className="button small primary"
              disabled={selected.length < 2 || selected.length > 50}
              title={selected.length > 50 ? 'Compare up to 50 runs' : 'Compare the selected runs'}
              onClick={() => show({ kind: 'compare', ids: selected.slice(0, 50) })}
              data-testid="compare-selected"
            >
              Compare {selected.length >= 2 ? selected.length : ''}
            </button>
            <button type="button" className="button small danger-ghost" disabled={selected.length === 0} onClick={() => void runs().deleteSelected()} data-testid="delete-selected">
              Delete
            </button>
          </>
        )}
        {trash && (
          <button type="button" className="button small primary" disabled={selected.length === 0} onClick={() => void runs().restore(selected)} data-testid="restore-selected">
            Restore
          </button>
        )}
      </div>
      <GroupPanel />
      {pager && <RunsTable pager={pager} previous={previous} showExperiment={experimentId === null} />}
      <UndoBar />
      {columnsOpen && <ColumnsDialog onClose={() => setColumnsOpen(false)} />}
    </section>
  );
}

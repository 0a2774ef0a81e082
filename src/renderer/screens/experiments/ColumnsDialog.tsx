import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { defaultColumns, useRunsStore } from '../../stores/runsStore';
import { columnId, type RunColumn } from '../../stores/runsTable';

/** Pick the table's columns from the keys in use: params, metrics (last, min, max) and tags. */
export function ColumnsDialog({ onClose }: { onClose: () => void }) {
  const keys = useRunsStore((s) => s.keys);
  const columns = useRunsStore((s) => s.columns);
  const toggle = useRunsStore((s) => s.toggleColumn);
  const setColumns = useRunsStore((s) => s.setColumns);
  const [filter, setFilter] = useState('');
  const chosen = new Set(columns.map(columnId));
  const f = filter.trim().toLowerCase();
  const match = (k: string) => !f || k.toLowerCase().includes(f);
  const box = (c: RunColumn, label: string) => (
    <label key={columnId(c)} className="col-choice">
      <input type="checkbox" checked={chosen.has(columnId(c))} onChange={() => toggle(c)} data-testid={`colpick-${columnId(c)}`} />
      {label}
    </label>
  );
  return (
    <Dialog
      title="Columns"
      onClose={onClose}
      testId="columns-dialog"
      wide
      footer={
        <>
          <button type="button" className="button ghost" onClick={() => setColumns([])}>
            None
          </button>
          <button type="button" className="button ghost" onClick={() => setColumns(defaultColumns(keys))}>
            Default
          </button>
          <div className="spacer" />
          <button type="button" className="button primary" onClick={onClose} data-testid="columns-done">
            Done
          </button>
        </>
      }
    >
      <input className="input" placeholder="Find a key" value={filter} onChange={(e) => setFilter(e.target.value)} autoFocus data-testid="columns-filter" />
      <div className="col-groups">
        <div>
          <h3>Metrics</h3>
          <div className="col-metric-head muted small">
            <span>key</span>
            <span>last · min · max</span>
          </div>
          {keys.metrics.filter(match).map((k) => (
            <div key={k} className="col-metric">
              <span className="truncate" title={k}>
                {k}
              </span>
              <span className="col-aggs">
                {(['last', 'min', 'max'] as const).map((agg) => (
                  <input
                    key={agg}
                    type="checkbox"
                    aria-label={`${k} ${agg}`}
                    title={agg}
                    checked={chosen.has(columnId({ kind: 'metric', key: k, agg }))}
                    onChange={() => toggle({ kind: 'metric', key: k, agg })}
                    data-testid={`colpick-metric:${k}:${agg}`}
                  />
                ))}
              </span>
            </div>
          ))}
          {keys.metrics.length === 0 && <p className="muted small">No metrics logged yet.</p>}
        </div>
        <div>
          <h3>Params</h3>
          {keys.params.filter(match).map((k) => box({ kind: 'param', key: k }, k))}
          {keys.params.length === 0 && <p className="muted small">No params logged yet.</p>}
        </div>
        <div>
          <h3>Tags</h3>
          {keys.tags.filter(match).map((k) => box({ kind: 'tag', key: k }, k))}
          {keys.tags.length === 0 && <p className="muted small">No tags yet.</p>}
        </div>
      </div>
    </Dialog>
  );
}

import { memo, useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useShallow } from 'zustand/react/shallow';
import type { Run } from '../../../shared/tracking';
import { ErrorBox } from '../../components/ErrorBox';
import { toLatheError } from '../../../shared/errors';
import { formatInt } from '../../format';
import { useExperimentsStore } from '../../stores/experimentsStore';
import { runsSelectors, useRunsStore } from '../../stores/runsStore';
import { cellText, columnId, columnLabel, type RunColumn } from '../../stores/runsTable';
import type { ItemPager } from '../../stores/pager';
import { StatusChip } from './StatusChip';

const ROW_HEIGHT = 28;

function widthOf(c: RunColumn): number {
  if (c.kind === 'attr') return { name: 240, status: 92, start_time: 166, duration: 86, experiment: 150, source: 80 }[c.key];
  if (c.kind === 'metric') return 112;
  return 120;
}

// Actions come from the stores' getState (stable), not per-row subscriptions: a fast scroll mounts ~40 rows a frame.
const select = (id: string, index: number, shift: boolean) => useRunsStore.getState().select(id, index, shift);
const show = (runId: string) => useExperimentsStore.getState().show({ kind: 'run', runId });

const Row = memo(function Row({ index, start, run, columns, width, selected }: { index: number; start: number; run: Run | undefined; columns: RunColumn[]; width: number; selected: boolean }) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`grid-row run-row${index % 2 ? ' odd' : ''}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT, width, minWidth: '100%' }}
      data-testid="run-row"
      onClick={run ? () => show(run.id) : undefined}
    >
      <div className="cell cell-check" role="cell" onClick={(e) => e.stopPropagation()}>
        {run && (
          <input
            type="checkbox"
            checked={selected}
            aria-label={`Select ${run.name}`}
            data-testid="run-check"
            onChange={() => {}}
            onClick={(e) => {
              e.stopPropagation();
              select(run.id, index, e.shiftKey);
            }}
          />
        )}
      </div>
      {run ? (
        columns.map((c) => {
          const id = columnId(c);
          if (c.kind === 'attr' && c.key === 'status')
            return (
              <div key={id} role="cell" className="cell" style={{ width: widthOf(c) }}>
                <StatusChip status={run.status} />
              </div>
            );
          const text = cellText(run, c);
          const numeric = c.kind === 'metric' || (c.kind === 'attr' && c.key === 'duration');
          return (
            <div
              key={id}
              role="cell"
              className={`cell${numeric ? ' cell-number' : ''}${c.kind === 'attr' && c.key === 'name' ? ' run-name' : ''}${text === '' || text === '—' ? ' cell-null' : ''}`}
              style={{ width: widthOf(c) }}
              title={text.length > 14 ? text : undefined}
              data-testid={c.kind === 'attr' && c.key === 'name' ? 'run-name' : undefined}
            >
              {text === '' ? '—' : text}
            </div>
          );
        })
      ) : (
        <div className="cell cell-loading">…</div>
      )}
    </div>
  );
});

/** The runs of the current filter and sort, virtualised; pages of 200 come from runs.search as you scroll. */
export function RunsTable({ pager, previous, showExperiment }: { pager: ItemPager<Run>; previous: ItemPager<Run> | null; showExperiment: boolean }) {
  const subscribe = useCallback((l: () => void) => pager.subscribe(l), [pager]);
  useSyncExternalStore(subscribe, () => pager.revision);
  const extra = useRunsStore((s) => s.columns);
  const sort = useRunsStore((s) => s.sort);
  const sortBy = useRunsStore((s) => s.sortBy);
  const selected = useRunsStore(useShallow(runsSelectors.selectedSet));
  const selectedCount = useRunsStore((s) => s.selected.length);
  const columns = useMemo<RunColumn[]>(
    () => [
      { kind: 'attr', key: 'status' },
      { kind: 'attr', key: 'name' },
      ...(showExperiment ? [{ kind: 'attr', key: 'experiment' } as RunColumn] : []),
      { kind: 'attr', key: 'start_time' },
      { kind: 'attr', key: 'duration' },
      ...extra,
    ],
    [extra, showExperiment],
  );
  const width = 34 + columns.reduce((t, c) => t + widthOf(c), 0);
  const total = pager.total ?? previous?.total ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 40;
  useEffect(() => {
    pager.request(first, Math.max(first, last), 1);
  }, [pager, first, last]);
  const sortId = sort ? columnId(sort.column) : null;

  if (pager.error && pager.total === null && !previous) return <ErrorBox error={toLatheError(pager.error)} />;
  if (pager.total === 0) {
    return (
      <div className="empty" data-testid="runs-empty">
        <div className="empty-title">No runs match</div>
        <p className="muted">Loosen the filter, or clear it to see every run.</p>
      </div>
    );
  }
  return (
    <div className="rows runs-rows">
      <div className="grid-scroll" ref={scrollRef} role="table" aria-rowcount={total + 1} aria-label="Runs" data-testid="runs-grid" tabIndex={0}>
        <div className="grid-head" role="row" style={{ width, minWidth: '100%' }}>
          <div className="cell cell-check" role="columnheader" title={`${selectedCount} selected`}>
            {selectedCount > 0 ? <span className="sel-count">{formatInt(selectedCount)}</span> : ''}
          </div>
          {columns.map((c) => {
            const id = columnId(c);
            const dir = sortId === id ? sort!.dir : null;
            return (
              <div
                key={id}
                role="columnheader"
                aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                className={`cell sortable${c.kind === 'metric' ? ' cell-number' : ''}${dir ? ' sorted' : ''}`}
                style={{ width: widthOf(c) }}
                title={`Sort by ${columnLabel(c)}${c.kind !== 'attr' ? ` (${c.kind})` : ''}`}
                onClick={() => sortBy(c)}
                data-testid={`col-${id}`}
              >
                {c.kind === 'param' || c.kind === 'tag' ? <span className="col-kind">{c.kind === 'param' ? 'p' : 't'}</span> : null}
                {columnLabel(c)}
                {dir ? <span className="sort-arrow">{dir === 'asc' ? ' ▲' : ' ▼'}</span> : null}
              </div>
            );
          })}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width, minWidth: '100%', position: 'relative' }}>
          {items.map((it) => {
            const run = pager.item(it.index) ?? previous?.item(it.index);
            return <Row key={it.key} index={it.index} start={it.start} run={run} columns={columns} width={width} selected={run ? selected.has(run.id) : false} />;
          })}
        </div>
      </div>
      {pager.error !== null && <ErrorBox error={toLatheError(pager.error)} />}
    </div>
  );
}

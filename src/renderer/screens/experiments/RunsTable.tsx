import { memo, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent, type MouseEvent } from 'react';
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
import { bySlot, CHECK_WIDTH, columnsInView, layoutColumns, ROW_HEIGHT, slotCount, windowRows, type GridColumn } from './runsGrid';

// Actions come from the stores' getState (stable), not per-row subscriptions: a fast scroll re-renders ~25 rows a frame.
const select = (id: string, index: number, shift: boolean) => useRunsStore.getState().select(id, index, shift);
const show = (runId: string) => useExperimentsStore.getState().show({ kind: 'run', runId });

/**
 * A row's checkbox. It re-renders only when its state changes, not with every run that passes through
 * its slot (React rewrites an input's attributes on each update): its label is the name cell of the
 * same slot, and a click finds the row's index in the DOM.
 */
const Check = memo(function Check({ selected, disabled, slot }: { selected: boolean; disabled: boolean; slot: number }) {
  return (
    <div className="cell cell-check" role="cell" aria-colindex={1} onClick={(e) => e.stopPropagation()}>
      <input
        type="checkbox"
        tabIndex={-1}
        checked={selected}
        disabled={disabled}
        aria-labelledby={`run-name-${slot}`}
        data-testid="run-check"
        onChange={() => {}}
        onClick={(e) => {
          e.stopPropagation();
          const row = e.currentTarget.closest<HTMLElement>('[role=row]');
          const runId = row?.dataset.run;
          if (row && runId) select(runId, Number(row.dataset.index), e.shiftKey);
        }}
      />
    </div>
  );
});

/**
 * One cell: one element holding one text node, placed by its column (absolute left and width, so a new
 * text lays out this cell alone). The status cell is the chip itself, as wide as its word; a running
 * run's dot is its ::before.
 */
function cell(c: GridColumn, run: Run | undefined, slot: number) {
  if (c.kind === 'status') {
    return (
      <div key={c.id} role="cell" aria-colindex={c.index + 2} className={run ? `${c.className} status status-${run.status}` : c.className} style={c.style} data-testid={run ? 'status-chip' : undefined}>
        {run?.status}
      </div>
    );
  }
  const text = run ? cellText(run, c.column) : c.kind === 'name' ? '…' : '';
  const isNull = !run || text === '' || text === '—';
  return (
    <div
      key={c.id}
      role="cell"
      aria-colindex={c.index + 2}
      className={isNull ? c.nullClassName : c.className}
      style={c.style}
      id={c.kind === 'name' ? `run-name-${slot}` : undefined}
      data-testid={c.kind === 'name' && run ? 'run-name' : undefined}
    >
      {text === '' && run ? '—' : text}
    </div>
  );
}

/**
 * One row of the window. Rows are keyed by their slot in the window, not by run, and always hold the
 * same cells for the columns in view (a run still loading shows empty ones): scrolling then changes only
 * text, attributes and the row's own transform on elements that stay, instead of unmounting and mounting
 * ~25 rows a frame. Slots keep their place in the DOM (no moves); the keyboard goes by row index
 * (`onGridKey`), not by DOM order. Memoized: a scroll step re-renders only the slots whose run changed.
 */
const Row = memo(function Row({ index, slot, run, columns, width, selected, focusable }: { index: number; slot: number; run: Run | undefined; columns: GridColumn[]; width: number; selected: boolean; focusable: boolean }) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-busy={run ? undefined : true}
      className={`grid-row run-row${index % 2 ? ' odd' : ''}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)`, width }}
      data-testid="run-row"
      data-index={index}
      data-run={run?.id}
      tabIndex={focusable ? 0 : -1}
      onClick={run ? () => show(run.id) : undefined}
    >
      <Check selected={selected} disabled={!run} slot={slot} />
      {columns.map((c) => cell(c, run, slot))}
    </div>
  );
});

/**
 * The full text of a clipped cell on hover, set as the pointer arrives (not on every render: a title
 * that changes with each run passing through a slot costs a style recalculation of its cell).
 */
function titleIfClipped(e: MouseEvent<HTMLDivElement>): void {
  const cell = e.target instanceof HTMLElement ? e.target.closest<HTMLElement>('.runs-body .cell') : null;
  if (!cell) return;
  const text = cell.textContent ?? '';
  if (cell.scrollWidth > cell.clientWidth) {
    if (cell.title !== text) cell.title = text;
  } else if (cell.title) cell.removeAttribute('title');
}

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
  const layout = useMemo(() => layoutColumns(columns), [columns]);
  const width = layout.width;
  const total = pager.total ?? previous?.total ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  // Columns are virtualised too: a row renders the cells in view sideways (plus one either side), not
  // all of them; the header keeps every column (it does not change as rows scroll). Declared before the
  // rows' virtualizer so its scroll listener runs first: both read the scroller's size on each scroll
  // event, and a read after the rows' synchronous re-render would force a layout inside the handler.
  const colVirtualizer = useVirtualizer({
    horizontal: true,
    count: layout.columns.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => layout.columns[i].width,
    getItemKey: (i) => layout.columns[i].id,
    paddingStart: CHECK_WIDTH,
    overscan: 1,
  });
  // One row of overscan: a scroll renders its rows in the same frame (the virtualizer's update is
  // synchronous), so more only adds rows to lay out and paint.
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 1 });
  const items = virtualizer.getVirtualItems();
  // Keys are slots (row index mod an even count that depends on the viewport's height only): a row keeps
  // its element, and its stripe, as the window moves; every slot is filled on every frame.
  const slots = slotCount(virtualizer.scrollRect?.height ?? 0, 1, items.length);
  const { start, end } = windowRows(items[0]?.index ?? 0, total, slots);
  const first = start;
  const last = Math.max(start, end - 1);
  const colItems = colVirtualizer.getVirtualItems();
  const colFirst = colItems[0]?.index ?? 0;
  const colLast = colItems[colItems.length - 1]?.index ?? layout.columns.length - 1;
  // The same array while the sideways window stays: rows (memo) then skip a re-render of unchanged slots.
  const inView = useMemo(() => columnsInView(layout.columns, colFirst, colLast), [layout, colFirst, colLast]);
  useEffect(() => {
    pager.request(first, last, 1);
  }, [pager, first, last]);
  const sortId = sort ? columnId(sort.column) : null;
  // One tab stop in the table (the row last moved to); arrows move between rows, Enter opens, Space selects.
  const [focusIndex, setFocusIndex] = useState(0);
  const tabRow = focusIndex >= first && focusIndex <= last ? focusIndex : first;
  const onGridKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const row = e.target instanceof HTMLElement && e.target.getAttribute('role') === 'row' ? e.target : null;
    if (!row) return;
    const index = Number(row.dataset.index);
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 0) / ROW_HEIGHT) - 1);
    const to = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: total - 1 }[e.key];
    const run = pager.item(index) ?? previous?.item(index);
    if (to !== undefined) {
      e.preventDefault();
      const next = Math.max(0, Math.min(total - 1, to));
      setFocusIndex(next);
      virtualizer.scrollToIndex(next);
      requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[role=row][data-index="${next}"]`)?.focus());
    } else if (run && e.key === 'Enter') {
      e.preventDefault();
      show(run.id);
    } else if (run && e.key === ' ') {
      e.preventDefault();
      select(run.id, index, e.shiftKey);
    }
  };

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
      <div className="grid-scroll" ref={scrollRef} role="table" aria-rowcount={total + 1} aria-colcount={layout.columns.length + 1} aria-label="Runs" data-testid="runs-grid" tabIndex={0} onKeyDown={onGridKey} onMouseOver={titleIfClipped}>
        <div className="grid-head" role="row" style={{ width, minWidth: '100%' }}>
          <div className="cell cell-check" role="columnheader" aria-colindex={1} title={`${selectedCount} selected`}>
            {selectedCount > 0 ? <span className="sel-count">{formatInt(selectedCount)}</span> : ''}
          </div>
          {layout.columns.map(({ column: c, id, width: w, index }) => {
            const dir = sortId === id ? sort!.dir : null;
            return (
              <div
                key={id}
                role="columnheader"
                aria-colindex={index + 2}
                aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                className={`cell sortable${c.kind === 'metric' ? ' cell-number' : ''}${dir ? ' sorted' : ''}`}
                style={{ width: w }}
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
        <div className="runs-body" style={{ height: virtualizer.getTotalSize(), width, minWidth: '100%' }}>
          {bySlot(start, end, slots).map((index) => {
            const run = pager.item(index) ?? previous?.item(index);
            return <Row key={index % slots} slot={index % slots} index={index} run={run} columns={inView} width={width} selected={run ? selected.has(run.id) : false} focusable={index === tabRow} />;
          })}
        </div>
      </div>
      {pager.error !== null && <ErrorBox error={toLatheError(pager.error)} />}
    </div>
  );
}

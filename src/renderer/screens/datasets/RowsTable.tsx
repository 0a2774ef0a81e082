import { memo, useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ErrorBox } from '../../components/ErrorBox';
import type { CellValue, DatasetVersion } from '../../../shared/datasets';
import { toLatheError } from '../../../shared/errors';
import { formatCell, formatInt } from '../../format';
import { RowPager } from '../../stores/rowPager';
import { transport } from '../../transport';

const ROW_HEIGHT = 26;
const PAGE_SIZE = 200;

/** Column widths from the header and the first page's values: readable, bounded. */
export function columnWidths(columns: string[], sample: CellValue[][] | undefined): number[] {
  return columns.map((c, i) => {
    let chars = c.length;
    for (const row of sample?.slice(0, 100) ?? []) {
      const v = row[i];
      const len = v === null ? 4 : String(v).length;
      if (len > chars) chars = len;
    }
    return Math.max(96, Math.min(320, Math.round(chars * 7.4 + 28)));
  });
}

function Cell({ value, width }: { value: CellValue; width: number }) {
  const c = formatCell(value);
  return (
    <div role="cell" className={`cell cell-${c.kind}`} style={{ width }} title={c.text.length > 30 ? c.text : undefined}>
      {c.text}
    </div>
  );
}

/** One row; memoised so a landing page or a scroll step re-renders only rows whose data changed. */
const GridRow = memo(function GridRow({ index, start, row, widths, width, indexWidth }: { index: number; start: number; row: CellValue[] | undefined; widths: number[]; width: number; indexWidth: number }) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      className={index % 2 ? 'grid-row odd' : 'grid-row'}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT, width, minWidth: '100%' }}
      data-testid="grid-row"
    >
      <div className="cell cell-index" role="rowheader" style={{ width: indexWidth }}>
        {index + 1}
      </div>
      {row ? row.map((v, i) => <Cell key={i} value={v} width={widths[i] ?? 100} />) : <div className="cell cell-loading">…</div>}
    </div>
  );
});

/**
 * A version's rows, virtualised: fixed row height, a sticky header, and pages of 200 rows fetched
 * from the engine only for what is on screen (kept in an LRU). Smooth on a million rows.
 */
export function RowsTable({ version }: { version: DatasetVersion }) {
  const ref = `${version.dataset}@${version.id}`;
  const pager = useMemo(
    () => new RowPager((offset, limit) => transport().call('datasets.rows', { ref, offset, limit }), { pageSize: PAGE_SIZE, cachePages: 50 }),
    [ref],
  );
  useEffect(() => () => pager.dispose(), [pager]);
  const subscribe = useCallback((l: () => void) => pager.subscribe(l), [pager]);
  useSyncExternalStore(subscribe, () => pager.revision);
  const scrollRef = useRef<HTMLDivElement>(null);
  const total = pager.total ?? version.rowCount;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? Math.min(total - 1, 50);

  useEffect(() => {
    pager.request(first, last, 1);
  }, [pager, first, last]);

  const columns = pager.columns;
  const firstPage = useMemo(() => (columns ? Array.from({ length: Math.min(100, total) }, (_, i) => pager.row(i)).filter((r): r is CellValue[] => !!r) : undefined), [columns, pager, total]);
  const widths = useMemo(() => (columns ? columnWidths(columns, firstPage) : []), [columns, firstPage]);
  const indexWidth = Math.max(48, String(total).length * 7 + 22);
  const innerWidth = indexWidth + widths.reduce((a, b) => a + b, 0);

  if (pager.error && !columns) return <ErrorBox error={toLatheError(pager.error)} />;

  return (
    <div className="rows">
      <div className="rows-meta muted small" data-testid="row-count">
        {formatInt(total)} rows × {columns ? columns.length : version.columnCount} columns
      </div>
      <div className="grid-scroll" ref={scrollRef} role="table" aria-rowcount={total + 1} aria-label={`Rows of ${version.dataset}@v${version.number}`} data-testid="rows-grid" tabIndex={0}>
        <div className="grid-head" role="row" style={{ width: innerWidth, minWidth: '100%' }}>
          <div className="cell cell-index" role="columnheader" style={{ width: indexWidth }}>
            #
          </div>
          {(columns ?? []).map((c, i) => (
            <div key={i} role="columnheader" className="cell" style={{ width: widths[i] }} title={c}>
              {c}
            </div>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width: innerWidth, minWidth: '100%', position: 'relative' }}>
          {items.map((it) => (
            <GridRow key={it.key} index={it.index} start={it.start} row={pager.row(it.index)} widths={widths} width={innerWidth} indexWidth={indexWidth} />
          ))}
        </div>
      </div>
      {pager.error !== null && columns && <ErrorBox error={toLatheError(pager.error)} />}
    </div>
  );
}

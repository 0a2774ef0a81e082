/**
 * The runs table's geometry, as data: each column's place and width, which columns a row renders for
 * the horizontal window, and the order rows keep in the DOM. Pure (unit-tested in test/renderer).
 */
import { columnId, type RunColumn } from '../../stores/runsTable';

export const ROW_HEIGHT = 28;
/** The checkbox column, before the data columns. */
export const CHECK_WIDTH = 34;
/** The status chip's inset in its column (the chip is the cell, as wide as its text). */
const CHIP_INSET = 8;

export type CellKind = 'status' | 'name' | 'number' | 'text';

/** A data column as a row draws it: an absolutely placed cell (left, width) with fixed classes. */
export interface GridColumn {
  column: RunColumn;
  id: string;
  /** Position among all data columns (aria-colindex is index + 2: the checkbox is column 1). */
  index: number;
  left: number;
  width: number;
  kind: CellKind;
  /** The cell's classes with a value and without one (a dash or a row still loading). */
  className: string;
  nullClassName: string;
  /** One object per column, kept across renders: React skips a style whose object has not changed. */
  style: { left: number; width?: number; maxWidth?: number };
}

export function widthOf(c: RunColumn): number {
  if (c.kind === 'attr') return { name: 240, status: 92, start_time: 166, duration: 86, experiment: 150, source: 80 }[c.key];
  if (c.kind === 'metric') return 112;
  return 120;
}

function kindOf(c: RunColumn): CellKind {
  if (c.kind === 'attr' && c.key === 'status') return 'status';
  if (c.kind === 'attr' && c.key === 'name') return 'name';
  if (c.kind === 'metric' || (c.kind === 'attr' && c.key === 'duration')) return 'number';
  return 'text';
}

const CLASS: Record<CellKind, string> = { status: 'cell cell-status', name: 'cell run-name', number: 'cell cell-number', text: 'cell' };

/** Every data column placed left to right after the checkbox; `width` is the whole row's. */
export function layoutColumns(columns: RunColumn[]): { columns: GridColumn[]; width: number } {
  let left = CHECK_WIDTH;
  const out = columns.map((column, index): GridColumn => {
    const width = widthOf(column);
    const kind = kindOf(column);
    const style = kind === 'status' ? { left: left + CHIP_INSET, maxWidth: width - 2 * CHIP_INSET } : { left, width };
    const col: GridColumn = { column, id: columnId(column), index, left, width, kind, className: CLASS[kind], nullClassName: `${CLASS[kind]} cell-null`, style };
    left += width;
    return col;
  });
  return { columns: out, width: left };
}

/**
 * The columns a row renders: those of the horizontal window [first, last], and the name column always
 * (it labels the row's checkbox and names the row, wherever the table is scrolled sideways).
 */
export function columnsInView(columns: GridColumn[], first: number, last: number): GridColumn[] {
  const inView = columns.slice(Math.max(0, first), Math.max(0, last + 1));
  const name = columns.find((c) => c.kind === 'name');
  if (!name || inView.includes(name)) return inView;
  return name.index < first ? [name, ...inView] : [...inView, name];
}

/**
 * How many row slots the window keeps: an even count (a slot keeps its stripe) of at least the rows a
 * viewport of `height` px can show, plus a partial row and `overscan` either side. It depends on the
 * height only, not on where the table is scrolled: a count that followed the window's length (one row
 * more or less as the offset moves) would remap every slot to another row.
 */
export function slotCount(height: number, overscan: number, atLeast: number): number {
  const n = Math.max(atLeast, Math.ceil(height / ROW_HEIGHT) + 1 + 2 * overscan);
  return n + (n % 2);
}

/**
 * The rows rendered, as [start, end): `slots` consecutive rows from the first one in view (fewer when
 * the table is shorter), so every slot is in use on every frame and none is unmounted or mounted as
 * the window moves. Row i sits in slot i mod `slots`.
 */
export function windowRows(first: number, total: number, slots: number): { start: number; end: number } {
  const n = Math.max(0, Math.min(slots, total));
  const start = Math.max(0, Math.min(first, total - n));
  return { start, end: start + n };
}

/** The indices [start, end) in slot order (index mod `slots`): the order React keeps its children in, so none moves. */
export function bySlot(start: number, end: number, slots: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out.sort((a, b) => (a % slots) - (b % slots));
}

import { describe, expect, it } from 'vitest';
import { bySlot, CHECK_WIDTH, columnsInView, layoutColumns, ROW_HEIGHT, slotCount, windowRows } from '../../src/renderer/screens/experiments/runsGrid';
import type { RunColumn } from '../../src/renderer/stores/runsTable';

const cols: RunColumn[] = [
  { kind: 'attr', key: 'status' },
  { kind: 'attr', key: 'name' },
  { kind: 'attr', key: 'start_time' },
  { kind: 'attr', key: 'duration' },
  { kind: 'metric', key: 'loss', agg: 'last' },
  { kind: 'param', key: 'lr' },
];

describe('runs grid columns', () => {
  it('places each column after the previous one, from the checkbox on; the row is as wide as all', () => {
    const { columns, width } = layoutColumns(cols);
    expect(columns.map((c) => [c.id, c.left, c.width])).toEqual([
      ['attr:status', CHECK_WIDTH, 92],
      ['attr:name', CHECK_WIDTH + 92, 240],
      ['attr:start_time', CHECK_WIDTH + 332, 166],
      ['attr:duration', CHECK_WIDTH + 498, 86],
      ['metric:loss:last', CHECK_WIDTH + 584, 112],
      ['param:lr', CHECK_WIDTH + 696, 120],
    ]);
    expect(width).toBe(CHECK_WIDTH + 816);
    // Numbers right-aligned, the name bold, a dash muted; the status chip inset in its column, as wide as its word.
    expect(columns.map((c) => c.className)).toEqual(['cell cell-status', 'cell run-name', 'cell', 'cell cell-number', 'cell cell-number', 'cell']);
    expect(columns[5].nullClassName).toBe('cell cell-null');
    expect(columns[0].style).toEqual({ left: CHECK_WIDTH + 8, maxWidth: 76 });
    expect(columns[4].style).toEqual({ left: CHECK_WIDTH + 584, width: 112 });
  });

  it('renders the columns of the sideways window, and the name wherever the table is scrolled', () => {
    const { columns } = layoutColumns(cols);
    expect(columnsInView(columns, 0, 2).map((c) => c.id)).toEqual(['attr:status', 'attr:name', 'attr:start_time']);
    expect(columnsInView(columns, 3, 5).map((c) => c.id)).toEqual(['attr:name', 'attr:duration', 'metric:loss:last', 'param:lr']);
    expect(columnsInView(columns, 1, 1).map((c) => c.id)).toEqual(['attr:name']);
  });
});

describe('runs grid rows', () => {
  it('keeps one even slot count for a viewport height, wherever it is scrolled', () => {
    // 674 px shows 25 rows (24 and a part), one more when the offset splits two, one of overscan each side.
    expect(slotCount(674, 1, 0)).toBe(28);
    expect(slotCount(674, 1, 27)).toBe(28);
    expect(slotCount(28 * 10, 0, 0)).toBe(12);
    // Before the scroller is measured: the virtualizer's own window, made even.
    expect(slotCount(0, 1, 5)).toBe(6);
  });

  it('renders `slots` consecutive rows from the first in view, fewer only when the table is shorter', () => {
    expect(windowRows(100, 10_000, 28)).toEqual({ start: 100, end: 128 });
    // At the end the window starts earlier rather than leaving slots empty.
    expect(windowRows(9990, 10_000, 28)).toEqual({ start: 9972, end: 10_000 });
    expect(windowRows(0, 5, 28)).toEqual({ start: 0, end: 5 });
    expect(windowRows(0, 0, 28)).toEqual({ start: 0, end: 0 });
  });

  it('moving the window keeps every slot filled, each slot its stripe, and the DOM order', () => {
    const slots = 28;
    for (const first of [0, 1, 27, 40, 41, 5000, 9972]) {
      const { start, end } = windowRows(first, 10_000, slots);
      const order = bySlot(start, end, slots);
      // Slot k (the k-th child) holds the row whose index is k mod slots: all 28 keys, in key order.
      expect(order.map((i) => i % slots)).toEqual(Array.from({ length: slots }, (_, k) => k));
      // An even slot count: a slot's row index keeps its parity, so its stripe never changes.
      expect(order.every((i, k) => i % 2 === k % 2)).toBe(true);
      expect(order.includes(first)).toBe(true);
    }
    expect(ROW_HEIGHT).toBe(28);
  });
});

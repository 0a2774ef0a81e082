/**
 * Left-to-right layout of a lineage graph (dataset version -> run -> model version -> exports) as
 * boxes and arrows. Pure (unit-tested); <LineageGraph> draws it with HTML boxes and an SVG overlay.
 */
import type { LineageEdge, LineageGraph, LineageNode } from '../../../shared/registry';

/** Columns of the known kinds; other kinds go one column right of what feeds them. */
export const KIND_RANK: Record<string, number> = { dataset_version: 0, dataset: 0, run: 1, model_version: 2, export: 3 };

export const KIND_TITLES: Record<string, string> = {
  dataset_version: 'Dataset version',
  dataset: 'Dataset',
  run: 'Run',
  model_version: 'Model version',
  export: 'Export',
};

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
  pad: number;
}
export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 184, nodeHeight: 50, gapX: 64, gapY: 12, pad: 8 };

export interface PlacedNode extends LineageNode {
  col: number;
  row: number;
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface PlacedEdge extends LineageEdge {
  /** SVG path from the right middle of `from` to the left middle of `to`. */
  d: string;
  /** Arrow head end point (for tests and markers). */
  x2: number;
  y2: number;
}
export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
  columns: number;
}

export function layoutLineage(g: LineageGraph, opts: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const byKey = new Map<string, LineageNode>();
  for (const n of g.nodes) if (!byKey.has(n.key)) byKey.set(n.key, n);
  const edges = g.edges.filter((e) => byKey.has(e.from) && byKey.has(e.to) && e.from !== e.to);
  const preds = new Map<string, string[]>();
  for (const e of edges) preds.set(e.to, [...(preds.get(e.to) ?? []), e.from]);

  // Columns: the kind's rank when known, else one right of the furthest predecessor (bounded: cycles end).
  const col = new Map<string, number>();
  for (const n of byKey.values()) col.set(n.key, KIND_RANK[n.kind] ?? 0);
  for (let pass = 0; pass < byKey.size; pass++) {
    let moved = false;
    for (const n of byKey.values()) {
      if (n.kind in KIND_RANK) continue;
      const want = Math.max(0, ...(preds.get(n.key) ?? []).map((p) => (col.get(p) ?? 0) + 1));
      if (want !== col.get(n.key)) {
        col.set(n.key, want);
        moved = true;
      }
    }
    if (!moved) break;
  }
  // Drop empty columns (a graph without a dataset starts at the left edge).
  const used = [...new Set(col.values())].sort((a, b) => a - b);
  const dense = new Map(used.map((c, i) => [c, i]));
  for (const [k, c] of col) col.set(k, dense.get(c)!);

  // Rows: column by column, ordered by the mean row of their predecessors, then by label.
  const columns: string[][] = used.map(() => []);
  for (const n of byKey.values()) columns[col.get(n.key)!].push(n.key);
  const row = new Map<string, number>();
  for (const keys of columns) {
    const score = (k: string) => {
      const ps = (preds.get(k) ?? []).filter((p) => row.has(p));
      return ps.length ? ps.reduce((s, p) => s + row.get(p)!, 0) / ps.length : Infinity;
    };
    keys.sort((a, b) => {
      const sa = score(a);
      const sb = score(b);
      if (sa !== sb) return sa === Infinity ? 1 : sb === Infinity ? -1 : sa - sb;
      return byKey.get(a)!.label.localeCompare(byKey.get(b)!.label);
    });
    keys.forEach((k, i) => row.set(k, i));
  }

  const tallest = Math.max(0, ...columns.map((c) => c.length));
  const height = tallest === 0 ? 0 : opts.pad * 2 + tallest * opts.nodeHeight + (tallest - 1) * opts.gapY;
  const width = used.length === 0 ? 0 : opts.pad * 2 + used.length * opts.nodeWidth + (used.length - 1) * opts.gapX;
  const nodes: PlacedNode[] = [];
  columns.forEach((keys, c) => {
    const span = keys.length * opts.nodeHeight + (keys.length - 1) * opts.gapY;
    const top = opts.pad + (height - opts.pad * 2 - span) / 2;
    keys.forEach((k, r) => {
      nodes.push({ ...byKey.get(k)!, col: c, row: r, x: opts.pad + c * (opts.nodeWidth + opts.gapX), y: top + r * (opts.nodeHeight + opts.gapY), w: opts.nodeWidth, h: opts.nodeHeight });
    });
  });
  const at = new Map(nodes.map((n) => [n.key, n]));
  const placed: PlacedEdge[] = edges.map((e) => {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    const x1 = a.x + a.w;
    const y1 = a.y + a.h / 2;
    const x2 = b.x;
    const y2 = b.y + b.h / 2;
    const bend = Math.max(24, Math.abs(x2 - x1) / 2);
    return { ...e, d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`, x2, y2 };
  });
  return { nodes, edges: placed, width, height, columns: used.length };
}

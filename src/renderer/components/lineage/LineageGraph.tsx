import { useId, useMemo } from 'react';
import type { LineageGraph as Graph, LineageNode } from '../../../shared/registry';
import { KIND_TITLES, layoutLineage } from './layout';

/**
 * A lineage graph laid out left to right: boxes (buttons when `canOpen` says so) joined by arrows.
 * Hand-rolled: HTML boxes over an SVG of curves, so labels stay text and it needs no library.
 */
export function LineageGraph(props: { graph: Graph; focus?: string; canOpen?: (n: LineageNode) => boolean; onOpen?: (n: LineageNode) => void; testId?: string }) {
  const layout = useMemo(() => layoutLineage(props.graph), [props.graph]);
  const marker = useId().replace(/:/g, '');
  if (layout.nodes.length === 0) return <p className="muted small">No lineage recorded.</p>;
  return (
    <div className="lineage-scroll">
      <div className="lineage-graph" style={{ width: layout.width, height: layout.height }} data-testid={props.testId ?? 'lineage-graph'}>
        <svg className="lineage-edges" width={layout.width} height={layout.height} aria-hidden>
          <defs>
            <marker id={marker} viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
              <path d="M 0 0 L 8 4 L 0 8 z" className="lineage-arrow" />
            </marker>
          </defs>
          {layout.edges.map((e) => (
            <path key={`${e.from}>${e.to}>${e.relation}`} d={e.d} className="lineage-edge" markerEnd={`url(#${marker})`}>
              <title>{e.relation}</title>
            </path>
          ))}
        </svg>
        {layout.nodes.map((n) => {
          const open = props.onOpen && (props.canOpen?.(n) ?? true);
          const cls = `lineage-node kind-${n.kind.replace(/[^a-z_]/g, '')}${n.key === props.focus ? ' focus' : ''}${open ? ' openable' : ''}`;
          const body = (
            <>
              <span className="lineage-kind">{KIND_TITLES[n.kind] ?? n.kind}</span>
              <span className="lineage-label truncate" title={n.label}>
                {n.label}
              </span>
            </>
          );
          const style = { left: n.x, top: n.y, width: n.w, height: n.h };
          return open ? (
            <button key={n.key} type="button" className={cls} style={style} onClick={() => props.onOpen!(n)} data-testid="lineage-node" data-kind={n.kind} title={`Open ${n.label}`}>
              {body}
            </button>
          ) : (
            <div key={n.key} className={cls} style={style} data-testid="lineage-node" data-kind={n.kind}>
              {body}
            </div>
          );
        })}
      </div>
    </div>
  );
}

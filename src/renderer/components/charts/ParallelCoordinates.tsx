import { memo, useMemo, useState } from 'react';
import { formatNumber } from '../../format';

export interface PcAxis {
  id: string;
  label: string;
}
export interface PcLine {
  id: string;
  name: string;
  color: string;
  values: Record<string, string | number | null>;
}

interface Scale {
  kind: 'number' | 'category';
  /** 0 (bottom) .. 1 (top), or null when the run has no value. */
  pos(v: string | number | null): number | null;
  ticks: { pos: number; label: string }[];
}

const isNum = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));

/** A numeric axis when every value reads as a number, else a categorical one (values sorted, evenly spaced). */
export function axisScale(values: (string | number | null)[]): Scale {
  const present = values.filter((v): v is string | number => v !== null && v !== undefined);
  if (present.length > 0 && present.every(isNum)) {
    const nums = present.map(Number).filter(Number.isFinite);
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const span = hi - lo || 1;
    const pos = (v: string | number | null) => (v === null || !Number.isFinite(Number(v)) ? null : lo === hi ? 0.5 : (Number(v) - lo) / span);
    const fmt = (x: number) => formatNumber(x);
    return { kind: 'number', pos, ticks: lo === hi ? [{ pos: 0.5, label: fmt(lo) }] : [0, 0.5, 1].map((t) => ({ pos: t, label: fmt(lo + t * span) })) };
  }
  const cats = [...new Set(present.map(String))].sort((a, b) => a.localeCompare(b));
  const at = new Map(cats.map((c, i) => [c, cats.length === 1 ? 0.5 : i / (cats.length - 1)]));
  return { kind: 'category', pos: (v) => (v === null ? null : (at.get(String(v)) ?? null)), ticks: cats.slice(0, 30).map((c) => ({ pos: at.get(c)!, label: c })) };
}

/** Parallel coordinates in plain SVG: one vertical axis per param or metric, one polyline per run. */
export const ParallelCoordinates = memo(function ParallelCoordinates({ axes, lines, width, height = 300 }: { axes: PcAxis[]; lines: PcLine[]; width: number; height?: number }) {
  const [hover, setHover] = useState<string | null>(null);
  const pad = { top: 28, bottom: 22, left: 60, right: 60 };
  const scales = useMemo(() => axes.map((a) => axisScale(lines.map((l) => l.values[a.id] ?? null))), [axes, lines]);
  if (axes.length < 2 || width <= 0) return <div className="muted small pad">Choose at least two axes.</div>;
  const xs = axes.map((_, i) => pad.left + (i * (width - pad.left - pad.right)) / (axes.length - 1));
  const y = (p: number) => pad.top + (1 - p) * (height - pad.top - pad.bottom);
  return (
    <svg width={width} height={height} className="pc" data-testid="parallel-coordinates" role="img" aria-label="Parallel coordinates">
      {lines.map((l) => {
        const pts: string[] = [];
        axes.forEach((a, i) => {
          const p = scales[i].pos(l.values[a.id] ?? null);
          if (p !== null) pts.push(`${xs[i]},${y(p)}`);
        });
        return (
          <polyline
            key={l.id}
            points={pts.join(' ')}
            fill="none"
            stroke={l.color}
            strokeWidth={hover === l.id ? 3 : 1.6}
            strokeOpacity={hover && hover !== l.id ? 0.25 : 0.9}
            onMouseEnter={() => setHover(l.id)}
            onMouseLeave={() => setHover(null)}
          >
            <title>{l.name}</title>
          </polyline>
        );
      })}
      {axes.map((a, i) => (
        <g key={a.id} className="pc-axis">
          <line x1={xs[i]} x2={xs[i]} y1={y(0)} y2={y(1)} stroke="var(--border-strong)" />
          <text x={xs[i]} y={14} textAnchor="middle" className="pc-label">
            {a.label.length > 22 ? a.label.slice(0, 21) + '…' : a.label}
          </text>
          {scales[i].ticks.map((t) => (
            <text key={t.label + t.pos} x={xs[i] - 5} y={y(t.pos) + 3} textAnchor="end" className="pc-tick">
              {t.label.length > 12 ? t.label.slice(0, 11) + '…' : t.label}
            </text>
          ))}
        </g>
      ))}
    </svg>
  );
});

import { memo, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricHistory } from '../../../shared/tracking';
import { formatMetric } from '../../format';
import { niceDomain } from './axes';
import { formatX, stepRange, toPoints, xAxisLabel, type Point, type XMode } from './series';

export interface ChartSeries {
  id: string;
  name: string;
  color: string;
  history: MetricHistory | null;
  startTime?: number;
}

export interface MetricChartProps {
  series: ChartSeries[];
  width: number;
  height?: number;
  xMode: XMode;
  log: boolean;
  smoothing: number;
  /** Drag across the plot to zoom: the steps covered. */
  onZoom?: (range: [number, number]) => void;
  testId?: string;
  /** The metric drawn: its natural range bounds the y axis (an accuracy axis stops at 1, a loss at 0). */
  metric?: string;
  /** What a step is (`epoch`, `batch`); the axis says `step` when not given. */
  xLabel?: string;
}

const MARGIN = { top: 8, right: 14, bottom: 4, left: 4 };
const Y_WIDTH = 58;
const X_HEIGHT = 34;

/**
 * One metric, one or many runs: recharts lines over points already downsampled by the engine,
 * smoothed here (debiased EMA) with the raw line faint behind. Drag horizontally to zoom.
 * No animation: a chart of a long run must paint at once.
 */
export const MetricChart = memo(function MetricChart({ series, width, height = 220, xMode, log, smoothing, onZoom, testId, metric, xLabel }: MetricChartProps) {
  const data = useMemo(
    () =>
      series.map((s) => {
        const p = s.history ? toPoints(s.history, xMode, { smoothing, log, startTime: s.startTime }) : { raw: [] as Point[], smooth: [] as Point[], dropped: 0 };
        return { ...s, ...p };
      }),
    [series, xMode, smoothing, log],
  );
  const domain = useMemo(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const d of data) {
      if (d.raw.length) {
        lo = Math.min(lo, d.raw[0].x);
        hi = Math.max(hi, d.raw[d.raw.length - 1].x);
      }
    }
    if (!(lo <= hi)) return [0, 1] as [number, number];
    return (lo === hi ? [lo - 1, hi + 1] : [lo, hi]) as [number, number];
  }, [data]);

  // The y axis fits the points (a smoothed line stays within them), padded, within the metric's range;
  // a log axis is left to recharts.
  const yAxis = useMemo(() => {
    if (log) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const d of data) {
      for (const p of d.raw) {
        if (p.y < lo) lo = p.y;
        if (p.y > hi) hi = p.y;
      }
    }
    return lo <= hi ? niceDomain(lo, hi, metric ?? series[0]?.name ?? '') : null;
  }, [data, log, metric, series]);

  // Drag-select zoom, mapped from pixels with the plot's known geometry.
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const plotLeft = MARGIN.left + Y_WIDTH;
  const plotRight = width - MARGIN.right;
  const xAt = (px: number) => domain[0] + ((px - plotLeft) / Math.max(1, plotRight - plotLeft)) * (domain[1] - domain[0]);
  const localX = (e: React.MouseEvent) => Math.max(plotLeft, Math.min(plotRight, e.clientX - (box.current?.getBoundingClientRect().left ?? 0)));

  const smoothed = smoothing > 0;
  const dropped = data.reduce((t, d) => t + d.dropped, 0);
  const empty = data.every((d) => d.raw.length === 0);

  return (
    <div
      className="metric-chart"
      ref={box}
      style={{ width, height: height + 16 }}
      data-testid={testId ?? 'metric-chart'}
      onMouseDown={onZoom ? (e) => e.button === 0 && setDrag({ a: localX(e), b: localX(e) }) : undefined}
      onMouseMove={drag ? (e) => setDrag({ a: drag.a, b: localX(e) }) : undefined}
      onMouseUp={
        drag
          ? () => {
              setDrag(null);
              if (Math.abs(drag.b - drag.a) < 6 || !onZoom) return;
              const pts = data.flatMap((d) => d.raw);
              const r = stepRange(pts, xAt(drag.a), xAt(drag.b));
              if (r) onZoom(r);
            }
          : undefined
      }
      onMouseLeave={drag ? () => setDrag(null) : undefined}
    >
      {width > 0 && (
        <LineChart width={width} height={height} margin={MARGIN}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
          <XAxis
            type="number"
            dataKey="x"
            domain={domain}
            allowDataOverflow
            height={X_HEIGHT}
            tickFormatter={(v: number) => formatX(xMode, v)}
            allowDecimals={xMode !== 'step'}
            tick={{ fontSize: 11, fill: 'var(--muted)' }}
            stroke="var(--border-strong)"
            tickCount={6}
            label={{ value: xAxisLabel(xMode, xLabel), position: 'insideBottom', offset: 0, fontSize: 11, fill: 'var(--muted)' }}
          />
          <YAxis
            type="number"
            scale={log ? 'log' : 'auto'}
            domain={yAxis ? yAxis.domain : ['auto', 'auto']}
            ticks={yAxis ? yAxis.ticks : undefined}
            allowDataOverflow={!!yAxis}
            width={Y_WIDTH}
            tickFormatter={(v: number) => formatMetric(v)}
            tick={{ fontSize: 11, fill: 'var(--muted)' }}
            stroke="var(--border-strong)"
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border-strong)', fontSize: 12 }}
            labelFormatter={(v) => `${xAxisLabel(xMode, xLabel)} ${formatX(xMode, Number(v))}`}
            formatter={(v, name) => [formatMetric(v as number), String(name)]}
          />
          {smoothed &&
            data.map((d) => (
              <Line
                key={`raw-${d.id}`}
                data={d.raw}
                dataKey="y"
                name={`${d.name} (raw)`}
                stroke={d.color}
                strokeOpacity={0.25}
                strokeWidth={1}
                dot={false}
                activeDot={false}
                isAnimationActive={false}
                tooltipType="none"
                legendType="none"
              />
            ))}
          {data.map((d) => (
            <Line
              key={d.id}
              data={smoothed ? d.smooth : d.raw}
              dataKey="y"
              name={d.name}
              stroke={d.color}
              strokeWidth={1.6}
              dot={d.raw.length === 1 ? { r: 3 } : false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      )}
      {drag && <div className="chart-drag" style={{ left: Math.min(drag.a, drag.b), width: Math.abs(drag.b - drag.a), top: MARGIN.top, height: height - MARGIN.top - X_HEIGHT - MARGIN.bottom }} />}
      <div className="chart-foot muted small">
        {empty ? 'No finite points' : ''}
        {dropped > 0 ? `${empty ? '; ' : ''}${dropped} point${dropped === 1 ? '' : 's'} not drawn (NaN, ∞${log ? ' or ≤ 0 on a log scale' : ''})` : ''}
      </div>
    </div>
  );
});

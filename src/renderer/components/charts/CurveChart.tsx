import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { downsample } from '../../stores/evaluationLogic';
import { formatMetric } from '../../format';
import { niceDomain } from './axes';

export interface CurveSeries {
  id: string;
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

const MARGIN = { top: 8, right: 14, bottom: 18, left: 4 };
const MAX_POINTS = 400;
const tick = { fontSize: 11, fill: 'var(--muted)' };

/**
 * Curves over a plane: ROC (with the chance diagonal), precision-recall, calibration (with the
 * perfect-calibration diagonal), residuals (as points, with y = 0). Points come from the engine's
 * report (at most 200 per curve) and are drawn without animation.
 */
export const CurveChart = memo(function CurveChart(props: {
  series: CurveSeries[];
  width: number;
  height?: number;
  xLabel: string;
  yLabel: string;
  /** Unit square axes (ROC, PR, calibration). */
  unit?: boolean;
  /** The y = x line. */
  diagonal?: boolean;
  /** A horizontal reference (y = 0 for residuals). */
  zeroLine?: boolean;
  scatter?: boolean;
  testId?: string;
}) {
  const { series, width, height = 240, xLabel, yLabel, unit, diagonal, zeroLine, scatter, testId } = props;
  const data = series.map((s) => ({ ...s, points: downsample(s.points, MAX_POINTS) }));
  // Unit-square curves keep [0, 1]; others fit their points (counts never below 0).
  const fit = (axis: 'x' | 'y', label: string) => {
    if (unit) return { domain: [0, 1] as [number, number], ticks: [0, 0.25, 0.5, 0.75, 1] };
    const v = data.flatMap((s) => s.points.map((p) => p[axis])).filter(Number.isFinite);
    return v.length ? niceDomain(Math.min(...v), Math.max(...v), label) : null;
  };
  const xAxis = fit('x', xLabel);
  const yAxis = fit('y', yLabel);
  const legend = series.length > 1;
  const common = (
    <>
      <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
      <XAxis
        type="number"
        dataKey="x"
        domain={xAxis?.domain ?? ['auto', 'auto']}
        ticks={xAxis?.ticks}
        allowDataOverflow={!!xAxis}
        tickFormatter={(v: number) => formatMetric(v)}
        tick={tick}
        stroke="var(--border-strong)"
        label={{ value: xLabel, position: 'insideBottom', offset: -10, fontSize: 11, fill: 'var(--muted)' }}
      />
      <YAxis
        type="number"
        dataKey="y"
        domain={yAxis?.domain ?? ['auto', 'auto']}
        ticks={yAxis?.ticks}
        allowDataOverflow={!!yAxis}
        width={52}
        tickFormatter={(v: number) => formatMetric(v)}
        tick={tick}
        stroke="var(--border-strong)"
        label={{ value: yLabel, angle: -90, position: 'insideLeft', offset: 12, fontSize: 11, fill: 'var(--muted)', style: { textAnchor: 'middle' } }}
      />
      <Tooltip
        isAnimationActive={false}
        contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border-strong)', fontSize: 12 }}
        formatter={(v) => formatMetric(v as number)}
        labelFormatter={(v) => `${xLabel} ${formatMetric(Number(v))}`}
      />
      {legend && <Legend wrapperStyle={{ fontSize: 11, paddingBottom: 4 }} verticalAlign="top" />}
      {diagonal && <ReferenceLine segment={[{ x: 0, y: 0 }, { x: 1, y: 1 }]} stroke="var(--muted)" strokeDasharray="4 4" ifOverflow="hidden" />}
      {zeroLine && <ReferenceLine y={0} stroke="var(--muted)" strokeDasharray="4 4" />}
    </>
  );
  return (
    <div className="curve-chart" style={{ width, height }} data-testid={testId ?? 'curve-chart'}>
      {width > 0 &&
        (scatter ? (
          <ScatterChart width={width} height={height} margin={MARGIN}>
            {common}
            <ZAxis range={[14, 14]} />
            {data.map((s) => (
              <Scatter key={s.id} name={s.name} data={s.points} fill={s.color} fillOpacity={0.7} isAnimationActive={false} shape="circle" />
            ))}
          </ScatterChart>
        ) : (
          <LineChart width={width} height={height} margin={MARGIN}>
            {common}
            {data.map((s) => (
              <Line key={s.id} data={s.points} dataKey="y" name={s.name} stroke={s.color} strokeWidth={1.8} dot={s.points.length <= 12 ? { r: 2.5 } : false} isAnimationActive={false} type="linear" />
            ))}
          </LineChart>
        ))}
    </div>
  );
});

import { memo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { ThresholdPoint } from '../../../shared/evaluation';
import { formatMetric, formatMoney } from '../../format';
import { niceDomain } from './axes';

/**
 * Business value per case against the decision threshold on P(positive), with the value-optimal
 * and the accuracy-optimal thresholds marked (and 0.5, the model's default decision).
 */
export const ValueThresholdChart = memo(function ValueThresholdChart(props: {
  curve: ThresholdPoint[];
  best: number;
  accuracyOptimal: number;
  width: number;
  height?: number;
}) {
  const { curve, best, accuracyOptimal, width, height = 240 } = props;
  const data = curve.map((p) => ({ x: p.threshold, y: p.value }));
  const ys = data.map((p) => p.y).filter(Number.isFinite);
  // Value can be negative: the axis fits the curve and keeps 0 (the break-even line) in view.
  const yAxis = ys.length ? niceDomain(Math.min(0, ...ys), Math.max(0, ...ys), 'value') : null;
  return (
    <div className="curve-chart" style={{ width, height }} data-testid="value-threshold-chart">
      {width > 0 && (
        <LineChart width={width} height={height} margin={{ top: 22, right: 16, bottom: 18, left: 4 }} data={data}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
          <XAxis
            type="number"
            dataKey="x"
            domain={[0, 1]}
            tickFormatter={(v: number) => formatMetric(v)}
            tick={{ fontSize: 11, fill: 'var(--muted)' }}
            stroke="var(--border-strong)"
            label={{ value: 'threshold on P(positive)', position: 'insideBottom', offset: -10, fontSize: 11, fill: 'var(--muted)' }}
          />
          <YAxis
            type="number"
            domain={yAxis?.domain ?? ['auto', 'auto']}
            ticks={yAxis?.ticks}
            allowDataOverflow={!!yAxis}
            width={58}
            tickFormatter={(v: number) => formatMoney(v)}
            tick={{ fontSize: 11, fill: 'var(--muted)' }}
            stroke="var(--border-strong)"
            label={{ value: 'value per case', angle: -90, position: 'insideLeft', offset: 12, fontSize: 11, fill: 'var(--muted)', style: { textAnchor: 'middle' } }}
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border-strong)', fontSize: 12 }}
            formatter={(v) => [formatMoney(v as number), 'value per case']}
            labelFormatter={(v) => `threshold ${formatMetric(Number(v))}`}
          />
          <ReferenceLine y={0} stroke="var(--border-strong)" />
          <ReferenceLine x={accuracyOptimal} stroke="var(--muted)" strokeDasharray="4 3" label={{ value: `accuracy-optimal ${formatMetric(accuracyOptimal)}`, position: 'top', fontSize: 11, fill: 'var(--muted)' }} />
          <ReferenceLine x={best} stroke="var(--added)" strokeWidth={2} label={{ value: `value-optimal ${formatMetric(best)}`, position: best > 0.6 ? 'insideTopRight' : 'insideTopLeft', fontSize: 11, fill: 'var(--added)' }} />
          <Line dataKey="y" stroke="var(--accent)" strokeWidth={1.8} dot={false} isAnimationActive={false} />
        </LineChart>
      )}
    </div>
  );
});

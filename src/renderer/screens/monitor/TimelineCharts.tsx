import { memo } from 'react';
import { Area, Bar, CartesianGrid, ComposedChart, Line, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { AliasMarker, MonitorTimeline, WindowPoint } from '../../../shared/monitoring';
import { niceDomain } from '../../components/charts/axes';
import { useWidth } from '../../components/charts/useWidth';
import { formatNumber } from '../../format';
import { metricRange } from '../../metrics';

/**
 * A model's per-window series, one small chart each, on one shared time axis: traffic, the headline
 * metric (estimated with its sampling band, and realized once labels arrive), drift share (with the
 * 50% dataset-drift line), the multivariate check (PCA reconstruction error in its band), and business
 * value per 1000 predictions. Alias moves are vertical markers
 * on every chart, so "since v3 became champion" reads straight off the axis.
 */

const tick = { fontSize: 11, fill: 'var(--muted)' };
const p2 = (x: number) => String(x).padStart(2, '0');
/** `12-01 14:00`: windows are hours, so the minute is the finest unit an axis needs. */
export function windowLabel(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}`;
}

interface Row {
  t: number;
  rows: number;
  est: number | null;
  band: [number, number] | null;
  real: number | null;
  drift: number | null;
  valueEst: number | null;
  valueReal: number | null;
  pca: number | null;
  pcaBand: [number, number] | null;
  pcaDrift: number | null;
}

function rowsOf(windows: WindowPoint[], metric: string | null): Row[] {
  return windows.map((w) => {
    const e = metric ? w.estimated?.[metric] : undefined;
    return {
      t: w.start,
      rows: w.rows,
      est: e ? e.value : null,
      band: e ? [e.lo, e.hi] : null,
      real: metric ? (w.realized?.[metric] ?? null) : null,
      drift: w.driftShare,
      valueEst: w.value.estimatedPer1000,
      valueReal: w.value.realizedPer1000,
      pca: w.multivariate?.error ?? null,
      pcaBand: w.multivariate ? [w.multivariate.lower, w.multivariate.upper] : null,
      // Drawn as a dot only where the window is outside its band.
      pcaDrift: w.multivariate?.drift ? w.multivariate.error : null,
    };
  });
}

/** Alias moves as vertical lines; the move before the range sits on its left edge, as the state there. */
function Markers(props: { moves: AliasMarker[]; left: number }) {
  return (
    <>
      {props.moves.map((m) => (
        <ReferenceLine
          key={`${m.alias}-${m.at}`}
          x={m.before ? props.left : m.at}
          stroke="var(--modified)"
          strokeDasharray={m.before ? '1 3' : '3 3'}
          label={{ value: m.before ? `${m.alias} = v${m.to ?? '—'} (since ${new Date(m.at).toLocaleDateString()})` : `${m.alias} → v${m.to ?? '—'}`, position: 'insideTopLeft', fontSize: 10, fill: 'var(--modified)' }}
        />
      ))}
    </>
  );
}

function Frame(props: { title: string; note?: string; testId: string; children: React.ReactNode }) {
  return (
    <div className="card mon-chart" data-testid={props.testId}>
      <div className="card-head">
        <span className="card-title">{props.title}</span>
        {props.note && <span className="muted small">{props.note}</span>}
      </div>
      {props.children}
    </div>
  );
}

const axisX = (
  domain: [number, number],
): React.ComponentProps<typeof XAxis> => ({ dataKey: 't', type: 'number', domain, scale: 'time', tickFormatter: windowLabel, tick, stroke: 'var(--border-strong)', minTickGap: 40 });

export const TimelineCharts = memo(function TimelineCharts(props: { timeline: MonitorTimeline }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const { timeline } = props;
  const metric = timeline.summary.metric;
  const data = rowsOf(timeline.windows, metric);
  const domain: [number, number] = [timeline.windows[0]?.start ?? timeline.from, timeline.windows.at(-1)?.start ?? timeline.to];
  const moves = timeline.aliasMoves.filter((m) => m.before || (m.at >= domain[0] && m.at <= domain[1]));
  const ref0 = metric ? timeline.reference.at(-1)?.metrics[metric] : undefined;
  const perfAxis = metric ? performanceAxis(data, metric, ref0) : undefined;
  // Two charts a row when the container fits them; the grid follows the same measure (not the viewport).
  const twoUp = width >= 900;
  const chartWidth = Math.max(260, twoUp ? Math.floor((width - 12) / 2) : width) - 26;
  const h = 170;
  const common = (
    <>
      <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
      <Tooltip
        labelFormatter={(v) => windowLabel(Number(v))}
        formatter={(v) => (Array.isArray(v) ? v.map((x) => formatNumber(Number(x))).join(' – ') : formatNumber(Number(v)))}
        contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }}
      />
      <Markers moves={moves} left={domain[0]} />
    </>
  );
  return (
    <div className="mon-charts" ref={ref} style={{ gridTemplateColumns: twoUp ? 'repeat(2, minmax(0, 1fr))' : 'minmax(0, 1fr)' }}>
      {width > 0 && (
        <>
          <Frame title="Traffic" note="predictions per window" testId="chart-traffic">
            <ComposedChart width={chartWidth} height={h} data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              {common}
              <XAxis {...axisX(domain)} />
              <YAxis width={48} tick={tick} stroke="var(--border-strong)" tickFormatter={(v: number) => formatNumber(v)} allowDecimals={false} />
              <Bar dataKey="rows" name="predictions" fill="var(--accent)" isAnimationActive={false} />
            </ComposedChart>
          </Frame>
          <Frame
            title={metric ? `${metric}: estimated and realized` : 'Performance'}
            note={ref0 !== undefined ? `held-out reference ${formatNumber(ref0)}` : undefined}
            testId="chart-performance"
          >
            {metric ? (
              <ComposedChart width={chartWidth} height={h} data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
                {common}
                <XAxis {...axisX(domain)} />
                <YAxis width={48} tick={tick} stroke="var(--border-strong)" domain={perfAxis?.domain} ticks={perfAxis?.ticks} allowDataOverflow tickFormatter={(v: number) => formatNumber(v)} />
                <Area dataKey="band" name="estimate ± 2 sd" stroke="none" fill="var(--accent)" fillOpacity={0.15} isAnimationActive={false} connectNulls />
                <Line dataKey="est" name="estimated (CBPE)" stroke="var(--accent)" dot={false} isAnimationActive={false} connectNulls />
                <Line dataKey="real" name="realized (labels)" stroke="var(--added)" dot={{ r: 2 }} isAnimationActive={false} connectNulls />
                {ref0 !== undefined && <ReferenceLine y={ref0} stroke="var(--muted)" strokeDasharray="4 4" />}
              </ComposedChart>
            ) : (
              <p className="muted small">A regression model has no confidence-based estimate; realized metrics appear as labels arrive.</p>
            )}
          </Frame>
          <Frame title="Drift share" note="features drifting; ≥ 50% is dataset drift" testId="chart-drift">
            <ComposedChart width={chartWidth} height={h} data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              {common}
              <XAxis {...axisX(domain)} />
              <YAxis width={48} tick={tick} stroke="var(--border-strong)" domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
              <ReferenceLine y={0.5} stroke="var(--danger)" strokeDasharray="4 4" />
              <Line dataKey="drift" name="drift share" stroke="var(--modified)" dot={false} isAnimationActive={false} connectNulls />
            </ComposedChart>
          </Frame>
          <MultivariateChart timeline={timeline} data={data} width={chartWidth} height={h} domain={domain} common={common} />
          <Frame title="Business value per 1000 predictions" note="from the model's value matrix" testId="chart-value">
            {data.every((d) => d.valueEst === null && d.valueReal === null) ? (
              <p className="muted small">
                No value matrix yet: evaluate this model version with a cost matrix (Training → the run → Evaluate) and the monitor values every window with it.
              </p>
            ) : (
            <ComposedChart width={chartWidth} height={h} data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              {common}
              <XAxis {...axisX(domain)} />
              <YAxis width={56} tick={tick} stroke="var(--border-strong)" domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v)} />
              <Line dataKey="valueEst" name="estimated" stroke="var(--accent)" dot={false} isAnimationActive={false} connectNulls />
              <Line dataKey="valueReal" name="realized" stroke="var(--added)" dot={{ r: 2 }} isAnimationActive={false} connectNulls />
            </ComposedChart>
            )}
          </Frame>
        </>
      )}
    </div>
  );
});

/** The performance axis fits the estimates, their band, the realized values and the reference, inside the metric's range (an accuracy axis stops at 1). */
function performanceAxis(data: Row[], metric: string, ref0: number | undefined): { domain: [number, number]; ticks: number[] } {
  // A band's edge can pass the metric's range (accuracy 0.99 ± 0.02); the axis stops at the range.
  const [rangeLo, rangeHi] = metricRange(metric);
  let lo = Infinity;
  let hi = -Infinity;
  const see = (v: number | null | undefined) => {
    if (typeof v === 'number' && Number.isFinite(v)) {
      lo = Math.min(lo, Math.max(rangeLo, v));
      hi = Math.max(hi, Math.min(rangeHi, v));
    }
  };
  for (const d of data) {
    see(d.est);
    see(d.real);
    see(d.band?.[0]);
    see(d.band?.[1]);
  }
  see(ref0);
  return niceDomain(lo, hi, metric);
}

/** The multivariate check: each window's mean PCA reconstruction error inside its band, or why there is none. */
function MultivariateChart(props: { timeline: MonitorTimeline; data: Row[]; width: number; height: number; domain: [number, number]; common: React.ReactNode }) {
  const summary = props.timeline.reference.at(-1)?.multivariate;
  const flagged = props.data.filter((d) => d.pcaDrift !== null).length;
  const judged = props.data.filter((d) => d.pca !== null).length;
  return (
    <Frame
      title="Multivariate drift (PCA)"
      note={summary?.available ? `${flagged} of ${judged} windows outside the band` : undefined}
      testId="chart-multivariate"
    >
      {!summary?.available || judged === 0 ? (
        <p className="muted small">{summary?.available ? 'No window has enough rows (30) for a verdict yet.' : (summary?.note ?? 'Not available for this version.')}</p>
      ) : (
        <>
          <ComposedChart width={props.width} height={props.height} data={props.data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            {props.common}
            <XAxis {...axisX(props.domain)} />
            <YAxis width={48} tick={tick} stroke="var(--border-strong)" domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v)} />
            <Area dataKey="pcaBand" name="band (± 3 sd)" stroke="none" fill="var(--muted)" fillOpacity={0.18} isAnimationActive={false} connectNulls />
            <Line dataKey="pca" name="mean error" stroke="var(--accent)" dot={false} isAnimationActive={false} connectNulls />
            <Line dataKey="pcaDrift" name="outside the band" stroke="none" dot={{ r: 3, fill: 'var(--danger)', stroke: 'none' }} isAnimationActive={false} />
          </ComposedChart>
          <p className="muted small mon-chart-note" title={summary.note}>
            {summary.note}
          </p>
        </>
      )}
    </Frame>
  );
}

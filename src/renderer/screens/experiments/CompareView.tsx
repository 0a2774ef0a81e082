import { useEffect, useMemo, useState } from 'react';
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricValue, RunComparison } from '../../../shared/tracking';
import { decodeMetricValue } from '../../../shared/tracking';
import { ErrorBox } from '../../components/ErrorBox';
import { niceDomain } from '../../components/charts/axes';
import { ParallelCoordinates, type PcAxis, type PcLine } from '../../components/charts/ParallelCoordinates';
import { colorFor } from '../../components/charts/series';
import { useWidth } from '../../components/charts/useWidth';
import { useExperimentsStore } from '../../stores/experimentsStore';
import { useRunDetailStore } from '../../stores/runsDetailStore';
import { formatMetric } from '../../format';
import { compareMetricNames, orderMetrics } from '../../metrics';
import { MetricDelta } from './MetricDelta';
import { ChartControls, ChartGrid, type ChartRun, type ChartSettings } from './ChartGrid';

function ParamsDiff({ cmp, colors }: { cmp: RunComparison; colors: string[] }) {
  const [hideEqual, setHideEqual] = useState(false);
  const rows = hideEqual ? cmp.params.filter((p) => p.differs) : cmp.params;
  const differing = cmp.params.filter((p) => p.differs).length;
  return (
    <div className="card" data-testid="params-diff">
      <div className="card-head">
        <span className="card-title">Params</span>
        <span className="muted small">
          {differing} of {cmp.params.length} differ
        </span>
        <label className="row gap small">
          <input type="checkbox" checked={hideEqual} onChange={(e) => setHideEqual(e.target.checked)} data-testid="hide-equal" />
          hide equal rows
        </label>
      </div>
      <div className="table-wrap">
        <table className="table compact compare-table">
          <thead>
            <tr>
              <th>param</th>
              {cmp.runs.map((r, i) => (
                <th key={r.id} title={r.name}>
                  <span className="swatch" style={{ background: colors[i] }} /> {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.key} className={p.differs ? 'differs' : ''} data-testid={p.differs ? 'param-differs' : 'param-equal'}>
                <td className="mono">{p.key}</td>
                {p.values.map((v, i) => (
                  <td key={i} className={v === null ? 'cell-null' : 'compare-value'} title={v ?? undefined}>
                    {v ?? '—'}
                  </td>
                ))}
              </tr>
            ))}
            {[...cmp.metrics]
              .sort((a, b) => compareMetricNames(a.key, b.key))
              .map((m) => (
                <tr key={`m:${m.key}`} className="metric-row" data-metric={m.key}>
                  <td className="mono">
                    <span className="col-kind">m</span>
                    {m.key}
                  </td>
                  {m.values.map((v, i) => (
                    <td key={i} className="num">
                      {v ? formatMetric(v.last) : '—'}
                      {i > 0 && <MetricDelta metric={m.key} delta={lastDelta(m.values[0]?.last, v?.last)} inline />}
                    </td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** This run's last value minus the first run's, when both are finite. */
function lastDelta(first: MetricValue | null | undefined, v: MetricValue | null | undefined): number | null {
  const a = decodeMetricValue(first);
  const b = decodeMetricValue(v);
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return Math.abs(b - a) < 1e-12 ? 0 : b - a;
}

type AxisChoice = { id: string; label: string; kind: 'param' | 'metric'; key: string };

function valueOf(cmp: RunComparison, a: AxisChoice, i: number): string | number | null {
  if (a.kind === 'param') return cmp.params.find((p) => p.key === a.key)?.values[i] ?? null;
  const m = cmp.metrics.find((x) => x.key === a.key)?.values[i];
  if (!m) return null;
  const v = decodeMetricValue(m.last);
  return v === undefined || !Number.isFinite(v) ? null : v;
}

function Parallel({ cmp, colors }: { cmp: RunComparison; colors: string[] }) {
  const all: AxisChoice[] = useMemo(
    () => [
      ...cmp.params.map((p) => ({ id: `p:${p.key}`, label: p.key, kind: 'param' as const, key: p.key })),
      ...cmp.metrics.map((m) => ({ id: `m:${m.key}`, label: m.key, kind: 'metric' as const, key: m.key })),
    ],
    [cmp],
  );
  const initial = useMemo(() => {
    const ps = cmp.params.filter((p) => p.differs).slice(0, 4).map((p) => `p:${p.key}`);
    const ms = orderMetrics(cmp.metrics.map((m) => m.key)).slice(0, 3).map((k) => `m:${k}`);
    return [...ps, ...ms];
  }, [cmp]);
  const [chosen, setChosen] = useState<string[]>(initial);
  useEffect(() => setChosen(initial), [initial]);
  const [ref, width] = useWidth<HTMLDivElement>();
  const axes: PcAxis[] = chosen.map((id) => all.find((a) => a.id === id)).filter((a): a is AxisChoice => !!a);
  const lines: PcLine[] = cmp.runs.map((r, i) => ({
    id: r.id,
    name: r.name,
    color: colors[i],
    values: Object.fromEntries(axes.map((a) => [a.id, valueOf(cmp, a as AxisChoice, i)])),
  }));
  return (
    <div className="card" data-testid="parallel-card">
      <div className="card-head">
        <span className="card-title">Parallel coordinates</span>
        <select
          className="input select"
          value=""
          aria-label="Add an axis"
          onChange={(e) => e.target.value && setChosen([...chosen, e.target.value])}
          data-testid="pc-add-axis"
        >
          <option value="">Add axis…</option>
          {all
            .filter((a) => !chosen.includes(a.id))
            .map((a) => (
              <option key={a.id} value={a.id}>
                {a.kind === 'param' ? 'param' : 'metric'} {a.label}
              </option>
            ))}
        </select>
      </div>
      <div className="chips">
        {axes.map((a) => (
          <span key={a.id} className="tag">
            {a.label}
            <button type="button" className="tag-x" aria-label={`Remove axis ${a.label}`} onClick={() => setChosen(chosen.filter((c) => c !== a.id))}>
              ×
            </button>
          </span>
        ))}
      </div>
      <div ref={ref}>
        <ParallelCoordinates axes={axes} lines={lines} width={width} />
      </div>
    </div>
  );
}

function ScatterCard({ cmp, colors }: { cmp: RunComparison; colors: string[] }) {
  const [param, setParam] = useState(cmp.params.find((p) => p.differs)?.key ?? cmp.params[0]?.key ?? '');
  const [metric, setMetric] = useState(orderMetrics(cmp.metrics.map((m) => m.key))[0] ?? '');
  const [ref, width] = useWidth<HTMLDivElement>();
  const pvals = cmp.params.find((p) => p.key === param)?.values ?? [];
  const numeric = pvals.every((v) => v === null || (v.trim() !== '' && Number.isFinite(Number(v))));
  const cats = [...new Set(pvals.filter((v): v is string => v !== null))].sort();
  const points = cmp.runs
    .map((r, i) => {
      const pv = pvals[i];
      const m = cmp.metrics.find((x) => x.key === metric)?.values[i];
      const y = m ? decodeMetricValue(m.last) : undefined;
      if (pv === null || pv === undefined || y === undefined || !Number.isFinite(y)) return null;
      return { x: numeric ? Number(pv) : cats.indexOf(pv), y, name: r.name, color: colors[i], label: pv };
    })
    .filter((p): p is NonNullable<typeof p> => p !== null);
  // The metric's axis fits its values within its range (an accuracy axis stops at 1); a numeric param's too.
  const yAxis = points.length ? niceDomain(Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.y)), metric) : null;
  const xAxis = numeric && points.length ? niceDomain(Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x)), param) : null;
  return (
    <div className="card" data-testid="scatter-card">
      <div className="card-head">
        <span className="card-title">Scatter</span>
        <select className="input select" value={param} onChange={(e) => setParam(e.target.value)} aria-label="Param (x)" data-testid="scatter-param">
          {cmp.params.map((p) => (
            <option key={p.key} value={p.key}>
              {p.key}
            </option>
          ))}
        </select>
        <span className="muted small">against</span>
        <select className="input select" value={metric} onChange={(e) => setMetric(e.target.value)} aria-label="Metric (y)" data-testid="scatter-metric">
          {cmp.metrics.map((m) => (
            <option key={m.key} value={m.key}>
              {m.key}
            </option>
          ))}
        </select>
      </div>
      <div ref={ref}>
        {width > 0 && points.length > 0 ? (
          <ScatterChart width={width} height={260} margin={{ top: 10, right: 16, bottom: 6, left: 4 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
            <XAxis
              type="number"
              dataKey="x"
              name={param}
              domain={xAxis ? xAxis.domain : numeric ? ['auto', 'auto'] : [-0.5, cats.length - 0.5]}
              ticks={xAxis ? xAxis.ticks : numeric ? undefined : cats.map((_, i) => i)}
              allowDataOverflow={!!xAxis}
              tickFormatter={(v: number) => (numeric ? formatMetric(v) : (cats[v] ?? ''))}
              tick={{ fontSize: 11, fill: 'var(--muted)' }}
              stroke="var(--border-strong)"
            />
            <YAxis type="number" dataKey="y" name={metric} domain={yAxis?.domain ?? ['auto', 'auto']} ticks={yAxis?.ticks} allowDataOverflow={!!yAxis} width={58} tickFormatter={(v: number) => formatMetric(v)} tick={{ fontSize: 11, fill: 'var(--muted)' }} stroke="var(--border-strong)" />
            <Tooltip
              isAnimationActive={false}
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border-strong)', fontSize: 12 }}
              formatter={(v, n) => [n === param && !numeric ? (cats[v as number] ?? '') : formatMetric(v as number), String(n)]}
            />
            <Scatter data={points} isAnimationActive={false} shape={(p: { cx?: number; cy?: number; payload?: { color: string } }) => <circle cx={p.cx} cy={p.cy} r={5} fill={p.payload?.color} fillOpacity={0.85} />} />
          </ScatterChart>
        ) : (
          <p className="muted small pad">{cmp.params.length === 0 || cmp.metrics.length === 0 ? 'Needs at least one param and one metric.' : 'No run has both values.'}</p>
        )}
      </div>
    </div>
  );
}

/** Two to fifty runs side by side: overlaid charts, a params diff, parallel coordinates and a scatter. */
export function CompareView({ ids }: { ids: string[] }) {
  const state = useRunDetailStore((s) => s.compare);
  const show = useExperimentsStore((s) => s.show);
  const [settings, setSettings] = useState<ChartSettings>({ xMode: 'step', log: false, smoothing: 0 });
  const key = ids.join(',');
  useEffect(() => {
    void useRunDetailStore.getState().openCompare(key.split(','));
  }, [key]);
  const cmp = state.data && state.data.runs.map((r) => r.id).join(',') === key ? state.data : null;
  const colors = useMemo(() => ids.map((_, i) => colorFor(i)), [ids]);
  const chartRuns: ChartRun[] = useMemo(
    () => (cmp ? cmp.runs.map((r, i) => ({ id: r.id, name: r.name, color: colors[i], startTime: r.startTime, running: r.status === 'running' })) : []),
    [cmp, colors],
  );
  const metrics = useMemo(() => (cmp ? orderMetrics(cmp.metrics.map((m) => m.key)) : []), [cmp]);
  return (
    <section className="screen detail compare" data-testid="compare-view">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => show({ kind: 'runs', experimentId: cmp && new Set(cmp.runs.map((r) => r.experimentId)).size === 1 ? cmp.runs[0].experimentId : null })} data-testid="back-from-compare">
          ← Runs
        </button>
        <h1>Compare {ids.length} runs</h1>
      </div>
      <ErrorBox error={state.error} />
      {!cmp && state.loading && <div className="muted pad">Loading…</div>}
      {cmp && (
        <>
          <ChartControls value={settings} onChange={setSettings} />
          <ChartGrid metrics={metrics} runs={chartRuns} settings={settings} legend />
          <ParamsDiff cmp={cmp} colors={colors} />
          <div className="cards compare-cards">
            <Parallel cmp={cmp} colors={colors} />
            <ScatterCard cmp={cmp} colors={colors} />
          </div>
        </>
      )}
    </section>
  );
}

import { useEffect, useEffectEvent, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { MetricChart, type ChartSeries } from '../../components/charts/MetricChart';
import type { XMode } from '../../components/charts/series';
import { useWidth } from '../../components/charts/useWidth';
import { formatFixed, formatHeadline, formatInt } from '../../format';
import { historyKey, useRunDetailStore, type StepRange } from '../../stores/runsDetailStore';

export interface ChartRun {
  id: string;
  name: string;
  color: string;
  startTime: number;
  running: boolean;
}

export interface ChartSettings {
  xMode: XMode;
  log: boolean;
  smoothing: number;
}

export function ChartControls({ value, onChange }: { value: ChartSettings; onChange: (v: ChartSettings) => void }) {
  return (
    <div className="chart-controls row gap" data-testid="chart-controls">
      <label className="row gap small">
        x axis
        <select className="input select" value={value.xMode} onChange={(e) => onChange({ ...value, xMode: e.target.value as XMode })} data-testid="x-mode">
          <option value="step">step</option>
          <option value="relative">relative time</option>
          <option value="wall">wall time</option>
        </select>
      </label>
      <label className="row gap small">
        <input type="checkbox" checked={value.log} onChange={(e) => onChange({ ...value, log: e.target.checked })} data-testid="log-scale" />
        log scale
      </label>
      <label className="row gap small smoothing">
        smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={value.smoothing}
          onChange={(e) => onChange({ ...value, smoothing: Number(e.target.value) })}
          data-testid="smoothing"
        />
        <span className="mono">{formatFixed(value.smoothing, 2)}</span>
      </label>
      <span className="muted small">Drag across a chart to zoom (re-fetched at full resolution).</span>
    </div>
  );
}

/** One metric key across runs: fetches each run's history downsampled to the chart's pixel width. */
function ChartCell({ metric, runs, settings, width }: { metric: string; runs: ChartRun[]; settings: ChartSettings; width: number }) {
  const [zoom, setZoom] = useState<StepRange>(null);
  const maxPoints = Math.max(200, Math.min(4000, Math.round(width)));
  const load = useRunDetailStore((s) => s.loadHistory);
  const liveTick = useRunDetailStore((s) => s.liveTick);
  const anyRunning = runs.some((r) => r.running);
  const keys = runs.map((r) => historyKey(r.id, metric, maxPoints, zoom));
  const entries = useRunDetailStore(useShallow((s) => keys.map((k) => s.histories[k])));
  useEffect(() => {
    if (width <= 0) return;
    for (const r of runs) void load(r.id, metric, maxPoints, zoom);
  }, [runs, metric, maxPoints, zoom, width, load]);
  // Live refresh: keyed on the tick alone; the rest is read as it is when the timer fires.
  const refreshRunning = useEffectEvent(() => {
    if (!anyRunning || width <= 0) return;
    for (const r of runs) if (r.running) void load(r.id, metric, maxPoints, zoom, true);
  });
  useEffect(() => {
    if (liveTick === 0) return;
    const t = setTimeout(() => refreshRunning(), 300);
    return () => clearTimeout(t);
  }, [liveTick]);
  const series: ChartSeries[] = useMemo(
    () => runs.map((r, i) => ({ id: r.id, name: r.name, color: r.color, startTime: r.startTime, history: entries[i]?.data ?? null })),
    [runs, entries],
  );
  const total = entries.reduce((t, e) => t + (e?.data?.total ?? 0), 0);
  const drawn = entries.reduce((t, e) => t + (e?.data?.values.length ?? 0), 0);
  const error = entries.find((e) => e?.error)?.error;
  return (
    <div className="card chart-card" data-testid="chart-card" data-metric={metric}>
      <div className="card-head">
        <span className="card-title mono" title={metric}>
          {metric}
        </span>
        <span className="muted small">
          {total > drawn ? `${formatInt(drawn)} of ${formatInt(total)} points` : total ? `${formatInt(total)} points` : ''}
          {zoom ? ` · steps ${zoom[0]}–${zoom[1]}` : ''}
        </span>
        {zoom && (
          <button type="button" className="button small ghost" onClick={() => setZoom(null)} data-testid="reset-zoom">
            Reset zoom
          </button>
        )}
      </div>
      {error ? (
        <div className="error-message small">{error.message}</div>
      ) : isScalar(series, anyRunning) ? (
        <ScalarValues series={series} metric={metric} />
      ) : (
        <MetricChart series={series} width={width} xMode={settings.xMode} log={settings.log} smoothing={settings.smoothing} onZoom={setZoom} metric={metric} />
      )}
    </div>
  );
}

/** One value per run (a test metric, a baseline): a number says it better than a line of one point. */
function isScalar(series: ChartSeries[], running: boolean): boolean {
  return !running && series.some((x) => x.history) && series.every((x) => !x.history || x.history.total <= 1);
}

function ScalarValues({ series, metric }: { series: ChartSeries[]; metric: string }) {
  return (
    <div className="scalar-values" data-testid="scalar-metric">
      {series.map((x) => (
        <div key={x.id} className="scalar-value">
          <span className="scalar-number mono">{x.history?.values.length ? formatHeadline(x.history.values[0], metric) : '—'}</span>
          {series.length > 1 && (
            <span className="muted small truncate" title={x.name}>
              <span className="swatch" style={{ background: x.color }} /> {x.name}
            </span>
          )}
          {x.history?.steps.length ? <span className="muted small">step {formatInt(x.history.steps[0])}</span> : null}
        </div>
      ))}
    </div>
  );
}

/** A grid of metric charts, one per key, each overlaying the given runs. */
export function ChartGrid({ metrics, runs, settings, legend }: { metrics: string[]; runs: ChartRun[]; settings: ChartSettings; legend?: boolean }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const cols = Math.max(1, Math.min(metrics.length, width > 1100 ? 3 : width > 700 ? 2 : 1));
  const cellWidth = width > 0 ? Math.floor((width - (cols - 1) * 12) / cols) - 22 : 0;
  return (
    <div ref={ref} className="chart-grid-wrap">
      {legend && (
        <div className="legend" data-testid="chart-legend">
          {runs.map((r) => (
            <span key={r.id} className="legend-item">
              <span className="swatch" style={{ background: r.color }} />
              <span className="truncate">{r.name}</span>
            </span>
          ))}
        </div>
      )}
      {metrics.length === 0 && <div className="empty small">No metrics logged.</div>}
      <div className="chart-grid" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
        {metrics.map((m) => (
          <ChartCell key={m} metric={m} runs={runs} settings={settings} width={cellWidth} />
        ))}
      </div>
    </div>
  );
}

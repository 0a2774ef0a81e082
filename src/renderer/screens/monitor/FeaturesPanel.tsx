import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { DriftReport, DriftTest, FeatureDetail, FeatureDrift, HistogramPair } from '../../../shared/monitoring';
import { useWidth } from '../../components/charts/useWidth';
import { formatNumber, formatShare } from '../../format';
import { useMonitorStore } from '../../stores/monitorStore';
import { windowLabel } from './TimelineCharts';
import { ClickableRow } from '../../components/ClickableRow';

/**
 * Drift over the chosen range, per feature (sorted by the engine: drifting first, then by PSI), with the
 * method and threshold that judged each number; one feature's reference vs current histogram overlaid,
 * its statistic per window and its quantiles.
 */

const tick = { fontSize: 11, fill: 'var(--muted)' };
const METHOD: Record<DriftTest['method'], string> = {
  ks: 'KS',
  chi2: 'χ²',
  wasserstein: 'Wasserstein (norm.)',
  'jensen-shannon': 'Jensen-Shannon',
  psi: 'PSI',
};
const pct = formatShare;

/** `KS p = 0.003 < 0.05` / `Wasserstein 0.21 > 0.1`: the number, its method and the threshold it was judged by. */
export function testText(t: DriftTest | null): string {
  if (!t) return '—';
  const src = t.thresholdSource === 'calibrated' ? ' (calibrated)' : '';
  if (t.rule === 'p < threshold') return `${METHOD[t.method]} p = ${formatNumber(t.pValue)} ${t.drift ? '<' : '≥'} ${t.threshold}${src}`;
  return `${METHOD[t.method]} ${formatNumber(t.statistic)} ${t.drift ? '>' : '≤'} ${formatNumber(t.threshold)}${src}`;
}

function DriftBadge(props: { f: FeatureDrift }) {
  return <span className={`mon-badge ${props.f.drift ? 'mon-bad' : 'mon-ok'}`}>{props.f.drift ? 'drift' : 'stable'}</span>;
}

function FeatureRow(props: { f: FeatureDrift; selected: boolean }) {
  const select = useMonitorStore((s) => s.selectFeature);
  const { f } = props;
  return (
    <ClickableRow selected={props.selected} onOpen={() => void select(f.feature)} data-testid="drift-row" data-feature={f.feature} data-drift={f.drift}>
      <td className="truncate" title={f.feature}>
        {f.feature}
      </td>
      <td>
        <span className={`badge type-${f.kind}`}>{f.kind}</span>
      </td>
      <td className="small">{testText(f.test)}</td>
      <td className="small">{f.psi ? `${formatNumber(f.psi.value)} ${f.psi.band}` : '—'}</td>
      <td className={`small${f.missingRate.changed ? ' mon-warn' : ''}`}>
        {pct(f.missingRate.reference)} → {pct(f.missingRate.current)}
      </td>
      <td className="small truncate" title={f.newCategories.values.join(', ')}>
        {f.newCategories.values.length ? `${f.newCategories.values.length} (${pct(f.newCategories.share)})` : '—'}
      </td>
      <td>
        <DriftBadge f={f} />
      </td>
    </ClickableRow>
  );
}

function histogramRows(h: HistogramPair): { bin: string; reference: number; current: number }[] {
  const names = h.labels ?? (h.edges ?? []).slice(0, -1).map((e, i) => `${formatNumber(e)}–${formatNumber(h.edges![i + 1])}`);
  return names.map((bin, i) => ({ bin, reference: h.reference[i] ?? 0, current: h.current[i] ?? 0 }));
}

function FeatureDetailView(props: { detail: FeatureDetail }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const { detail } = props;
  const d = detail.drift;
  const w = Math.max(260, width >= 860 ? Math.floor((width - 12) / 2) : width) - 26;
  const series = detail.series.map((s) => ({ t: s.start, statistic: s.statistic, psi: s.psi }));
  return (
    <div className="mon-detail" ref={ref} data-testid="feature-detail">
      <div className="card">
        <div className="card-head">
          <span className="card-title">
            {d.feature}: reference vs current <DriftBadge f={d} />
          </span>
          <span className="muted small">{testText(d.test)}</span>
        </div>
        {width > 0 && (
          <BarChart width={w} height={200} data={histogramRows(d.histogram)} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} barGap={0}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
            <XAxis dataKey="bin" tick={tick} stroke="var(--border-strong)" interval="preserveStartEnd" minTickGap={12} />
            <YAxis width={44} tick={tick} stroke="var(--border-strong)" tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
            <Tooltip formatter={(v) => pct(Number(v))} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            <Bar dataKey="reference" name="reference (training rows)" fill="var(--muted)" fillOpacity={0.55} isAnimationActive={false} />
            <Bar dataKey="current" name="current range" fill="var(--accent)" fillOpacity={0.8} isAnimationActive={false} />
          </BarChart>
        )}
      </div>
      <div className="card">
        <div className="card-head">
          <span className="card-title">Per window</span>
          <span className="muted small">{d.test ? `${METHOD[d.test.method]} statistic and PSI` : 'PSI'}</span>
        </div>
        {width > 0 && (
          <LineChart width={w} height={200} data={series} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
            <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={windowLabel} tick={tick} stroke="var(--border-strong)" minTickGap={40} />
            <YAxis width={44} tick={tick} stroke="var(--border-strong)" tickFormatter={(v: number) => formatNumber(v)} />
            <Tooltip labelFormatter={(v) => windowLabel(Number(v))} formatter={(v) => formatNumber(Number(v))} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            <Line dataKey="statistic" name="statistic" stroke="var(--modified)" dot={false} isAnimationActive={false} connectNulls />
            <Line dataKey="psi" name="PSI" stroke="var(--accent)" dot={false} isAnimationActive={false} connectNulls />
          </LineChart>
        )}
        <table className="table compact mon-quantiles">
          <thead>
            <tr>
              <th>quantile</th>
              <th>reference</th>
              <th>current</th>
            </tr>
          </thead>
          <tbody>
            {detail.quantiles.map((q) => (
              <tr key={q.q}>
                <td>{q.q}</td>
                <td>{formatNumber(q.reference)}</td>
                <td>{formatNumber(q.current)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function FeaturesPanel(props: { drift: DriftReport }) {
  const feature = useMonitorStore((s) => s.feature);
  const detail = useMonitorStore((s) => s.featureDetail);
  const { drift } = props;
  const extra = [drift.prediction, drift.label].filter((f): f is FeatureDrift => f !== null);
  return (
    <div className="mon-features">
      <div className="mon-verdict" data-testid="dataset-drift">
        <strong>{drift.dataset.drift ? 'Dataset drift' : 'No dataset drift'}</strong>: {drift.dataset.drifting} of {drift.dataset.total} features drift ({pct(drift.dataset.share)}; the
        verdict is drift at ≥ 50%) over {formatNumber(drift.rows)} predictions. Thresholds: {drift.thresholds === 'calibrated' ? 'calibrated on the training rows (mean + 3 sd)' : 'defaults by window size'}.
      </div>
      <div className="table-scroll">
        <table className="table compact mon-drift-table" data-testid="drift-table">
          <thead>
            <tr>
              <th>Feature</th>
              <th>Type</th>
              <th>Test (method, threshold)</th>
              <th>PSI (0.1 / 0.25)</th>
              <th>Missing ref → now</th>
              <th>New categories</th>
              <th>Verdict</th>
            </tr>
          </thead>
          <tbody>
            {[...drift.features, ...extra].map((f) => (
              <FeatureRow key={f.feature} f={f} selected={f.feature === feature} />
            ))}
          </tbody>
        </table>
      </div>
      {drift.notes.length > 0 && (
        <ul className="muted small mon-notes">
          {drift.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {feature && !detail && <p className="muted small">Loading {feature}…</p>}
      {detail && <FeatureDetailView detail={detail} />}
    </div>
  );
}

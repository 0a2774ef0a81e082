import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';
import { formatNumber } from '../../../shared/numberFormat';
import { multivariateOutcome, type DriftReport, type FeatureDrift, type MonitorTimeline, type ReportResult } from '../../../shared/monitoring';
import type { MonitoringService } from './service';

/**
 * A range as one self-contained HTML file (inline CSS and SVG, no scripts, no external resources).
 * Its size is bounded whatever the row count: charts are downsampled to MAX_POINTS windows, the
 * drift table keeps the MAX_FEATURES most drifted features, and the file is refused above 2 MB.
 */
export const MAX_REPORT_BYTES = 2 * 1024 * 1024;
const MAX_POINTS = 400;
const MAX_FEATURES = 200;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
/** The app's one number format (shared/numberFormat.ts): 41 not 41.000, 12,345 not 12345.000. */
const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : formatNumber(v));
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const step = xs.length / max;
  return Array.from({ length: max }, (_, i) => xs[Math.floor(i * step)]);
}

/** A line chart of up to a few series over window starts, as inline SVG. */
function lineChart(title: string, xs: number[], series: { name: string; color: string; ys: (number | null)[] }[], markers: { at: number; label: string }[] = []): string {
  const W = 900;
  const H = 160;
  const pad = 36;
  const all = series.flatMap((s) => s.ys).filter((y): y is number => y !== null && Number.isFinite(y));
  if (xs.length === 0 || all.length === 0) return `<h3>${esc(title)}</h3><p class="muted">No data in this range.</p>`;
  const x0 = xs[0];
  const x1 = xs[xs.length - 1] === x0 ? x0 + 1 : xs[xs.length - 1];
  let y0 = Math.min(...all);
  let y1 = Math.max(...all);
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const X = (x: number) => pad + ((x - x0) / (x1 - x0)) * (W - 2 * pad);
  const Y = (y: number) => H - pad / 2 - ((y - y0) / (y1 - y0)) * (H - pad);
  const paths = series.map((s) => {
    let d = '';
    s.ys.forEach((y, i) => {
      if (y === null || !Number.isFinite(y)) return;
      d += `${d ? 'L' : 'M'}${X(xs[i]).toFixed(1)},${Y(y).toFixed(1)}`;
    });
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`;
  });
  const marks = markers.filter((m) => m.at >= x0 && m.at <= x1).map((m) => `<line x1="${X(m.at)}" x2="${X(m.at)}" y1="4" y2="${H - 10}" stroke="#a0a" stroke-dasharray="3,3"/><text x="${X(m.at) + 3}" y="12" font-size="10" fill="#a0a">${esc(m.label)}</text>`);
  const legend = series.map((s) => `<span style="color:${s.color}">■ ${esc(s.name)}</span>`).join(' ');
  return `<h3>${esc(title)}</h3><div class="legend">${legend}</div><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}"><text x="2" y="${Y(y1) + 4}" font-size="10">${fmt(y1)}</text><text x="2" y="${Y(y0)}" font-size="10">${fmt(y0)}</text>${paths.join('')}${marks.join('')}<text x="${pad}" y="${H}" font-size="10">${iso(x0)}</text><text x="${W - pad - 120}" y="${H}" font-size="10">${iso(x1)}</text></svg>`;
}

function histogram(f: FeatureDrift): string {
  const r = f.histogram.reference;
  const c = f.histogram.current;
  if (!r.length) return '';
  const W = 220;
  const H = 40;
  const n = r.length;
  const max = Math.max(...r, ...c, 1e-9);
  const bw = W / n;
  const bars = r.map((v, i) => `<rect x="${(i * bw).toFixed(1)}" y="${(H - (v / max) * H).toFixed(1)}" width="${Math.max(0.5, bw - 0.5).toFixed(1)}" height="${((v / max) * H).toFixed(1)}" fill="#8888"/>`).join('');
  const cur = c.map((v, i) => `${i ? 'L' : 'M'}${(i * bw + bw / 2).toFixed(1)},${(H - (v / max) * H).toFixed(1)}`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${bars}<path d="${cur}" fill="none" stroke="#d33" stroke-width="1.2"/></svg>`;
}

function driftTable(d: DriftReport): string {
  const rows = d.features.slice(0, MAX_FEATURES).map((f) => {
    const t = f.test;
    const test = t ? `${t.method} ${fmt(t.statistic)}${t.pValue !== null ? ` (p ${fmt(t.pValue)})` : ''} — ${t.rule.replace('threshold', fmt(t.threshold))} [${t.thresholdSource}]` : '—';
    return `<tr class="${f.drift ? 'drift' : ''}"><td>${esc(f.feature)}</td><td>${f.drift ? 'drift' : 'ok'}</td><td>${esc(test)}</td><td>${f.psi ? `${fmt(f.psi.value)} (${f.psi.band})` : '—'}</td><td>${fmt(f.missingRate.reference)} → ${fmt(f.missingRate.current)}${f.missingRate.changed ? ' ⚠' : ''}</td><td>${f.newCategories.values.length ? esc(f.newCategories.values.slice(0, 5).join(', ')) : ''}</td><td>${histogram(f)}</td></tr>`;
  });
  const more = d.features.length > MAX_FEATURES ? `<p class="muted">${d.features.length - MAX_FEATURES} more features not shown.</p>` : '';
  return `<table><thead><tr><th>feature</th><th>verdict</th><th>test (method, statistic, rule) [threshold source]</th><th>PSI (0.1 / 0.25 bands)</th><th>missing rate ref → now</th><th>new categories</th><th>reference (grey) vs now (red)</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
}

/** The PCA chart with its band, or nothing when the reference has no multivariate check. */
function multivariateChart(w: MonitorTimeline['windows'], xs: number[], markers: { at: number; label: string }[]): string {
  const o = multivariateOutcome(w);
  if (!o) return '';
  const chart = lineChart('Multivariate drift: PCA reconstruction error (band: held-out mean ± 3 sd for the window\'s rows)', xs, [
    { name: 'error', color: '#d33', ys: w.map((p) => p.multivariate?.error ?? null) },
    { name: 'band low', color: '#9bd', ys: w.map((p) => p.multivariate?.lower ?? null) },
    { name: 'band high', color: '#9bd', ys: w.map((p) => p.multivariate?.upper ?? null) },
  ], markers);
  return `${chart}<p class="muted">${o.outside} of ${o.judged} windows outside the band. It sees a change in how features move together that no single feature's drift test shows.</p>`;
}

export function renderReport(t: MonitorTimeline, d: DriftReport, alerts: ReturnType<MonitoringService['alerts']>): string {
  const w = thin(t.windows, MAX_POINTS);
  const xs = w.map((p) => p.start);
  // The move before the range is drawn at its left edge (the alias's state there).
  const markers = t.aliasMoves.map((m) => (m.before ? { at: t.windows[0]?.start ?? t.from, label: `${m.alias} = v${m.to ?? '-'} (since ${new Date(m.at).toISOString().slice(0, 10)})` } : { at: m.at, label: `${m.alias} → v${m.to ?? '-'}` }));
  const metric = t.summary.metric ?? 'accuracy';
  const charts = [
    lineChart('Traffic (rows per window)', xs, [{ name: 'rows', color: '#36c', ys: w.map((p) => p.rows) }], markers),
    lineChart('Drift share (features drifting; dataset drift at ≥ 0.5)', xs, [{ name: 'drift share', color: '#d33', ys: w.map((p) => p.driftShare) }], markers),
    lineChart(`${metric}: estimated (CBPE) and realized (labels)`, xs, [
      { name: 'estimated', color: '#36c', ys: w.map((p) => p.estimated?.[metric]?.value ?? null) },
      { name: 'band low', color: '#9bd', ys: w.map((p) => p.estimated?.[metric]?.lo ?? null) },
      { name: 'band high', color: '#9bd', ys: w.map((p) => p.estimated?.[metric]?.hi ?? null) },
      { name: 'realized', color: '#2a2', ys: w.map((p) => p.realized?.[metric] ?? null) },
    ], markers),
    lineChart('Value per 1000 predictions', xs, [
      { name: 'estimated', color: '#36c', ys: w.map((p) => p.value.estimatedPer1000) },
      { name: 'realized', color: '#2a2', ys: w.map((p) => p.value.realizedPer1000) },
    ], markers),
    multivariateChart(w, xs, markers),
  ];
  const hist = alerts.history.slice(0, 200).map((h) => `<tr><td>${iso(h.window)}</td><td>${esc(h.rule)}</td><td>${h.from} → ${h.to}</td><td>${fmt(h.value)}</td></tr>`).join('');
  const rules = alerts.rules.map((r) => `<tr><td>${esc(r.name)}</td><td><code>${esc(r.series)} ${esc(r.op)} ${r.threshold}</code> for ${r.forWindows}${r.resolveAfter > 1 ? `, resolves after ${r.resolveAfter} quiet` : ''}</td><td>${r.state}</td></tr>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(t.model)} monitoring report</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>body{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:13px;margin:16px 0 2px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:middle}tr.drift td{background:#fee}.muted{color:#777}.legend{font-size:11px}code{font-size:12px}</style></head><body>
<h1>${esc(t.model)} — monitoring report</h1>
<p>${iso(t.from)} to ${iso(t.to)} · ${t.windows.length} windows of ${t.windowMinutes} min · ${t.summary.rows} predictions · generated ${iso(Date.now())} by Lathe</p>
<p>Value per 1000 predictions: first ${fmt(t.summary.firstValuePer1000)}, last ${fmt(t.summary.lastValuePer1000)}.</p>
<p class="muted">${esc(t.caveat)}</p>
<h2>Over time</h2>${charts.join('')}
<h2>Drift over the range (${d.rows} rows; ${d.dataset.drifting} of ${d.dataset.total} features drifting → ${d.dataset.drift ? 'dataset drift' : 'no dataset drift'} at ≥ 50%)</h2>
${d.prediction ? `<p>Prediction: ${d.prediction.drift ? 'drift' : 'ok'} (${esc(d.prediction.test?.method ?? '')} ${fmt(d.prediction.test?.statistic)}, PSI ${fmt(d.prediction.psi?.value)})</p>` : ''}
${driftTable(d)}
<ul class="muted">${d.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h2>Alerts</h2><table><thead><tr><th>rule</th><th>condition</th><th>state</th></tr></thead><tbody>${rules}</tbody></table>
<h3>History</h3><table><thead><tr><th>window</th><th>rule</th><th>change</th><th>value</th></tr></thead><tbody>${hist}</tbody></table>
</body></html>`;
}

export async function writeReport(m: MonitoringService, i: { ref: string; from?: string | number; to?: string | number; out: string }): Promise<ReportResult> {
  const t = m.timeline(i);
  const d = m.drift(i);
  const html = renderReport(t, d, m.alerts(t.model, 200));
  const bytes = Buffer.byteLength(html);
  if (bytes > MAX_REPORT_BYTES) throw new LatheError('INTERNAL', `The report came out at ${bytes} bytes, over its 2 MB bound`, { hint: 'Report a shorter range.' });
  const out = path.resolve(i.out.endsWith('.html') ? i.out : path.join(i.out, `${t.model}-monitoring.html`));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, out);
  return { file: out, bytes, windows: t.windows.length };
}

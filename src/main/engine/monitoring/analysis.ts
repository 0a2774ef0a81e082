import type { FeatureDrift, MetricEstimate, WindowPoint } from '../../../shared/monitoring';
import type { WindowRow } from '../db/monitoringRepo';
import { columnDrift, testColumn, type ThresholdSource } from './drift';
import { estimatedMetrics, realizedMetrics, valueMatrixOf, valuePer1000 } from './performance';
import type { ReferenceProfile } from './profile';
import { judge } from './multivariate';
import { LATENCY_EDGES, WindowSketch, type WindowJSON } from './windowSketch';
import type { KpiSpec } from '../../../shared/monitoring';
import type { CostMatrix } from '../../../shared/evaluation';

/**
 * From stored windows to what screens and alerts read: merges per window start and version, the
 * per-window point (drift share, estimated and realized metrics, value, KPIs, quality), and a
 * range's merged sketch. A window start served by several versions is judged by the version that
 * served most of its rows (each version against its own reference).
 */
export interface AnalysisContext {
  profile(version: number): ReferenceProfile | null;
  thresholds: ThresholdSource;
  valueMatrix: CostMatrix | null;
  kpis: KpiSpec[];
}

/** Windows below this many rows get no drift verdict (too few to say anything). */
export const MIN_DRIFT_ROWS = 30;

export interface LoadedWindow {
  start: number;
  version: number;
  alias: string;
  sketch: WindowSketch;
}

export function load(rows: WindowRow[], ctx: AnalysisContext): LoadedWindow[] {
  const out: LoadedWindow[] = [];
  for (const r of rows) {
    const p = ctx.profile(r.version);
    if (!p) continue;
    out.push({ start: r.start, version: r.version, alias: r.alias, sketch: WindowSketch.fromJSON(p, JSON.parse(r.sketch_json) as WindowJSON) });
  }
  return out;
}

/** Per start: the merged sketch of each version. */
export function byStart(ws: LoadedWindow[]): Map<number, Map<number, { sketch: WindowSketch; aliases: Set<string> }>> {
  const m = new Map<number, Map<number, { sketch: WindowSketch; aliases: Set<string> }>>();
  for (const w of ws) {
    let s = m.get(w.start);
    if (!s) m.set(w.start, (s = new Map()));
    const v = s.get(w.version);
    if (v) {
      v.sketch.merge(w.sketch);
      v.aliases.add(w.alias);
    } else s.set(w.version, { sketch: w.sketch, aliases: new Set([w.alias]) });
  }
  return m;
}

export interface PointDetail {
  point: WindowPoint;
  features: Map<string, { drift: boolean | null; statistic: number | null; psi: number | null; missing: number; mean: number | null }>;
  version: number;
}

function dominant(versions: Map<number, { sketch: WindowSketch }>): number {
  let best = -1;
  let rows = -1;
  for (const [v, s] of versions) if (s.sketch.rows > rows) [best, rows] = [v, s.sketch.rows];
  return best;
}

export function windowPoint(start: number, windowMs: number, versions: Map<number, { sketch: WindowSketch; aliases: Set<string> }>, ctx: AnalysisContext): PointDetail {
  const v = dominant(versions);
  const w = versions.get(v)!.sketch;
  const ref = w.ref;
  const features = new Map<string, PointDetail['features'] extends Map<string, infer T> ? T : never>();
  let drifting: string[] = [];
  let judged = 0;
  for (const f of ref.features) {
    const col = w.features.get(f.name)!;
    const present = col.moments.count - col.moments.nulls - col.moments.mismatches;
    const missing = col.moments.count ? col.moments.nulls / col.moments.count : 0;
    if (present < MIN_DRIFT_ROWS) {
      features.set(f.name, { drift: null, statistic: null, psi: null, missing, mean: col.moments.mean });
      continue;
    }
    const d = columnDrift(f, col, ctx.thresholds);
    judged++;
    if (d.drift) drifting.push(f.name);
    features.set(f.name, { drift: d.drift, statistic: d.test?.statistic ?? null, psi: d.psi?.value ?? null, missing, mean: col.moments.mean });
  }
  const pred = w.prediction.moments.count >= MIN_DRIFT_ROWS ? columnDrift(ref.prediction, w.prediction, ctx.thresholds) : null;
  let rows = 0;
  const aliases = new Set<string>();
  for (const s of versions.values()) {
    rows += s.sketch.rows;
    for (const a of s.aliases) if (a) aliases.add(a);
  }
  const values = valueMatrixOf(ctx.valueMatrix, ref.labels);
  const estimated: Record<string, MetricEstimate> | null = estimatedMetrics(w.cbpe, ref.labels);
  const realized = realizedMetrics(w.realized, ref.labels);
  const kpis: Record<string, number | null> = {};
  for (const k of ctx.kpis) {
    const o = w.outcomes.get(k.outcome);
    kpis[k.outcome] = !o || o.n === 0 ? null : k.aggregate === 'sum' ? o.sum : k.aggregate === 'rate' ? o.nonzero / o.n : o.sum / o.n;
  }
  const nf = Math.max(1, ref.features.length);
  let mismatches = 0;
  let nulls = 0;
  let cells = 0;
  for (const c of w.features.values()) {
    mismatches += c.moments.mismatches;
    nulls += c.moments.nulls;
    cells += c.moments.count;
  }
  drifting = drifting.sort();
  const point: WindowPoint = {
    start,
    end: start + windowMs,
    rows,
    versions: [...versions.keys()].sort((a, b) => a - b),
    aliases: [...aliases].sort(),
    driftShare: judged ? drifting.length / judged : null,
    driftingFeatures: drifting,
    predictionDrift: pred ? pred.drift : null,
    predictionPsi: pred?.psi?.value ?? null,
    estimated,
    realized,
    labelled: w.realized.n,
    value: { estimatedPer1000: w.cbpe ? valuePer1000(w.cbpe.expected, w.cbpe.n, values) : null, realizedPer1000: valuePer1000(w.realized.confusion, w.realized.n, values) },
    kpis,
    quality: {
      missingFields: w.rows ? w.quality.missingFields / (w.rows * nf) : 0,
      extraFields: w.rows ? w.quality.extraFields / w.rows : 0,
      mismatches: cells ? mismatches / cells : 0,
      nulls: cells ? nulls / cells : 0,
      futureOrLate: w.rows ? w.quality.outOfOrder / w.rows : 0,
    },
    latencyP95: latencyQuantile(w, 0.95),
    multivariate: judge(ref.multivariate, w.pca),
  };
  return { point, features, version: v };
}

function latencyQuantile(w: WindowSketch, q: number): number | null {
  const v = w.latency.vector();
  const total = v.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    acc += v[i];
    if (acc >= q * total) {
      // under: below the first edge; bins: their upper edge; over: beyond the last edge.
      return i === 0 ? LATENCY_EDGES[0] : LATENCY_EDGES[Math.min(i, LATENCY_EDGES.length - 1)];
    }
  }
  return LATENCY_EDGES[LATENCY_EDGES.length - 1];
}

/** A series' value in a window point (null when the window cannot say). */
export function seriesValue(d: PointDetail, key: string): number | null {
  const p = d.point;
  if (key === 'traffic') return p.rows;
  if (key === 'drift.share') return p.driftShare;
  if (key === 'drift.dataset') return p.driftShare === null ? null : p.driftShare >= 0.5 ? 1 : 0;
  if (key === 'prediction.drift') return p.predictionDrift === null ? null : p.predictionDrift ? 1 : 0;
  if (key === 'prediction.psi') return p.predictionPsi;
  if (key === 'value.estimated.per1000') return p.value.estimatedPer1000;
  if (key === 'value.realized.per1000') return p.value.realizedPer1000;
  if (key === 'latency.p95') return p.latencyP95;
  if (key === 'multivariate.error') return p.multivariate?.error ?? null;
  if (key === 'multivariate.drift') return p.multivariate ? (p.multivariate.drift ? 1 : 0) : null;
  if (key.startsWith('quality.')) return (p.quality as Record<string, number>)[key.slice(8)] ?? null;
  if (key.startsWith('perf.estimated.')) return p.estimated?.[key.slice(15)]?.value ?? null;
  if (key.startsWith('perf.realized.')) return p.realized?.[key.slice(14)] ?? null;
  if (key.startsWith('kpi.')) return p.kpis[key.slice(4)] ?? null;
  const m = /^feature\.(.+)\.(drift|psi|missing)$/.exec(key);
  if (m) {
    const f = d.features.get(m[1]);
    if (!f) return null;
    if (m[2] === 'drift') return f.drift === null ? null : f.drift ? 1 : 0;
    if (m[2] === 'psi') return f.psi;
    return f.missing;
  }
  return null;
}

/** Drift of every feature, the prediction and the label over one merged sketch. */
export function driftOf(w: WindowSketch, thresholds: ThresholdSource): { features: FeatureDrift[]; prediction: FeatureDrift | null; label: FeatureDrift | null } {
  const ref = w.ref;
  const features = ref.features.map((f) => columnDrift(f, w.features.get(f.name)!, thresholds));
  features.sort((a, b) => Number(b.drift) - Number(a.drift) || (b.psi?.value ?? 0) - (a.psi?.value ?? 0) || a.feature.localeCompare(b.feature));
  const prediction = w.prediction.moments.count ? columnDrift(ref.prediction, w.prediction, thresholds) : null;
  const label = w.label.moments.count ? columnDrift(ref.label, w.label, thresholds) : null;
  return { features, prediction, label };
}

export { testColumn };

/** The q-quantile of counts over (under, bins..., over) with edges, linear inside a bin; under/over span min..first and last..max. */
export function quantileFromBins(edges: readonly number[], v: readonly number[], q: number, min: number | null, max: number | null): number | null {
  const total = v.reduce((a, b) => a + b, 0);
  if (total === 0 || edges.length < 2) return null;
  const lo = [Math.min(min ?? edges[0], edges[0]), ...edges.slice(0, -1), edges[edges.length - 1]];
  const hi = [edges[0], ...edges.slice(1), Math.max(max ?? edges[edges.length - 1], edges[edges.length - 1])];
  const target = q * total;
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] > 0 && acc + v[i] >= target) return lo[i] + ((target - acc) / v[i]) * (hi[i] - lo[i]);
    acc += v[i];
  }
  return hi[hi.length - 1];
}

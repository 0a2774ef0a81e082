import type { DriftTest, FeatureDrift, HistogramPair, PsiBand } from '../../../shared/monitoring';
import { FixedBins, TopCategories } from '../sketches';
import { FINE_BINS, PSI_BINS, type ChunkStat, type ReferenceColumn } from './profile';
import { chiSquared, jensenShannon, ksFromBins, ksPValue, psi, psiBand, shares, wassersteinFromSegments } from './stats';
import type { WindowSketch } from './windowSketch';

/**
 * Drift of one column: the reference's sketch against a window (or a merge of windows), from counts
 * over the reference's fixed bins or categories. Defaults (the issue's, Evidently's): <= 1000 rows
 * KS (numeric) / chi-squared (categorical) at p 0.05; above, normalised Wasserstein / Jensen-Shannon
 * at 0.1; PSI with 0.1 / 0.25 bands always. Calibrated thresholds: mean + 3 sd of the statistic over
 * chunks of the training rows, scaled to the window's size (sampling noise of D, W and JS shrinks as
 * 1/√n, of PSI and chi²/n as 1/n).
 */
export const SMALL_WINDOW = 1000;
export const P_THRESHOLD = 0.05;
export const DISTANCE_THRESHOLD = 0.1;
/** A missing-rate change counts when it moves by more than this (absolute) and by 3 binomial sds. */
export const MISSING_RATE_CHANGE = 0.05;
export type ThresholdSource = 'default' | 'calibrated';

type Col = WindowSketch['prediction'];

interface Vectors {
  ref: number[];
  cur: number[];
  /** Numeric: segment bounds of each entry (under, bins..., over). */
  lo?: number[];
  hi?: number[];
  edges?: number[];
  labels?: string[];
}

/** Counts of the reference and the window over the same entries. */
function vectorsOf(ref: ReferenceColumn, col: Col): Vectors | null {
  if (ref.kind === 'numeric') {
    const rb = ref.sketch.bins;
    if (!rb || !col.bins) return null;
    const refBins = FixedBins.fromJSON(rb);
    const e = rb.edges;
    const curMin = col.moments.n ? col.moments.min : e[0];
    const curMax = col.moments.n ? col.moments.max : e[e.length - 1];
    const lo = [Math.min(curMin, e[0]), ...e.slice(0, -1), e[e.length - 1]];
    const hi = [e[0], ...e.slice(1), Math.max(curMax, e[e.length - 1])];
    return { ref: refBins.vector(), cur: col.bins.vector(), lo, hi, edges: e };
  }
  const cats = ref.categories ?? [];
  const refTop = TopCategories.fromJSON(ref.sketch.top!);
  const refCounts = cats.map((c) => refTop.count(c));
  const refOther = refTop.n - refCounts.reduce((a, b) => a + b, 0);
  const top = col.top!;
  const curCounts = cats.map((c) => top.count(c));
  const curOther = top.n - curCounts.reduce((a, b) => a + b, 0);
  return { ref: [...refCounts, refOther], cur: [...curCounts, curOther], labels: [...cats, '(other)'] };
}

/**
 * PSI's bins: the fine vector (under, bins..., over) grouped into about PSI_BINS groups of equal
 * reference share (deciles); under joins the first group and over the last.
 */
export function psiGroups(ref: readonly number[]): number[] {
  const total = ref.reduce((a, b) => a + b, 0);
  const group = new Array<number>(ref.length).fill(0);
  let acc = 0;
  let g = 0;
  for (let i = 1; i < ref.length - 1; i++) {
    group[i] = g;
    acc += ref[i];
    if (total > 0 && acc / total >= (g + 1) / PSI_BINS - 1e-9 && g < PSI_BINS - 1) g++;
  }
  group[0] = 0;
  group[ref.length - 1] = group[Math.max(0, ref.length - 2)];
  return group;
}

export function groupBy(v: readonly number[], group: readonly number[]): number[] {
  const out = new Array<number>(Math.max(...group) + 1).fill(0);
  v.forEach((x, i) => (out[group[i]] += x));
  return out;
}

/**
 * mean + 3 sd of the chunk statistic, rescaled from a chunk of c rows compared with the whole reference
 * of N rows (sampling variance ∝ 1/c − 1/N) to a window of n independent rows (∝ 1/n + 1/N): by the
 * square root of that ratio for D, W and JS (which scale as a standard deviation), by the ratio for PSI.
 */
function scaled(c: ChunkStat | undefined, n: number, power: 0.5 | 1): number | null {
  if (!c || !(c.sd >= 0) || n <= 0 || !(c.referenceRows > c.chunkRows)) return null;
  const ratio = (1 / n + 1 / c.referenceRows) / (1 / c.chunkRows - 1 / c.referenceRows);
  return (c.mean + 3 * c.sd) * ratio ** power;
}

/** The statistics of one column; `source` picks the thresholds or calibrated ones. */
export function testColumn(ref: ReferenceColumn, v: Vectors, n: number, refN: number, source: ThresholdSource): { test: DriftTest | null; psi: PsiBand | null } {
  if (n === 0) return { test: null, psi: null };
  const groups = ref.kind === 'numeric' ? psiGroups(v.ref) : null;
  const p = groups ? psi(groupBy(v.ref, groups), groupBy(v.cur, groups)) : psi(v.ref, v.cur);
  const band: PsiBand = { value: p, band: psiBand(p) };
  const small = n <= SMALL_WINDOW;
  let test: DriftTest;
  if (ref.kind === 'numeric' && small) {
    const d = ksFromBins(v.ref, v.cur);
    const pv = ksPValue(d, refN, n);
    const cal = source === 'calibrated' ? scaled(ref.calibrated.ks, n, 0.5) : null;
    test = cal !== null ? { method: 'ks', statistic: d, pValue: pv, threshold: cal, rule: 'statistic > threshold', drift: d > cal, thresholdSource: 'calibrated' } : { method: 'ks', statistic: d, pValue: pv, threshold: P_THRESHOLD, rule: 'p < threshold', drift: pv < P_THRESHOLD, thresholdSource: 'default' };
  } else if (ref.kind === 'numeric') {
    const w = wassersteinFromSegments(v.lo!, v.hi!, v.ref, v.cur) / Math.max(ref.sd ?? 0, 1e-12);
    const cal = source === 'calibrated' ? scaled(ref.calibrated.wasserstein, n, 0.5) : null;
    test = { method: 'wasserstein', statistic: w, pValue: null, threshold: cal ?? DISTANCE_THRESHOLD, rule: 'statistic > threshold', drift: w > (cal ?? DISTANCE_THRESHOLD), thresholdSource: cal !== null ? 'calibrated' : 'default' };
  } else if (small) {
    const c = chiSquared(v.ref, v.cur);
    const chi = ref.calibrated.chi2;
    // chi² against the reference's shares grows as (1 + n/N) for a window, shrinks as (1 - c/N) for a chunk of the reference.
    const cal = source === 'calibrated' && chi && chi.referenceRows > chi.chunkRows ? ((chi.mean + 3 * chi.sd) * (1 + n / chi.referenceRows)) / (1 - chi.chunkRows / chi.referenceRows) : null;
    test = cal !== null ? { method: 'chi2', statistic: c.statistic, pValue: c.pValue, threshold: cal, rule: 'statistic > threshold', drift: c.statistic > cal, thresholdSource: 'calibrated' } : { method: 'chi2', statistic: c.statistic, pValue: c.pValue, threshold: P_THRESHOLD, rule: 'p < threshold', drift: c.pValue < P_THRESHOLD, thresholdSource: 'default' };
  } else {
    const js = jensenShannon(v.ref, v.cur);
    const cal = source === 'calibrated' ? scaled(ref.calibrated['jensen-shannon'], n, 0.5) : null;
    test = { method: 'jensen-shannon', statistic: js, pValue: null, threshold: cal ?? DISTANCE_THRESHOLD, rule: 'statistic > threshold', drift: js > (cal ?? DISTANCE_THRESHOLD), thresholdSource: cal !== null ? 'calibrated' : 'default' };
  }
  return { test, psi: band };
}

function summary(m: Col['moments']): FeatureDrift['current'] {
  const sd = m.variance;
  return { mean: m.mean, sd: sd === null ? null : Math.sqrt(sd), min: m.n ? m.min : null, max: m.n ? m.max : null };
}

/** Full drift of one column for a report: test, PSI, missing-rate change, new categories, histograms. */
export function columnDrift(ref: ReferenceColumn, col: Col, source: ThresholdSource): FeatureDrift {
  const v = vectorsOf(ref, col);
  const m = col.moments;
  const present = m.count - m.nulls - m.mismatches;
  const rm = ref.sketch.moments;
  const refPresent = rm.count - rm.nulls - rm.mismatches;
  const { test, psi: band } = v ? testColumn(ref, v, present, refPresent, source) : { test: null, psi: null };
  const refMissing = rm.count ? rm.nulls / rm.count : 0;
  const curMissing = m.count ? m.nulls / m.count : 0;
  const sdMissing = Math.sqrt((Math.max(refMissing, 1e-3) * (1 - Math.min(refMissing, 0.999))) / Math.max(1, m.count));
  const missingChanged = m.count > 0 && Math.abs(curMissing - refMissing) > Math.max(MISSING_RATE_CHANGE, 3 * sdMissing);
  const newCategories = newCats(ref, col);
  const histogram: HistogramPair = v ? (ref.kind === 'numeric' ? { edges: v.edges, reference: shares(v.ref), current: shares(v.cur) } : { labels: v.labels, reference: shares(v.ref), current: shares(v.cur) }) : { reference: [], current: [] };
  const refSummary = { mean: rm.n ? rm.sum / rm.n : null, sd: ref.sd ?? null, min: rm.min, max: rm.max };
  return {
    feature: ref.name,
    kind: ref.kind,
    count: present,
    test,
    psi: band,
    missingRate: { reference: refMissing, current: curMissing, changed: missingChanged },
    newCategories,
    mismatchRate: m.count ? m.mismatches / m.count : 0,
    drift: (test?.drift ?? false) || missingChanged || newCategories.share > 0.05,
    histogram,
    reference: refSummary,
    current: summary(m),
  };
}

function newCats(ref: ReferenceColumn, col: Col): FeatureDrift['newCategories'] {
  if (ref.kind !== 'categorical' || !col.top || col.top.n === 0) return { values: [], share: 0 };
  const known = TopCategories.fromJSON(ref.sketch.top!);
  // A category the reference kept exactly and never saw is new; when the reference's summary was not exact, only its kept ones count as known.
  const fresh = col.top.top().items.filter((i) => known.count(i.value) === 0 && (known.exact || !ref.categories?.includes(i.value)));
  const n = fresh.reduce((a, b) => a + b.count, 0);
  return { values: fresh.slice(0, 20).map((i) => i.value), share: known.exact ? n / col.top.n : 0 };
}

export { FINE_BINS };

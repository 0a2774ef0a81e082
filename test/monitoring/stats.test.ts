import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FixedBins, KllSketch } from '../../src/main/engine/sketches';
import { EDGE_QUANTILES } from '../../src/main/engine/monitoring/profile';
import { chi2Sf, chiSquared, jensenShannon, ksFromBins, ksPValue, psi, wassersteinFromSegments } from '../../src/main/engine/monitoring/stats';
import { tempDir } from '../helpers';

/** Statistics checked against SciPy on the same numbers (python3 with scipy is on these machines; a missing one is a failure, not a skip). */
const dir = tempDir('lathe-stats-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function scipy(script: string, data: unknown): unknown {
  const f = path.join(dir, `in-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(f, JSON.stringify(data));
  const out = execFileSync('python3', ['-c', `import json,sys\nimport numpy as np\nfrom scipy import stats\nfrom scipy.spatial import distance\nd=json.load(open(sys.argv[1]))\n${script}`, f], { encoding: 'utf8' });
  return JSON.parse(out);
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function binned(ref: number[], cur: number[], bins = 50) {
  const k = new KllSketch();
  ref.forEach((x) => k.add(x));
  const min = Math.min(...ref);
  const max = Math.max(...ref);
  const edges = bins === 50 ? FixedBins.edgesAt((q) => k.quantile(q), EDGE_QUANTILES, min, max) : FixedBins.edgesFromQuantiles((q) => k.quantile(q), bins, min, max);
  const rb = new FixedBins(edges);
  const cb = new FixedBins(edges);
  ref.forEach((x) => rb.add(x));
  cur.forEach((x) => cb.add(x));
  const cmin = Math.min(...cur);
  const cmax = Math.max(...cur);
  const lo = [Math.min(cmin, edges[0]), ...edges.slice(0, -1), edges[edges.length - 1]];
  const hi = [edges[0], ...edges.slice(1), Math.max(cmax, edges[edges.length - 1])];
  return { r: rb.vector(), c: cb.vector(), lo, hi };
}

describe('distribution tails against SciPy', () => {
  it('chi-squared survival function', () => {
    const cases = [
      [0.5, 1],
      [3.84, 1],
      [10, 4],
      [25.3, 12],
      [100, 80],
      [2, 30],
    ];
    const want = scipy('print(json.dumps([float(stats.chi2.sf(x, df)) for x, df in d]))', cases) as number[];
    cases.forEach(([x, df], i) => expect(chi2Sf(x, df)).toBeCloseTo(want[i], 8));
  });

  it('two-sample KS p-value is close to ks_2samp asymptotic', () => {
    const cases = [
      [0.05, 1000, 10000],
      [0.08, 300, 5000],
      [0.03, 1000, 100000],
      [0.2, 50, 2000],
    ];
    const want = scipy(
      'out=[]\nfor D,n,m in d:\n  en=n*m/(n+m)\n  out.append(float(stats.kstwo.sf(D, int(round(en)))))\nprint(json.dumps(out))',
      cases,
    ) as number[];
    cases.forEach(([D, n, m], i) => expect(Math.abs(ksPValue(D, n, m) - want[i])).toBeLessThan(0.01 + 0.05 * want[i]));
  });
});

describe('drift statistics from bins against SciPy on the raw values', () => {
  const r = rng(42);
  const ref = Array.from({ length: 20_000 }, () => normal(r) * 2 + 10);
  const same = Array.from({ length: 800 }, () => normal(r) * 2 + 10);
  const shifted = Array.from({ length: 5000 }, () => normal(r) * 2.4 + 10.8);
  const raw = scipy(
    `ref=np.array(d['ref']);out={}
for k in ['same','shifted']:
  c=np.array(d[k])
  out[k]={'ks':float(stats.ks_2samp(ref,c).statistic),'ksp':float(stats.ks_2samp(ref,c).pvalue),'w':float(stats.wasserstein_distance(ref,c)/np.std(ref))}
print(json.dumps(out))`,
    { ref, same, shifted },
  ) as Record<string, { ks: number; ksp: number; w: number }>;

  it('KS D from the quantile bins is within one bin of the raw D, and its verdict agrees', () => {
    for (const k of ['same', 'shifted'] as const) {
      const cur = k === 'same' ? same : shifted;
      const b = binned(ref, cur);
      const d = ksFromBins(b.r, b.c);
      expect(d).toBeLessThanOrEqual(raw[k].ks + 1e-9);
      expect(raw[k].ks - d).toBeLessThan(0.025);
      expect(ksPValue(d, ref.length, cur.length) < 0.05).toBe(raw[k].ksp < 0.05);
    }
  });

  it('normalised Wasserstein from bins is within 0.01 + 2% of SciPy on raw values', () => {
    for (const k of ['same', 'shifted'] as const) {
      const cur = k === 'same' ? same : shifted;
      const b = binned(ref, cur);
      const sd = Math.sqrt(ref.reduce((a, x) => a + x * x, 0) / ref.length - (ref.reduce((a, x) => a + x, 0) / ref.length) ** 2);
      const w = wassersteinFromSegments(b.lo, b.hi, b.r, b.c) / sd;
      // Within-bin shape is all the bins lose: within 0.01 + 2% of SciPy's value.
      expect(Math.abs(w - raw[k].w)).toBeLessThan(0.01 + 0.02 * raw[k].w);
    }
    expect(raw.shifted.w).toBeGreaterThan(0.1);
  });

  it('Wasserstein of counts on the same segments equals SciPy on the bin midpoints weighted (exact piecewise-linear CDF check)', () => {
    // Two distributions concentrated as uniform mass in [0,1) and [1,2): W1 = 1 exactly.
    expect(wassersteinFromSegments([0, 1], [1, 2], [1, 0], [0, 1])).toBeCloseTo(1, 12);
    // Half the mass moved one bin: W1 = 0.5.
    expect(wassersteinFromSegments([0, 1], [1, 2], [1, 0], [0.5, 0.5])).toBeCloseTo(0.5, 12);
  });
});

describe('categorical statistics against SciPy', () => {
  const ref = [500, 300, 150, 50];
  const cur = [90, 70, 30, 10];
  it('chi-squared goodness of fit as scipy.stats.chisquare(current, reference share x n)', () => {
    const want = scipy(
      `r=np.array(d['ref'],float);c=np.array(d['cur'],float)
e=r/r.sum()*c.sum()
s=stats.chisquare(c,e)
print(json.dumps([float(s.statistic),float(s.pvalue)]))`,
      { ref, cur },
    ) as number[];
    const got = chiSquared(ref, cur);
    expect(got.statistic).toBeCloseTo(want[0], 6);
    expect(got.pValue).toBeCloseTo(want[1], 6);
  });

  it('Jensen-Shannon distance as scipy.spatial.distance.jensenshannon (natural log)', () => {
    const want = scipy(`print(json.dumps(float(distance.jensenshannon(np.array(d['ref'],float)/sum(d['ref']), np.array(d['cur'],float)/sum(d['cur'])))))`, { ref, cur }) as number;
    expect(jensenShannon(ref, cur)).toBeCloseTo(want, 10);
  });

  it('PSI by hand: sum (q - p) ln(q / p) with shares clipped at 1e-4', () => {
    const p = ref.map((x) => x / 1000);
    const q = cur.map((x) => x / 200);
    const want = p.reduce((s, pi, i) => s + (q[i] - pi) * Math.log(q[i] / pi), 0);
    expect(psi(ref, cur)).toBeCloseTo(want, 12);
    expect(psi([10, 0], [5, 5])).toBeCloseTo((0.5 - 1) * Math.log(0.5) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4), 9);
  });
});

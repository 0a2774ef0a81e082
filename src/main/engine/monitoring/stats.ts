/**
 * The drift statistics, computed from counts over shared bins (never from raw rows), and the two
 * distribution tails their p-values need. Each function names what SciPy computes the same way on
 * raw data; docs/MONITORING.md says how far the binned versions can be from it.
 */

/** log Γ(x) (Lanczos, g = 7), for the incomplete gamma function. */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) (series below a + 1, continued fraction above). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lg = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lg));
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - lg) * h);
}

/** P(X >= x) for X ~ chi-squared with `df` degrees of freedom (scipy.stats.chi2.sf). */
export function chi2Sf(x: number, df: number): number {
  return df <= 0 ? 1 : gammaQ(df / 2, x / 2);
}

/** The Kolmogorov distribution's survival function Q_KS(λ) = 2 Σ (-1)^(k-1) exp(-2 k² λ²). */
export function kolmogorovSf(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-16) break;
  }
  return Math.max(0, Math.min(1, sum));
}

/**
 * Two-sample KS p-value for statistic D and sizes n, m: the asymptotic distribution at the effective
 * size en = nm/(n+m) with Stephens' small-sample correction (λ = (√en + 0.12 + 0.11/√en)·D), close
 * to SciPy's `ks_2samp(method='asymp')`, which evaluates kstwo at round(en).
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  const en = (n * m) / (n + m);
  const s = Math.sqrt(en);
  return kolmogorovSf((s + 0.12 + 0.11 / s) * d);
}

/** Shares of a count vector (zeros when empty). */
export function shares(counts: readonly number[]): number[] {
  const t = counts.reduce((a, b) => a + b, 0);
  return t > 0 ? counts.map((c) => c / t) : counts.map(() => 0);
}

/**
 * KS statistic from counts over the same ordered bins: sup |F - G| at the bin edges (exact there;
 * between edges the raw-data D can be larger by at most the mass of one bin).
 */
export function ksFromBins(ref: readonly number[], cur: readonly number[]): number {
  const p = shares(ref);
  const q = shares(cur);
  let a = 0;
  let b = 0;
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    a += p[i];
    b += q[i];
    d = Math.max(d, Math.abs(a - b));
  }
  return d;
}

/**
 * Pearson's chi-squared goodness of fit of current counts to the reference's shares, as Evidently's
 * chisquare test (scipy.stats.chisquare(current, expected = reference share × n_current)). Categories
 * with a zero reference share get a share of 1e-4 (renormalised) so a new category counts, not divides by 0.
 */
export function chiSquared(ref: readonly number[], cur: readonly number[]): { statistic: number; pValue: number; df: number } {
  const n = cur.reduce((a, b) => a + b, 0);
  const raw = shares(ref).map((s) => Math.max(s, 1e-4));
  const total = raw.reduce((a, b) => a + b, 0);
  let stat = 0;
  for (let i = 0; i < raw.length; i++) {
    const e = (raw[i] / total) * n;
    stat += ((cur[i] - e) * (cur[i] - e)) / e;
  }
  const df = Math.max(1, raw.length - 1);
  return { statistic: stat, pValue: n === 0 ? 1 : chi2Sf(stat, df), df };
}

/** Jensen-Shannon distance, natural log (scipy.spatial.distance.jensenshannon's default, as Evidently uses). */
export function jensenShannon(ref: readonly number[], cur: readonly number[]): number {
  const p = shares(ref);
  const q = shares(cur);
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    if (p[i] > 0) js += 0.5 * p[i] * Math.log(p[i] / m);
    if (q[i] > 0) js += 0.5 * q[i] * Math.log(q[i] / m);
  }
  return Math.sqrt(Math.max(0, js));
}

/** Population stability index with shares clipped at 1e-4 (Evidently's and NannyML's convention). */
export function psi(ref: readonly number[], cur: readonly number[]): number {
  const p = shares(ref);
  const q = shares(cur);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(p[i], 1e-4);
    const b = Math.max(q[i], 1e-4);
    s += (b - a) * Math.log(b / a);
  }
  return s;
}

export function psiBand(v: number): 'stable' | 'moderate' | 'significant' {
  return v < 0.1 ? 'stable' : v < 0.25 ? 'moderate' : 'significant';
}

/**
 * Wasserstein-1 distance between two distributions given as counts over the same segments
 * [lo_i, hi_i) (values spread evenly inside each: the CDFs are piecewise linear, so ∫|F - G| is
 * exact for them). SciPy's `wasserstein_distance` on raw values differs by the within-bin shape.
 */
export function wassersteinFromSegments(lo: readonly number[], hi: readonly number[], ref: readonly number[], cur: readonly number[]): number {
  const p = shares(ref);
  const q = shares(cur);
  let fa = 0;
  let fb = 0;
  let w = 0;
  for (let i = 0; i < p.length; i++) {
    const width = hi[i] - lo[i];
    const d0 = fa - fb;
    fa += p[i];
    fb += q[i];
    const d1 = fa - fb;
    if (width <= 0) continue;
    // ∫ over the segment of |d0 + (d1 - d0) t| dt · width
    if (d0 * d1 >= 0) w += (width * (Math.abs(d0) + Math.abs(d1))) / 2;
    else w += (width * (d0 * d0 + d1 * d1)) / (2 * (Math.abs(d0) + Math.abs(d1)));
  }
  return w;
}

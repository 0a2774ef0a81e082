/**
 * Seeded percentile bootstrap, plain and paired. Pure: no I/O, no engine imports, so the evaluation,
 * the registry's comparisons and the pipelines' champion gate all call the same code.
 *
 * A resample is represented by its multiplicity weights: `weights[i]` is how many times row i was drawn
 * (the weights sum to n). A statistic is a function of those weights. This lets one resample feed every
 * metric at once (they are then computed on the same rows, as they should be) and keeps rank statistics
 * such as AUC at O(n) per resample: sort once, then sweep with weights.
 *
 * Intervals are percentile intervals with numpy's default (linear) interpolation, so a reference computed
 * with `np.percentile` over the same resampled values agrees to rounding.
 */

export interface BootstrapOptions {
  /** How many resamples (default 1000). */
  resamples?: number;
  /** PRNG seed: the same seed, rows and statistic give the same interval (default 1). */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

export interface Interval {
  /** The statistic on the rows as they are (every weight 1); null when undefined for them. */
  estimate: number | null;
  /** Percentile bounds over the resamples where the statistic is defined; null when none is. */
  lo: number | null;
  hi: number | null;
  level: number;
  resamples: number;
  seed: number;
}

export interface PairedInterval {
  n: number;
  /** The statistic of a and of b on the rows as they are. */
  a: number | null;
  b: number | null;
  /** a - b on the rows as they are, and its percentile interval over paired resamples. */
  delta: number | null;
  lo: number | null;
  hi: number | null;
  /** True when the interval holds 0: the difference is inside the resampling noise. */
  inNoise: boolean;
  /** Share of resamples (where both are defined) with a - b > 0. */
  shareAGreater: number | null;
  level: number;
  resamples: number;
  seed: number;
}

/** A statistic of a resample given by its multiplicity weights; null when undefined for that resample. */
export type WeightedStatistic = (weights: Uint32Array) => number | null;

/** For `pairedBootstrap`: a built-in or a function of per-row values under resample weights. */
export type ValueStatistic = 'mean' | 'sum' | ((values: ArrayLike<number>, weights: Uint32Array) => number | null);

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 1;
export const DEFAULT_LEVEL = 0.95;

/** A seeded uniform generator on [0, 1); `state` lets hot loops draw inline with the same sequence. */
export interface SeededRandom {
  (): number;
  readonly state: { s: number };
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns uniforms in [0, 1). */
export function seededRandom(seed: number): SeededRandom {
  // The state is kept as an int32 (`| 0`, not `>>> 0`): the same bits, but V8 keeps it unboxed.
  const state = { s: seed | 0 };
  const next = () => {
    const s = (state.s = (state.s + 0x6d2b79f5) | 0);
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(next, { state });
}

/**
 * Fill `out` (length n) with the multiplicities of n draws with replacement: draw j picks row
 * floor(u_j * n), u_j the generator's next uniform (inlined here: this loop is most of the bootstrap's time).
 */
export function drawWeights(rand: SeededRandom, out: Uint32Array): Uint32Array {
  const n = out.length;
  out.fill(0);
  let s = rand.state.s;
  for (let j = 0; j < n; j++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)]++;
  }
  rand.state.s = s;
  return out;
}

/** numpy's default percentile: linear interpolation between closest ranks of the sorted values. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 1) return sorted[0];
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(m - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function resolve(options: BootstrapOptions | undefined): Required<BootstrapOptions> {
  const resamples = options?.resamples ?? DEFAULT_RESAMPLES;
  const seed = options?.seed ?? DEFAULT_SEED;
  const level = options?.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  return { resamples, seed, level };
}

function bounds(values: number[], level: number): { lo: number | null; hi: number | null } {
  if (values.length === 0) return { lo: null, hi: null };
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - level) / 2;
  return { lo: percentile(sorted, tail), hi: percentile(sorted, 1 - tail) };
}

const finiteOrNull = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

/**
 * Percentile intervals for several statistics of the same n rows, all computed on the same resamples.
 * Resamples where a statistic is undefined (null, NaN) are left out of that statistic's interval.
 */
export function bootstrapIntervals<K extends string>(n: number, statistics: Record<K, WeightedStatistic>, options?: BootstrapOptions): Record<K, Interval> {
  const { resamples, seed, level } = resolve(options);
  const keys = Object.keys(statistics) as K[];
  const ones = new Uint32Array(n).fill(1);
  const draws = keys.map(() => [] as number[]);
  const weights = new Uint32Array(n);
  const rand = seededRandom(seed);
  for (let r = 0; r < resamples && n > 0; r++) {
    drawWeights(rand, weights);
    for (let s = 0; s < keys.length; s++) {
      const v = finiteOrNull(statistics[keys[s]](weights));
      if (v !== null) draws[s].push(v);
    }
  }
  const out = {} as Record<K, Interval>;
  keys.forEach((key, s) => {
    const estimate = n > 0 ? finiteOrNull(statistics[key](ones)) : null;
    out[key] = { estimate, ...bounds(draws[s], level), level, resamples, seed };
  });
  return out;
}

/** One statistic's interval. */
export function bootstrapInterval(n: number, statistic: WeightedStatistic, options?: BootstrapOptions): Interval {
  return bootstrapIntervals(n, { s: statistic }, options).s;
}

/**
 * Paired bootstrap of two statistics on the same n rows (two models scored on the same cases): every
 * resample draws one set of rows and evaluates both on it, so what the rows have in common cancels and
 * the interval is that of the difference a - b.
 */
export function pairedBootstrapWeighted(n: number, a: WeightedStatistic, b: WeightedStatistic, options?: BootstrapOptions): PairedInterval {
  const { resamples, seed, level } = resolve(options);
  const ones = new Uint32Array(n).fill(1);
  const ea = n > 0 ? finiteOrNull(a(ones)) : null;
  const eb = n > 0 ? finiteOrNull(b(ones)) : null;
  const deltas: number[] = [];
  let greater = 0;
  const weights = new Uint32Array(n);
  const rand = seededRandom(seed);
  for (let r = 0; r < resamples && n > 0; r++) {
    drawWeights(rand, weights);
    const va = finiteOrNull(a(weights));
    const vb = finiteOrNull(b(weights));
    if (va === null || vb === null) continue;
    deltas.push(va - vb);
    if (va > vb) greater++;
  }
  const { lo, hi } = bounds(deltas, level);
  return {
    n,
    a: ea,
    b: eb,
    delta: ea !== null && eb !== null ? ea - eb : null,
    lo,
    hi,
    inNoise: lo === null || hi === null || (lo <= 0 && hi >= 0),
    shareAGreater: deltas.length > 0 ? greater / deltas.length : null,
    level,
    resamples,
    seed,
  };
}

/** Weighted mean of per-row values: the statistic behind accuracy (0/1 per row), value per case, log loss. */
export function weightedMean(values: ArrayLike<number>): WeightedStatistic {
  return (w) => {
    let s = 0;
    let t = 0;
    for (let i = 0; i < values.length; i++) {
      if (w[i] === 0) continue;
      s += w[i] * values[i];
      t += w[i];
    }
    return t > 0 ? s / t : null;
  };
}

function valueStatistic(values: ArrayLike<number>, statistic: ValueStatistic): WeightedStatistic {
  if (statistic === 'mean') return weightedMean(values);
  if (statistic === 'sum')
    return (w) => {
      let s = 0;
      for (let i = 0; i < values.length; i++) s += w[i] * values[i];
      return s;
    };
  return (w) => statistic(values, w);
}

/**
 * Paired bootstrap of per-row values of two models on the same rows (e.g. 0/1 correctness, value per
 * case, squared error): `delta = statistic(a) - statistic(b)` with its interval, and whether it is
 * inside the noise. `a[i]` and `b[i]` must describe the same row.
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, statistic: ValueStatistic = 'mean', options?: BootstrapOptions): PairedInterval {
  if (a.length !== b.length) throw new RangeError(`paired values need the same rows: ${a.length} against ${b.length}`);
  return pairedBootstrapWeighted(a.length, valueStatistic(a, statistic), valueStatistic(b, statistic), options);
}

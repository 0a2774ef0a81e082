import type { ParamValue, ParameterSpec, SweepSpec } from '../../../shared/sweeps';
import { LatheError } from '../../../shared/errors';

/**
 * The parameter space of a sweep, pure: grid expansion, seeded random sampling, and applying one
 * trial's values to the base training spec.
 */

export type Assignment = Record<string, ParamValue>;

/** mulberry32: a small, fast, seedable generator (the same seed gives the same trials everywhere). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gridValues(name: string, p: ParameterSpec): ParamValue[] {
  if ('values' in p) return p.values;
  if ('distribution' in p && p.distribution === 'int') {
    const out: number[] = [];
    for (let v = p.min; v <= p.max; v += p.step) out.push(v);
    return out;
  }
  throw new LatheError('INVALID_INPUT', `A grid needs a list of values for ${name}; a ${p.distribution} range can only be sampled`, {
    where: `parameters.${name}`,
    hint: 'Give values: [...] for it, or use strategy { kind: random, trials: N }.',
  });
}

/** Every combination, in declaration order, the last parameter varying fastest. */
export function expandGrid(parameters: Record<string, ParameterSpec>, maxTrials = Infinity): Assignment[] {
  const names = Object.keys(parameters);
  const lists = names.map((n) => gridValues(n, parameters[n]));
  const total = lists.reduce((a, l) => a * l.length, 1);
  if (total > maxTrials) {
    throw new LatheError('INVALID_INPUT', `This grid has ${total} trials, more than maxTrials (${maxTrials})`, {
      where: 'parameters',
      hint: 'Use fewer values, raise maxTrials, or use strategy { kind: random, trials: N }.',
    });
  }
  const out: Assignment[] = [];
  const idx = new Array<number>(names.length).fill(0);
  for (let t = 0; t < total; t++) {
    const a: Assignment = {};
    names.forEach((n, i) => (a[n] = lists[i][idx[i]]));
    out.push(a);
    for (let i = names.length - 1; i >= 0; i--) {
      if (++idx[i] < lists[i].length) break;
      idx[i] = 0;
    }
  }
  return out;
}

function sampleOne(p: ParameterSpec, rnd: () => number): ParamValue {
  if ('values' in p) return p.values[Math.floor(rnd() * p.values.length)];
  switch (p.distribution) {
    case 'uniform':
      return p.min + rnd() * (p.max - p.min);
    case 'loguniform':
      return Math.exp(Math.log(p.min) + rnd() * (Math.log(p.max) - Math.log(p.min)));
    case 'int': {
      const steps = Math.floor((p.max - p.min) / p.step);
      return p.min + p.step * Math.floor(rnd() * (steps + 1));
    }
  }
}

/** `n` trials drawn independently; parameters are drawn in sorted name order so adding a key elsewhere in the file changes nothing. */
export function sampleRandom(parameters: Record<string, ParameterSpec>, n: number, seed: number): Assignment[] {
  const rnd = seededRandom(seed);
  const names = Object.keys(parameters).sort();
  const out: Assignment[] = [];
  for (let t = 0; t < n; t++) {
    const a: Assignment = {};
    for (const name of names) a[name] = sampleOne(parameters[name], rnd);
    out.push(a);
  }
  return out;
}

export function trialAssignments(spec: Pick<SweepSpec, 'parameters' | 'strategy' | 'maxTrials'>): Assignment[] {
  return spec.strategy.kind === 'grid' ? expandGrid(spec.parameters, spec.maxTrials) : sampleRandom(spec.parameters, spec.strategy.trials, spec.strategy.seed);
}

/** A deep copy of `base` with each dotted path set (objects on the way are created). */
export function applyAssignment(base: Record<string, unknown>, a: Assignment): Record<string, unknown> {
  const out = structuredClone(base);
  for (const [path, value] of Object.entries(a)) {
    const parts = path.split('.');
    let node: Record<string, unknown> = out;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (next === undefined) node[p] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new LatheError('INVALID_INPUT', `${path}: ${p} in the base spec is not an object`, { where: `parameters.${path}` });
      }
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

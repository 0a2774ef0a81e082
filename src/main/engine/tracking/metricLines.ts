import { decodeMetricValue, keyProblem } from '../../../shared/tracking';

/**
 * Metrics (and params) printed by any program, one per line (see docs/TRACKING.md):
 *
 *   lathe.metric <key>=<value> [step=<n>]
 *   lathe.param <key>=<value>
 *   {"lathe_metric": {"key": "loss", "value": 0.25, "step": 3}}
 *
 * Anything else is ordinary output. A line that starts like a metric but is malformed yields a problem.
 */
export type MetricLine =
  | { kind: 'metric'; key: string; value: number; step?: number }
  | { kind: 'param'; key: string; value: string }
  | { kind: 'problem'; message: string }
  | null;

const STEP_RE = /^-?\d{1,16}$/;

export function parseMetricLine(line: string): MetricLine {
  const s = line.trim();
  if (s.startsWith('lathe.metric')) {
    const rest = s.slice('lathe.metric'.length);
    if (rest !== '' && !/^\s/.test(rest)) return null; // lathe.metrics..., not ours
    const parts = rest.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return { kind: 'problem', message: 'expected `lathe.metric <key>=<value> [step=<n>]`' };
    const eq = parts[0].lastIndexOf('=');
    if (eq <= 0) return { kind: 'problem', message: `expected <key>=<value>, got "${parts[0].slice(0, 80)}"` };
    const key = parts[0].slice(0, eq);
    const problem = keyProblem(key);
    if (problem) return { kind: 'problem', message: `metric key "${key.slice(0, 80)}": ${problem}` };
    const value = decodeMetricValue(parts[0].slice(eq + 1));
    if (value === undefined) return { kind: 'problem', message: `metric ${key}: "${parts[0].slice(eq + 1).slice(0, 40)}" is not a number` };
    let step: number | undefined;
    for (const p of parts.slice(1)) {
      const m = /^step=(.*)$/.exec(p);
      if (!m || !STEP_RE.test(m[1])) return { kind: 'problem', message: `expected step=<integer> after the value, got "${p.slice(0, 40)}"` };
      step = Number(m[1]);
    }
    return { kind: 'metric', key, value, step };
  }
  if (s.startsWith('lathe.param ')) {
    const rest = s.slice('lathe.param '.length).trim();
    const eq = rest.indexOf('=');
    if (eq <= 0) return { kind: 'problem', message: 'expected `lathe.param <key>=<value>`' };
    const key = rest.slice(0, eq);
    const problem = keyProblem(key);
    if (problem) return { kind: 'problem', message: `param key "${key.slice(0, 80)}": ${problem}` };
    return { kind: 'param', key, value: rest.slice(eq + 1) };
  }
  if (s.startsWith('{') && s.includes('"lathe_metric"')) {
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch {
      return { kind: 'problem', message: 'a {"lathe_metric": ...} line is not valid JSON' };
    }
    const m = (obj as { lathe_metric?: unknown }).lathe_metric;
    if (typeof m !== 'object' || m === null) return null;
    const { key, value, step } = m as { key?: unknown; value?: unknown; step?: unknown };
    if (typeof key !== 'string') return { kind: 'problem', message: 'lathe_metric needs a "key" string' };
    const problem = keyProblem(key);
    if (problem) return { kind: 'problem', message: `metric key "${key.slice(0, 80)}": ${problem}` };
    const v = decodeMetricValue(value);
    if (v === undefined) return { kind: 'problem', message: `metric ${key}: "value" must be a number (or "NaN", "Infinity", "-Infinity")` };
    if (step !== undefined && step !== null && !(typeof step === 'number' && Number.isSafeInteger(step))) {
      return { kind: 'problem', message: `metric ${key}: "step" must be an integer` };
    }
    return { kind: 'metric', key, value: v, step: typeof step === 'number' ? step : undefined };
  }
  return null;
}

import type { AlertOp, AlertRuleInput, AlertState } from '../../../shared/monitoring';

/**
 * Alert rules over window series: a condition (value op threshold) that must hold for N consecutive
 * windows. States: inactive -> pending (condition holds, fewer than N windows) -> firing (N reached)
 * -> resolved (condition stopped holding) -> inactive (a quiet window later) or pending again.
 * A window whose series has no value (too few rows, no labels yet) leaves the state as it is.
 */
export interface RuleState {
  state: AlertState;
  streak: number;
  since: number | null;
}

export interface Transition {
  from: AlertState;
  to: AlertState;
}

export function holds(op: AlertOp, value: number, threshold: number): boolean {
  return op === '>' ? value > threshold : op === '>=' ? value >= threshold : op === '<' ? value < threshold : value <= threshold;
}

/** The next state after one window; the transitions it made (pending and firing can both happen at once). */
export function step(s: RuleState, rule: Pick<AlertRuleInput, 'op' | 'threshold' | 'forWindows'>, value: number | null, window: number): { next: RuleState; transitions: Transition[] } {
  if (value === null) return { next: s, transitions: [] };
  const t: Transition[] = [];
  let { state, streak, since } = s;
  const move = (to: AlertState) => {
    t.push({ from: state, to });
    state = to;
    since = window;
  };
  if (holds(rule.op, value, rule.threshold)) {
    streak += 1;
    if (state === 'inactive' || state === 'resolved') move('pending');
    if (state === 'pending' && streak >= rule.forWindows) move('firing');
  } else {
    streak = 0;
    if (state === 'firing') move('resolved');
    else if (state === 'pending') move('inactive');
    else if (state === 'resolved') move('inactive');
  }
  return { next: { state, streak, since }, transitions: t };
}

/**
 * Rules every monitored model gets: chosen to stay quiet on stationary data (tested: at most one
 * firing in a week of hourly windows) yet catch a real shift within a few hours.
 */
export function defaultRules(heldOutAccuracy: number | null, multivariate = false): (AlertRuleInput & { name: string })[] {
  const rules: (AlertRuleInput & { name: string })[] = [
    { name: 'Dataset drift (>= 50% of features) for 2 windows', series: 'drift.share', op: '>=', threshold: 0.5, forWindows: 2, severity: 'critical', enabled: true },
    { name: 'Prediction drift for 3 windows', series: 'prediction.drift', op: '>=', threshold: 1, forWindows: 3, severity: 'warning', enabled: true },
    { name: 'Missing fields over 10% for 2 windows', series: 'quality.missingFields', op: '>', threshold: 0.1, forWindows: 2, severity: 'warning', enabled: true },
    { name: 'Type mismatches over 5%', series: 'quality.mismatches', op: '>', threshold: 0.05, forWindows: 1, severity: 'warning', enabled: true },
  ];
  // Outside its band (3 sd: ~0.3% of stationary windows) twice in a row: about one chance in 10^5 an hour.
  if (multivariate) rules.push({ name: 'Multivariate drift (PCA) for 2 windows', series: 'multivariate.drift', op: '>=', threshold: 1, forWindows: 2, severity: 'warning', enabled: true });
  if (heldOutAccuracy !== null) {
    const t = Math.max(0, Math.round((heldOutAccuracy - 0.05) * 1000) / 1000);
    rules.push({ name: `Estimated accuracy below ${t} for 3 windows`, series: 'perf.estimated.accuracy', op: '<', threshold: t, forWindows: 3, severity: 'critical', enabled: true });
    rules.push({ name: `Realized accuracy below ${t} for 2 windows`, series: 'perf.realized.accuracy', op: '<', threshold: t, forWindows: 2, severity: 'critical', enabled: true });
  }
  return rules;
}

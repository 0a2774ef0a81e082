import type { AlertOp, AlertRuleInput, AlertState } from '../../../shared/monitoring';

/**
 * Alert rules over window series: a condition (value op threshold) that must hold for N consecutive
 * windows. States: inactive -> pending (condition holds, fewer than N windows) -> firing (N reached)
 * -> resolved (the condition stopped holding for `resolveAfter` windows in a row) -> inactive (a quiet
 * window later) or pending again.
 * The resolve delay is hysteresis: a series hovering at its threshold (a drift statistic that dips below
 * its band for one hour and comes back) would otherwise fire, resolve and fire again, one notification
 * each time, for what a user sees as one incident.
 * A window whose series has no value (too few rows, no labels yet) leaves the state as it is.
 */
export interface RuleState {
  state: AlertState;
  /** Consecutive windows counting toward the next move: windows the condition held (inactive, pending,
   * resolved), or, while firing, windows it did not (toward `resolveAfter`). */
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
export function step(s: RuleState, rule: Pick<AlertRuleInput, 'op' | 'threshold' | 'forWindows' | 'resolveAfter'>, value: number | null, window: number): { next: RuleState; transitions: Transition[] } {
  if (value === null) return { next: s, transitions: [] };
  const t: Transition[] = [];
  let { state, streak, since } = s;
  const move = (to: AlertState) => {
    t.push({ from: state, to });
    state = to;
    since = window;
  };
  const held = holds(rule.op, value, rule.threshold);
  if (state === 'firing') {
    streak = held ? 0 : streak + 1;
    if (streak >= rule.resolveAfter) {
      move('resolved');
      streak = 0;
    }
  } else if (held) {
    streak += 1;
    if (state === 'inactive' || state === 'resolved') move('pending');
    if (state === 'pending' && streak >= rule.forWindows) {
      move('firing');
      streak = 0;
    }
  } else {
    streak = 0;
    if (state === 'pending' || state === 'resolved') move('inactive');
  }
  return { next: { state, streak, since }, transitions: t };
}

/**
 * Rules every monitored model gets: chosen to stay quiet on stationary data (tested: at most one
 * firing in a week of hourly windows) yet catch a real shift within a few hours. Each resolves only
 * after a few quiet windows (`resolveAfter`), so a shifted series that dips back under its threshold
 * for an hour stays one firing, not a new alert each time it crosses.
 */
export function defaultRules(heldOutAccuracy: number | null, multivariate = false): (AlertRuleInput & { name: string })[] {
  const rules: (AlertRuleInput & { name: string })[] = [
    { name: 'Dataset drift (>= 50% of features) for 2 windows', series: 'drift.share', op: '>=', threshold: 0.5, forWindows: 2, severity: 'critical', enabled: true, resolveAfter: 3 },
    { name: 'Prediction drift for 3 windows', series: 'prediction.drift', op: '>=', threshold: 1, forWindows: 3, severity: 'warning', enabled: true, resolveAfter: 3 },
    { name: 'Missing fields over 10% for 2 windows', series: 'quality.missingFields', op: '>', threshold: 0.1, forWindows: 2, severity: 'warning', enabled: true, resolveAfter: 2 },
    { name: 'Type mismatches over 5%', series: 'quality.mismatches', op: '>', threshold: 0.05, forWindows: 1, severity: 'warning', enabled: true, resolveAfter: 2 },
  ];
  // Outside its band (3 sd: ~0.3% of stationary windows) twice in a row: about one chance in 10^5 an hour.
  if (multivariate) rules.push({ name: 'Multivariate drift (PCA) for 2 windows', series: 'multivariate.drift', op: '>=', threshold: 1, forWindows: 2, severity: 'warning', enabled: true, resolveAfter: 3 });
  if (heldOutAccuracy !== null) {
    const t = Math.max(0, Math.round((heldOutAccuracy - 0.05) * 1000) / 1000);
    rules.push({ name: `Estimated accuracy below ${t} for 3 windows`, series: 'perf.estimated.accuracy', op: '<', threshold: t, forWindows: 3, severity: 'critical', enabled: true, resolveAfter: 3 });
    rules.push({ name: `Realized accuracy below ${t} for 2 windows`, series: 'perf.realized.accuracy', op: '<', threshold: t, forWindows: 2, severity: 'critical', enabled: true, resolveAfter: 2 });
  }
  return rules;
}

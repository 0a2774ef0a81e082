import { describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/shared/monitoring';
import { alertRuleInputSchema } from '../../src/shared/monitoring';
import { defaultRules, step, type RuleState } from '../../src/main/engine/monitoring/alerts';

/** Steps a rule through a series of values; the states after each window and the transitions into firing. */
function run(values: (number | null)[], rule: { forWindows: number; resolveAfter: number }) {
  let s: RuleState = { state: 'inactive', streak: 0, since: null };
  const states: AlertState[] = [];
  let firings = 0;
  values.forEach((v, w) => {
    const r = step(s, { op: '>=', threshold: 1, ...rule }, v, w);
    s = r.next;
    firings += r.transitions.filter((t) => t.to === 'firing').length;
    states.push(s.state);
  });
  return { states, firings };
}

describe('alert state machine', () => {
  it('goes inactive -> pending -> firing after forWindows, resolved after resolveAfter quiet windows, then inactive', () => {
    const { states } = run([1, 1, 1, 0, 0, 0, 0], { forWindows: 2, resolveAfter: 3 });
    expect(states).toEqual(['pending', 'firing', 'firing', 'firing', 'firing', 'resolved', 'inactive']);
  });

  it('a firing alert whose series dips for fewer than resolveAfter windows stays one firing (hysteresis)', () => {
    // A shifted series hovering at its threshold: held, dip, held, dip, dip, held ...
    const flapping = [1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1];
    const once = run(flapping, { forWindows: 2, resolveAfter: 3 });
    expect(once.firings).toBe(1);
    expect(once.states.at(-1)).toBe('firing');
    // Without hysteresis the same series fires again after every dip that is followed by two held windows.
    const noHysteresis = run(flapping, { forWindows: 1, resolveAfter: 1 });
    expect(noHysteresis.firings).toBeGreaterThanOrEqual(5);
  });

  it('a quiet streak is broken by a held window: the countdown starts again', () => {
    const { states } = run([1, 0, 0, 1, 0, 0, 0], { forWindows: 1, resolveAfter: 3 });
    expect(states).toEqual(['firing', 'firing', 'firing', 'firing', 'firing', 'firing', 'resolved']);
  });

  it('windows without a value leave the state and the countdown as they are', () => {
    const { states } = run([1, 0, null, null, 0, 0], { forWindows: 1, resolveAfter: 3 });
    expect(states).toEqual(['firing', 'firing', 'firing', 'firing', 'firing', 'resolved']);
  });

  it('a pending rule that stops holding goes back to inactive at once; after resolving it fires again only after forWindows', () => {
    expect(run([1, 0], { forWindows: 3, resolveAfter: 2 }).states).toEqual(['pending', 'inactive']);
    const again = run([1, 0, 1, 1], { forWindows: 2, resolveAfter: 1 }).states;
    expect(again).toEqual(['pending', 'inactive', 'pending', 'firing']);
  });

  it('rules stored before resolveAfter existed parse with a resolve delay of one window (the old behaviour)', () => {
    const old = alertRuleInputSchema.parse({ series: 'traffic', op: '<', threshold: 5, forWindows: 2 });
    expect(old.resolveAfter).toBe(1);
    expect(() => alertRuleInputSchema.parse({ series: 'traffic', op: '<', threshold: 5, resolveAfter: 0 })).toThrow();
  });

  it('every default rule resolves only after at least two quiet windows', () => {
    for (const r of defaultRules(0.9, true)) expect(r.resolveAfter, r.name).toBeGreaterThanOrEqual(2);
  });
});

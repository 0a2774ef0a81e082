import type { Objective } from '../../../shared/sweeps';

/**
 * Asynchronous successive halving (ASHA, Li et al. 2018), as a pure scheduler: trials run with the
 * full budget and report their objective as they pass each rung (minEpochs * eta^k epochs); a trial
 * whose value at a rung is not among the best max(1, floor(n / eta)) of the n trials that reached that
 * rung so far is stopped. No waiting for a whole rung to fill, so parallel workers never idle.
 */

/** Rung epochs: min, min*eta, min*eta^2, ... strictly below max (the last epoch is no decision point). */
export function rungEpochs(minEpochs: number, maxEpochs: number, eta: number): number[] {
  const out: number[] = [];
  for (let e = minEpochs; e < maxEpochs; e *= eta) out.push(e);
  return out;
}

export type HalvingDecision = 'continue' | 'prune';

export class SuccessiveHalving {
  readonly rungs: number[];
  /** Per rung, the values recorded there (one per trial). */
  private readonly recorded: Map<number, number>[];
  /** Per trial, the next rung index it has to pass. */
  private readonly next = new Map<number, number>();

  constructor(
    minEpochs: number,
    maxEpochs: number,
    readonly eta: number,
    readonly direction: Objective['direction'],
  ) {
    this.rungs = rungEpochs(minEpochs, maxEpochs, eta);
    this.recorded = this.rungs.map(() => new Map());
  }

  /** The rung epochs a trial that has run `epochs` epochs still has to be judged at. */
  pendingRungs(trial: number, epochs: number): number[] {
    const from = this.next.get(trial) ?? 0;
    return this.rungs.slice(from).filter((r) => r <= epochs);
  }

  /** The rung index the trial has passed so far. */
  rungOf(trial: number): number {
    return this.next.get(trial) ?? 0;
  }

  /**
   * Records `value` (the objective at epoch `epoch`, which must be the trial's next rung) and decides.
   * NaN counts as the worst value.
   */
  report(trial: number, epoch: number, value: number): HalvingDecision {
    const k = this.next.get(trial) ?? 0;
    if (k >= this.rungs.length || this.rungs[k] !== epoch) throw new Error(`trial ${trial} reported epoch ${epoch}, but its next rung is ${this.rungs[k]}`);
    const worst = this.direction === 'minimize' ? Infinity : -Infinity;
    const v = Number.isNaN(value) ? worst : value;
    const at = this.recorded[k];
    at.set(trial, v);
    const values = [...at.values()].sort((a, b) => (this.direction === 'minimize' ? a - b : b - a));
    const keep = Math.max(1, Math.floor(values.length / this.eta));
    const cutoff = values[keep - 1];
    const better = this.direction === 'minimize' ? v <= cutoff : v >= cutoff;
    if (!better) return 'prune';
    this.next.set(trial, k + 1);
    return 'continue';
  }
}

/**
 * A whole sweep under successive halving on a simulated clock (pure; for tests and for reasoning
 * about schedules): trial i's objective after epoch e is curves[i][e - 1]; every epoch takes one tick;
 * `parallelism` trials run at once, started in order; a pruned trial frees its slot at once.
 */
export function simulateHalving(
  curves: number[][],
  opts: { parallelism: number; minEpochs: number; eta: number; direction: Objective['direction'] },
): { epochsRun: number[]; pruned: boolean[]; order: string[] } {
  const maxEpochs = Math.max(...curves.map((c) => c.length));
  const sh = new SuccessiveHalving(opts.minEpochs, maxEpochs, opts.eta, opts.direction);
  const epochsRun = curves.map(() => 0);
  const pruned = curves.map(() => false);
  const order: string[] = [];
  const running: number[] = [];
  let next = 0;
  while (next < curves.length || running.length > 0) {
    while (running.length < opts.parallelism && next < curves.length) running.push(next++);
    // One tick: every running trial completes an epoch, in slot order.
    for (const t of [...running]) {
      const e = ++epochsRun[t];
      let stop = e >= curves[t].length;
      for (const r of sh.pendingRungs(t, e)) {
        const d = sh.report(t, r, curves[t][r - 1]);
        order.push(`${t}@${r}:${d}`);
        if (d === 'prune') {
          pruned[t] = true;
          stop = true;
          break;
        }
      }
      if (stop) running.splice(running.indexOf(t), 1);
    }
  }
  return { epochsRun, pruned, order };
}

import { formatDelta } from '../../format';
import { deltaSense, metricDirection } from '../../metrics';

/** Why a change has the colour it has, for the title. */
function senseTitle(metric: string, sense: ReturnType<typeof deltaSense>): string {
  const dir = metricDirection(metric);
  if (!dir) return 'No better direction known for this metric';
  return `${sense === 'same' ? 'No change' : sense === 'better' ? 'Better' : 'Worse'} (${dir === 'max' ? 'higher' : 'lower'} is better)`;
}

/**
 * A change of a metric (later minus earlier), signed and coloured better/worse by the metric's direction
 * (green better, red worse, muted without a direction). `inline` renders a span after a value, else a cell.
 */
export function MetricDelta({ metric, delta, inline }: { metric: string; delta: number | null; inline?: boolean }) {
  const sense = deltaSense(metric, delta);
  const className = `delta delta-${sense ?? 'none'}${inline ? ' delta-inline' : ' num'}`;
  // In the values' own unit (a table shows 0.982, so its change reads +0.0123, not in points).
  const text = delta === null ? '—' : formatDelta(delta);
  const props = { className, title: delta === null ? undefined : senseTitle(metric, sense), 'data-testid': 'metric-delta', 'data-sense': sense ?? 'none' };
  return inline ? <span {...props}>{text}</span> : <td {...props}>{text}</td>;
}

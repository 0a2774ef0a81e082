import { useToastStore } from '../../stores/toastStore';
import { formatPercent } from '../../format';

/** The progress of the newest running engine task whose label matches, as a bar (or an indeterminate one). */
export function TaskProgress({ match, fallback, testId }: { match: (label: string) => boolean; fallback: string; testId: string }) {
  const task = useToastStore((s) => Object.values(s.tasks).filter((t) => !t.finished && match(t.label)).sort((a, b) => b.stamp - a.stamp)[0]);
  return (
    <div className="busy" data-testid={testId}>
      <div className="row space">
        <span>{task ? `${task.label}: ${task.phase}` : fallback}</span>
        <span className="muted">{task && task.total > 0 ? formatPercent(task.done, task.total) : ''}</span>
      </div>
      <progress className="progress" max={task && task.total > 0 ? task.total : undefined} value={task && task.total > 0 ? task.done : undefined} />
    </div>
  );
}

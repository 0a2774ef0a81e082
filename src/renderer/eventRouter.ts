import type { EventMap, EventName, LatheEvent } from '../shared/contract';
import { useAppStore, type Screen } from './stores/appStore';
import { useDatasetsStore } from './stores/datasetsStore';
import { useDeployStore } from './stores/deployStore';
import { useExperimentsStore } from './stores/experimentsStore';
import { useModelsStore } from './stores/modelsStore';
import { useMonitorStore } from './stores/monitorStore';
import { usePipelinesStore } from './stores/pipelinesStore';
import { useRunDetailStore } from './stores/runsDetailStore';
import { useRunsStore } from './stores/runsStore';
import { useSweepsStore } from './stores/sweepsStore';
import { useToastStore } from './stores/toastStore';
import { useTrainingStore } from './stores/trainingStore';
import { transport } from './transport';

/**
 * Engine events -> stores, in one place. Each route names the screen whose stores take the event
 * ('app': always); a screen's routes run only while it is shown, as when each screen subscribed on
 * mount. Handlers get the event's data typed from the contract's EventMap. A new event: add it to
 * EventMap (and eventNames), then a handler here.
 */
type Handlers = { [K in EventName]?: (data: EventMap[K]) => void };
interface Route {
  screen: Screen | 'app';
  on: Handlers;
}

/** Coalesces bursts (a run logging 100 flushes/s) into one refresh per window; pending work is dropped on stop. */
class Throttle {
  private timers = new Map<string, ReturnType<typeof setTimeout>>();

  later(key: string, ms: number, fn: () => void): void {
    if (this.timers.has(key)) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        fn();
      }, ms),
    );
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

const throttle = new Throttle();
const shown = (screen: Screen) => useAppStore.getState().screen === screen;

/** Experiments: refresh the runs table / experiment list at most once a second. */
function laterTracking(which: 'table' | 'list'): void {
  throttle.later(`experiments.${which}`, 1000, () => {
    if (!shown('experiments')) return;
    if (which === 'table') useRunsStore.getState().refresh();
    else useExperimentsStore.getState().changed();
  });
}

/** Training: live charts refetch a few times a second however fast a run logs. */
const metricsPending = new Set<string>();
function laterTrainingMetrics(runId: string): void {
  metricsPending.add(runId);
  throttle.later('training.metrics', 400, () => {
    const ids = [...metricsPending];
    metricsPending.clear();
    if (!shown('training')) return;
    for (const id of ids) useTrainingStore.getState().metricsArrived(id);
  });
}

const routes: Route[] = [
  {
    screen: 'app',
    on: {
      'task.progress': (d) => useToastStore.getState().progress(d),
      'datasets.changed': (d) => useDatasetsStore.getState().changed(d.name),
      // The navigation's alert badge and an open monitor follow new windows and alert changes (coalesced).
      'monitor.windows': (d) => useMonitorStore.getState().changed(d.model),
      'monitor.alert': (d) => useMonitorStore.getState().changed(d.model),
    },
  },
  {
    screen: 'experiments',
    on: {
      'runs.metrics': (d) => {
        useRunDetailStore.getState().metricsArrived(d.runId);
        if (useExperimentsStore.getState().view.kind === 'runs') laterTracking('table');
      },
      'runs.changed': (d) => {
        useRunDetailStore.getState().runsChanged(d.runIds);
        laterTracking('table');
        if (d.change === 'created' || d.change === 'deleted' || d.change === 'restored' || d.change === 'purged') laterTracking('list');
      },
      'experiments.changed': () => laterTracking('list'),
    },
  },
  {
    screen: 'training',
    on: {
      'training.jobs': (d) => useTrainingStore.getState().jobChanged(d.job),
      'training.progress': (d) => useTrainingStore.getState().progressed(d),
      'runs.metrics': (d) => laterTrainingMetrics(d.runId),
      'runs.changed': (d) => useTrainingStore.getState().runsChanged(d.runIds),
      'evaluations.changed': (d) => useTrainingStore.getState().evaluationsChanged(d.runId),
      'sweeps.changed': (d) => useSweepsStore.getState().changed(d.id),
    },
  },
  {
    // Another door, the CLI, an export from the Deploy screen.
    screen: 'models',
    on: { 'models.changed': (d) => useModelsStore.getState().changed(d.model) },
  },
  {
    screen: 'pipelines',
    on: { 'pipelines.changed': (d) => usePipelinesStore.getState().changed(d.name, d.runId) },
  },
  {
    screen: 'deploy',
    on: {
      'models.changed': () => {
        void useModelsStore.getState().loadList();
        void useDeployStore.getState().loadHistory();
      },
    },
  },
];

function deliver<K extends EventName>(on: Handlers, type: K, data: EventMap[K]): void {
  on[type]?.(data);
}

/** Runs every route that takes this event on the screen shown now. */
export function routeEvent(event: LatheEvent, screen: Screen = useAppStore.getState().screen): void {
  for (const r of routes) {
    if (r.screen === 'app' || r.screen === screen) deliver(r.on, event.type, event.data);
  }
}

/** Subscribes the router to the transport (once, from the app shell); returns the stop function. */
export function startEventRouter(): () => void {
  const off = transport().subscribe((e) => routeEvent(e));
  return () => {
    off();
    throttle.clear();
    metricsPending.clear();
  };
}

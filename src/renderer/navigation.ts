import { useAppStore, type Screen } from './stores/appStore';
import { useDatasetsStore } from './stores/datasetsStore';
import { useExperimentsStore } from './stores/experimentsStore';
import { useModelsStore } from './stores/modelsStore';
import { useMonitorStore } from './stores/monitorStore';
import { usePipelinesStore } from './stores/pipelinesStore';
import { useTrainingStore } from './stores/trainingStore';

/**
 * Going to a screen from the navigation: another screen opens where you left it; the screen you are on
 * goes back to its list, so the list is always one click away from the deepest sub-view.
 */
export function navigate(screen: Screen): void {
  const app = useAppStore.getState();
  if (app.screen === screen) showList(screen);
  else app.go(screen);
}

/** A screen's top level: the datasets, experiments and models lists, the training home. */
export function showList(screen: Screen): void {
  useAppStore.getState().go(screen);
  if (screen === 'datasets') useDatasetsStore.getState().close();
  if (screen === 'experiments') useExperimentsStore.getState().show({ kind: 'list' });
  if (screen === 'models') useModelsStore.getState().close();
  if (screen === 'training') useTrainingStore.getState().show({ kind: 'home' });
  if (screen === 'pipelines') usePipelinesStore.getState().close();
  if (screen === 'monitor') useMonitorStore.getState().close();
}

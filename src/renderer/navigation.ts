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

/** Go to a dataset (and a version of it) on the Datasets screen. */
export function openDataset(name: string, number?: number): void {
  useAppStore.getState().go('datasets');
  void useDatasetsStore
    .getState()
    .open(name)
    .then(() => {
      if (number !== undefined) useDatasetsStore.getState().select(number);
    });
}

/** Go to a run's detail on the Experiments screen. */
export function openRun(runId: string): void {
  useAppStore.getState().go('experiments');
  useExperimentsStore.getState().show({ kind: 'run', runId });
}

/** Go to a model version on the Models screen. */
export function openModel(name: string, number?: number): void {
  useAppStore.getState().go('models');
  void useModelsStore.getState().open(name, number ?? null);
}

import { useAppStore } from '../../stores/appStore';
import { useDatasetsStore } from '../../stores/datasetsStore';
import { useExperimentsStore } from '../../stores/experimentsStore';
import { useModelsStore } from '../../stores/modelsStore';

/** Go to a dataset (and a version of it) on the Datasets screen. */
export function openDataset(name: string, number?: number) {
  useAppStore.getState().go('datasets');
  void useDatasetsStore
    .getState()
    .open(name)
    .then(() => {
      if (number !== undefined) useDatasetsStore.getState().select(number);
    });
}

/** Go to a run's detail on the Experiments screen. */
export function openRun(runId: string) {
  useAppStore.getState().go('experiments');
  useExperimentsStore.getState().show({ kind: 'run', runId });
}

/** Go to a model version on the Models screen. */
export function openModel(name: string, number?: number) {
  useAppStore.getState().go('models');
  void useModelsStore.getState().open(name, number ?? null);
}

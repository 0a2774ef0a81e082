import type { ModelSummary } from '../../shared/registry';
import type { Experiment, Run } from '../../shared/tracking';
import type { DatasetSummary } from '../../shared/datasets';
import type { Command } from '../commands';
import { showList } from '../navigation';
import { SCREENS, SCREEN_INFO, useAppStore } from '../stores/appStore';
import { useDatasetsStore } from '../stores/datasetsStore';
import { useDeployStore } from '../stores/deployStore';
import { useExperimentsStore } from '../stores/experimentsStore';
import { useModelsStore } from '../stores/modelsStore';
import { useTrainingStore } from '../stores/trainingStore';

/** What the palette can reach by name, fetched when it opens. */
export interface PaletteData {
  datasets: DatasetSummary[];
  experiments: Experiment[];
  runs: Run[];
  models: ModelSummary[];
}

const go = () => useAppStore.getState();

function actions(): Command[] {
  return [
    { id: 'new-training', title: 'New training…', group: 'Action', keywords: 'train model start', run: () => (go().go('training'), useTrainingStore.getState().show({ kind: 'new' })) },
    { id: 'new-sweep', title: 'New sweep…', group: 'Action', keywords: 'hyperparameter search tune', run: () => (go().go('training'), useTrainingStore.getState().show({ kind: 'new-sweep' })) },
    { id: 'evaluate', title: 'Evaluate a training run…', group: 'Action', keywords: 'evaluation test metrics', run: () => showList('training') },
    { id: 'register', title: 'Register a model from a run…', group: 'Action', keywords: 'registry version', run: () => (showList('models'), useModelsStore.getState().setRegisterOpen(true)) },
    { id: 'export', title: 'Export a model…', group: 'Action', keywords: 'onnx tfjs serving deploy', run: () => go().go('deploy') },
    { id: 'import-bundle', title: 'Import a bundle…', group: 'Action', keywords: 'registry bundle air-gapped', run: () => go().go('deploy') },
    {
      id: 'add-dataset',
      title: 'Add a dataset or version…',
      group: 'Action',
      keywords: 'import csv parquet upload',
      run: () => (showList('datasets'), useDatasetsStore.getState().setAddOpen(true)),
    },
    { id: 'toggle-theme', title: 'Toggle light/dark theme', group: 'Action', keywords: 'dark light colours', run: () => go().toggleTheme() },
  ];
}

/** Every screen, every action, and every dataset, experiment, run, model and alias by name. */
export function paletteCommands(d: PaletteData): Command[] {
  const list: Command[] = SCREENS.map((s) => ({ id: `go-${s}`, title: SCREEN_INFO[s].title, group: 'Go to', run: () => showList(s) }));
  list.push(...actions());
  for (const ds of d.datasets) {
    list.push({ id: `open-${ds.name}`, title: ds.name, group: 'Dataset', keywords: `open ${ds.name}`, hint: ds.latest ? `v${ds.latest.number}` : undefined, run: () => (showList('datasets'), void useDatasetsStore.getState().open(ds.name)) });
  }
  for (const e of d.experiments) {
    list.push({ id: `exp-${e.id}`, title: e.name, group: 'Experiment', hint: `${e.runCount} runs`, run: () => (go().go('experiments'), useExperimentsStore.getState().show({ kind: 'runs', experimentId: e.id })) });
  }
  for (const r of d.runs) {
    list.push({ id: `run-${r.id}`, title: r.name, group: 'Run', keywords: `${r.experimentName} ${r.id}`, hint: r.experimentName, run: () => (go().go('experiments'), useExperimentsStore.getState().show({ kind: 'run', runId: r.id })) });
  }
  for (const m of d.models) {
    const aliases = Object.entries(m.aliases);
    list.push({
      id: `model-${m.name}`,
      title: m.name,
      group: 'Model',
      keywords: aliases.map(([a]) => `${m.name}@${a}`).join(' '),
      hint: m.latest ? `v${m.latest}` : undefined,
      run: () => (go().go('models'), void useModelsStore.getState().open(m.name)),
    });
    for (const [alias, version] of aliases) {
      list.push({
        id: `alias-${m.name}-${alias}`,
        title: `${m.name}@${alias}`,
        group: 'Alias',
        keywords: `${alias} ${m.name} v${version}`,
        hint: `v${version}`,
        run: () => (go().go('models'), void useModelsStore.getState().open(m.name, version)),
      });
      list.push({
        id: `export-${m.name}-${alias}`,
        title: `Export ${m.name}@${alias}…`,
        group: 'Action',
        run: () => (go().go('deploy'), useDeployStore.getState().setRef(`${m.name}@${alias}`)),
      });
    }
  }
  return list;
}

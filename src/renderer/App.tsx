import { useEffect } from 'react';
import { CommandPalette } from './components/CommandPalette';
import { CopyMenu } from './components/CopyMenu';
import { Nav } from './components/Nav';
import { Toasts } from './components/Toasts';
import { TopBar } from './components/TopBar';
import { DatasetsScreen } from './screens/datasets/DatasetsScreen';
import { ExperimentsScreen } from './screens/experiments/ExperimentsScreen';
import { TrainingScreen } from './screens/training/TrainingScreen';
import { DeployScreen } from './screens/deploy/DeployScreen';
import { ModelsScreen } from './screens/models/ModelsScreen';
import { PipelinesScreen } from './screens/pipelines/PipelinesScreen';
import { MonitorScreen } from './screens/monitor/MonitorScreen';
import { modelsRouteOf, useModelsStore } from './stores/modelsStore';
import { routeOf, useExperimentsStore } from './stores/experimentsStore';
import { trainingRouteOf, useTrainingStore } from './stores/trainingStore';
import { SCREENS, useAppStore, type Screen } from './stores/appStore';
import { useDatasetsStore } from './stores/datasetsStore';
import { useMonitorStore } from './stores/monitorStore';
import { startEventRouter } from './eventRouter';

/** `#/datasets/penguins` <-> screen + open dataset, so a reload lands where you were. */
function parseHash(hash: string): { screen: Screen; dataset: string | null } {
  const [screen, dataset] = hash.replace(/^#\/?/, '').split('/').map((p) => decodeURIComponent(p));
  return { screen: (SCREENS as readonly string[]).includes(screen) ? (screen as Screen) : 'datasets', dataset: dataset || null };
}

function useHashRoute() {
  useEffect(() => {
    const { screen, dataset } = parseHash(location.hash);
    useAppStore.getState().go(screen);
    if (dataset && screen === 'datasets') void useDatasetsStore.getState().open(dataset);
    if (screen === 'experiments') useExperimentsStore.getState().openRoute(location.hash.replace(/^#\/?experiments\/?/, ''));
    if (screen === 'training') useTrainingStore.getState().openRoute(location.hash.replace(/^#\/?training\/?/, ''));
    if (screen === 'models') useModelsStore.getState().openRoute(location.hash.replace(/^#\/?models\/?/, ''));
    if (screen === 'monitor' && dataset) void useMonitorStore.getState().open(dataset);
    const write = () => {
      const s = useAppStore.getState().screen;
      const d = s === 'datasets' ? useDatasetsStore.getState().current : null;
      const e = s === 'experiments' ? routeOf(useExperimentsStore.getState().view) : s === 'models' ? modelsRouteOf(useModelsStore.getState()) : '';
      const tr = s === 'training' ? trainingRouteOf(useTrainingStore.getState().view) : '';
      // The open monitor's model: the desktop notifier stays quiet for the model on screen.
      const mo = s === 'monitor' ? useMonitorStore.getState().model : null;
      const next = `#/${s}${d ? '/' + encodeURIComponent(d) : ''}${e ? '/' + e : ''}${tr ? '/' + tr : ''}${mo ? '/' + encodeURIComponent(mo) : ''}`;
      if (location.hash !== next) history.replaceState(null, '', next);
    };
    const offA = useAppStore.subscribe(write);
    const offB = useDatasetsStore.subscribe(write);
    const offC = useExperimentsStore.subscribe(write);
    const offT = useTrainingStore.subscribe(write);
    const offM = useModelsStore.subscribe(write);
    const offMo = useMonitorStore.subscribe(write);
    return () => {
      offMo();
      offA();
      offB();
      offC();
      offT();
      offM();
    };
  }, []);
}

function useShortcuts() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        const app = useAppStore.getState();
        app.setPaletteOpen(!app.paletteOpen);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function App() {
  const screen = useAppStore((s) => s.screen);
  const paletteOpen = useAppStore((s) => s.paletteOpen);
  useHashRoute();
  useEffect(() => startEventRouter(), []);
  useShortcuts();
  useEffect(() => {
    void useAppStore.getState().loadInfo();
  }, []);

  return (
    <div className="app">
      <Nav />
      <div className="main">
        <TopBar />
        <main className="content">{screen === 'datasets' ? <DatasetsScreen /> : screen === 'experiments' ? <ExperimentsScreen /> : screen === 'training' ? <TrainingScreen /> : screen === 'models' ? <ModelsScreen /> : screen === 'deploy' ? <DeployScreen /> : screen === 'pipelines' ? <PipelinesScreen /> : <MonitorScreen />}</main>
      </div>
      {paletteOpen && <CommandPalette />}
      <Toasts />
      <CopyMenu />
    </div>
  );
}

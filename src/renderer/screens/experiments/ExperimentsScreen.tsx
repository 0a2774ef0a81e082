import { useEffect } from 'react';
import { useExperimentsStore } from '../../stores/experimentsStore';
import { CompareView } from './CompareView';
import { ExperimentList } from './ExperimentList';
import { RunDetail } from './RunDetail';
import { RunsView } from './RunsView';

export function ExperimentsScreen() {
  const view = useExperimentsStore((s) => s.view);
  useEffect(() => {
    void useExperimentsStore.getState().loadList();
  }, []);
  switch (view.kind) {
    case 'list':
      return <ExperimentList />;
    case 'runs':
      return <RunsView experimentId={view.experimentId} trash={false} />;
    case 'trash':
      return <RunsView experimentId={null} trash />;
    case 'run':
      return <RunDetail runId={view.runId} />;
    case 'compare':
      return <CompareView ids={view.ids} />;
  }
}

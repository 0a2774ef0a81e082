import { useEffect } from 'react';
import { useTrainingStore } from '../../stores/trainingStore';
import { EvaluationCompare } from './EvaluationCompare';
import { EvaluationReportView } from './EvaluationReport';
import { LiveRun } from './LiveRun';
import { NewSweep } from './NewSweep';
import { NewTraining } from './NewTraining';
import { SweepView } from './SweepView';
import { TrainingHome } from './TrainingHome';

export function TrainingScreen() {
  const view = useTrainingStore((s) => s.view);
  useEffect(() => {
    void useTrainingStore.getState().loadTemplates();
  }, []);
  switch (view.kind) {
    case 'home':
      return <TrainingHome />;
    case 'new':
      return <NewTraining />;
    case 'run':
      return <LiveRun runId={view.runId} />;
    case 'evaluation':
      return <EvaluationReportView id={view.id} />;
    case 'compare':
      return <EvaluationCompare ids={view.ids} />;
    case 'new-sweep':
      return <NewSweep />;
    case 'sweep':
      return <SweepView id={view.id} />;
  }
}

import { useEffect } from 'react';
import type { EventMap } from '../../../shared/contract';
import { useSweepsStore } from '../../stores/sweepsStore';
import { useTrainingStore } from '../../stores/trainingStore';
import { transport } from '../../transport';
import { EvaluationCompare } from './EvaluationCompare';
import { EvaluationReportView } from './EvaluationReport';
import { LiveRun } from './LiveRun';
import { NewSweep } from './NewSweep';
import { NewTraining } from './NewTraining';
import { SweepView } from './SweepView';
import { TrainingHome } from './TrainingHome';

/** Engine events -> the training stores; metric refreshes throttled so a fast run costs a few fetches a second. */
function useTrainingEvents() {
  useEffect(() => {
    let metricsTimer: ReturnType<typeof setTimeout> | null = null;
    const pending = new Set<string>();
    const off = transport().subscribe((e) => {
      const t = useTrainingStore.getState();
      if (e.type === 'training.jobs') t.jobChanged((e.data as EventMap['training.jobs']).job);
      else if (e.type === 'training.progress') t.progressed(e.data as EventMap['training.progress']);
      else if (e.type === 'runs.metrics') {
        pending.add((e.data as EventMap['runs.metrics']).runId);
        if (!metricsTimer) {
          metricsTimer = setTimeout(() => {
            metricsTimer = null;
            for (const id of pending) useTrainingStore.getState().metricsArrived(id);
            pending.clear();
          }, 400);
        }
      } else if (e.type === 'runs.changed') t.runsChanged((e.data as EventMap['runs.changed']).runIds);
      else if (e.type === 'evaluations.changed') t.evaluationsChanged((e.data as EventMap['evaluations.changed']).runId);
      else if (e.type === 'sweeps.changed') useSweepsStore.getState().changed((e.data as EventMap['sweeps.changed']).id);
    });
    return () => {
      off();
      if (metricsTimer) clearTimeout(metricsTimer);
    };
  }, []);
}

export function TrainingScreen() {
  const view = useTrainingStore((s) => s.view);
  useTrainingEvents();
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

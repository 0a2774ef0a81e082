import { useEffect } from 'react';
import type { EventMap } from '../../../shared/contract';
import { useExperimentsStore } from '../../stores/experimentsStore';
import { useRunDetailStore } from '../../stores/runsDetailStore';
import { useRunsStore } from '../../stores/runsStore';
import { transport } from '../../transport';
import { CompareView } from './CompareView';
import { ExperimentList } from './ExperimentList';
import { RunDetail } from './RunDetail';
import { RunsView } from './RunsView';

/** Engine events -> the experiment stores, throttled so a run logging 100 flushes/s costs a few refreshes. */
function useTrackingEvents() {
  useEffect(() => {
    let tableTimer: ReturnType<typeof setTimeout> | null = null;
    let listTimer: ReturnType<typeof setTimeout> | null = null;
    const later = (which: 'table' | 'list') => {
      if (which === 'table' && !tableTimer) {
        tableTimer = setTimeout(() => {
          tableTimer = null;
          useRunsStore.getState().refresh();
        }, 1000);
      }
      if (which === 'list' && !listTimer) {
        listTimer = setTimeout(() => {
          listTimer = null;
          useExperimentsStore.getState().changed();
        }, 1000);
      }
    };
    const off = transport().subscribe((e) => {
      if (e.type === 'runs.metrics') {
        const d = e.data as EventMap['runs.metrics'];
        useRunDetailStore.getState().metricsArrived(d.runId);
        if (useExperimentsStore.getState().view.kind === 'runs') later('table');
      } else if (e.type === 'runs.changed') {
        const d = e.data as EventMap['runs.changed'];
        useRunDetailStore.getState().runsChanged(d.runIds);
        later('table');
        if (d.change === 'created' || d.change === 'deleted' || d.change === 'restored' || d.change === 'purged') later('list');
      } else if (e.type === 'experiments.changed') later('list');
    });
    return () => {
      off();
      if (tableTimer) clearTimeout(tableTimer);
      if (listTimer) clearTimeout(listTimer);
    };
  }, []);
}

export function ExperimentsScreen() {
  const view = useExperimentsStore((s) => s.view);
  useTrackingEvents();
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

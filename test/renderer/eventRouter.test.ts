import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../src/shared/training';
import { routeEvent } from '../../src/renderer/eventRouter';
import { useToastStore } from '../../src/renderer/stores/toastStore';
import { useTrainingStore } from '../../src/renderer/stores/trainingStore';
import { setTransport } from '../../src/renderer/transport';
import { fakeTransport } from './fakeTransport';

const progress: JobProgress = { phase: 'training', epoch: 2, epochs: 5, batch: 1, batches: 10, samplesPerSec: 100, etaMs: null };

beforeEach(() => {
  setTransport(fakeTransport({}));
  useTrainingStore.setState({ progress: {} });
  useToastStore.setState({ tasks: {} });
});
afterEach(() => setTransport(null));

describe('event router', () => {
  it('app-wide events reach their store on every screen', () => {
    routeEvent({ type: 'task.progress', data: { task: 't1', label: 'Import', phase: 'hashing', done: 1, total: 4 } }, 'models');
    expect(useToastStore.getState().tasks.t1?.phase).toBe('hashing');
  });

  it("a screen's events reach its stores only while it is shown", () => {
    const event = { type: 'training.progress', data: { jobId: 'j1', runId: 'r1', progress } } as const;
    routeEvent(event, 'datasets');
    expect(useTrainingStore.getState().progress.r1).toBeUndefined();
    routeEvent(event, 'training');
    expect(useTrainingStore.getState().progress.r1?.progress.epoch).toBe(2);
  });
});

import type { EngineApi } from '../../../shared/contract';
import type { PipelineService } from './service';

type PipelineCalls =
  | 'pipelines.save'
  | 'pipelines.check'
  | 'pipelines.list'
  | 'pipelines.get'
  | 'pipelines.delete'
  | 'pipelines.run'
  | 'pipelines.resume'
  | 'pipelines.status'
  | 'pipelines.history'
  | 'pipelines.explain'
  | 'pipelines.decision';

/** The contract methods of pipelines (issue 12; docs/PIPELINES.md), spread into the engine. */
export function pipelineMethods(p: PipelineService): Pick<EngineApi, PipelineCalls> {
  return {
    'pipelines.save': async (i) => p.save(i.text, i.sourcePath),
    'pipelines.check': async (i) => p.check(i.text),
    'pipelines.list': async () => p.list(),
    'pipelines.get': async (i) => p.get(i.name),
    'pipelines.delete': async (i) => p.remove(i.name),
    'pipelines.run': (i) => p.run(i.name, { force: i.force, from: i.from, wait: i.wait }),
    'pipelines.resume': (i) => p.resume(i.runId, i.wait),
    'pipelines.status': async (i) => p.status(i.runId, i.name),
    'pipelines.history': async (i) => p.history(i.name, i.limit),
    'pipelines.explain': (i) => p.explain(i.name, { force: i.force, from: i.from }),
    'pipelines.decision': async (i) => p.decision(i.id),
  };
}

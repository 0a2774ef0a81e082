import type { EngineApi } from '../../../shared/contract';
import type { MonitoringCallName } from '../../../shared/monitoring';
import { MonitoringService, type MonitoringDeps } from './service';
import { writeReport } from './report';

/** The monitoring subsystem (issue 11; docs/MONITORING.md). */
export function createMonitoring(deps: MonitoringDeps): MonitoringService {
  return new MonitoringService(deps);
}

/** The contract methods of monitoring, spread into the engine. */
export function monitoringMethods(m: MonitoringService): Pick<EngineApi, MonitoringCallName> {
  return {
    'monitor.list': async () => m.list(),
    'monitor.ingest': (i) => m.ingest(i),
    'monitor.cancel': async (i) => m.cancel(i.task),
    'monitor.labels': (i) => m.labels(i),
    'monitor.outcomes': (i) => m.outcomes(i),
    'monitor.timeline': async (i) => m.timeline(i),
    'monitor.drift': async (i) => m.drift(i),
    'monitor.feature': async (i) => m.feature(i),
    'monitor.reference': (i) => m.reference(i.ref, i.rebuild),
    'monitor.configure': async (i) => m.configure(i.model, i.config),
    'monitor.config': async (i) => m.config(i.model),
    'monitor.alerts': async (i) => m.alerts(i.model, i.limit),
    'monitor.setRule': async (i) => m.setRule(i.model, i.id, i.rule),
    'monitor.removeRule': async (i) => m.removeRule(i.id),
    'monitor.report': async (i) => writeReport(m, i),
  };
}

export { MonitoringService };

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EngineApi } from '../../../shared/contract';
import type { AddResult } from '../../../shared/datasets';
import type { LogDatasetResult, MonitoringCallName } from '../../../shared/monitoring';
import { MonitoringService, type MonitoringDeps } from './service';
import { writeReport } from './report';

/** The monitoring subsystem (issue 11; docs/MONITORING.md). */
export function createMonitoring(deps: MonitoringDeps): MonitoringService {
  return new MonitoringService(deps);
}

/** What making a dataset from logged rows needs from the rest of the engine. */
export interface LogDatasetDeps {
  tmpDir: string;
  addDataset(i: { name: string; path: string; message: string }): Promise<AddResult>;
  /** model version (by model and number) -> dataset version, relation `served`. */
  linkServed(model: string, number: number, datasetVersionId: string): void;
}

/** Logged rows -> CSV in the workspace's tmp -> a dataset version like any import, with lineage. */
async function toDataset(m: MonitoringService, d: LogDatasetDeps, i: Parameters<EngineApi['monitor.toDataset']>[0]): Promise<LogDatasetResult> {
  // The file's name is part of a version's identity: the same rows again must make the same version.
  const dir = path.join(d.tmpDir, `monitor-rows-${randomUUID()}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${i.name.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`);
  try {
    const rows = await m.logRows(i, file);
    const message = i.message ?? `Logged rows of ${rows.model} from ${new Date(rows.from).toISOString()} to ${new Date(rows.to).toISOString()} with their labels`;
    const added = await d.addDataset({ name: i.name, path: file, message });
    const servedBy = [...rows.versions].sort((a, b) => a - b);
    for (const v of servedBy) d.linkServed(rows.model, v, added.version.id);
    return {
      dataset: i.name,
      version: { id: added.version.id, number: added.version.number },
      created: added.created,
      rows: rows.rows,
      labelled: rows.labelled,
      unlabelled: rows.unlabelled,
      servedBy,
      from: rows.from,
      to: rows.to,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The contract methods of monitoring, spread into the engine. */
export function monitoringMethods(m: MonitoringService, logDataset: LogDatasetDeps): Pick<EngineApi, MonitoringCallName> {
  return {
    'monitor.toDataset': (i) => toDataset(m, logDataset, i),
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
    'monitor.sample': () => m.sample(),
  };
}

export { MonitoringService };

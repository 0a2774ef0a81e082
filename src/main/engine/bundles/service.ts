import type { Db } from '../db/connection';
import { BundleRepo } from '../db/bundleRepo';
import type { EventBus } from '../events';
import type { RegistryService } from '../registry/service';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import type { BundleImportResult, BundleSummary } from '../../../shared/registry';
import { exportBundle, type ExportInput } from './exportBundle';
import { DEFAULT_LIMITS, type BundleLimits } from './format';
import { importBundle, type ImportInput } from './importBundle';
import { Keyring } from './keyring';

/**
 * Registry bundles: a portable subset of a workspace (models, runs, lineage, optionally data) in one
 * signed file. Export (exportBundle.ts), import (importBundle.ts: archive checks, then the row gate in
 * manifestGate.ts, then merge.ts), signatures (signing.ts) and the keyring (keyring.ts).
 */
export class BundleService {
  readonly repo: BundleRepo;
  readonly keys: Keyring;
  limits: BundleLimits = { ...DEFAULT_LIMITS };
  /** Bundles larger than this (object bytes on export, file size on import) also hash on a second thread. */
  hashThreadMin = 32 * 1024 * 1024;

  constructor(
    readonly db: Db,
    readonly store: ObjectStore,
    readonly registry: RegistryService,
    readonly tracking: Tracking,
    readonly events: EventBus,
  ) {
    this.repo = new BundleRepo(db);
    this.keys = new Keyring(db, store.home);
  }

  progress(task: string, label: string, phase: string, done: number, total: number): void {
    this.events.emit('task.progress', { task, label, phase, done, total });
  }

  exportBundle(i: ExportInput): Promise<BundleSummary> {
    return exportBundle(this, i);
  }

  importBundle(i: ImportInput): Promise<BundleImportResult> {
    return importBundle(this, i);
  }
}

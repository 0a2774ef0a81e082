import { LatheError } from '../../../shared/errors';
import type { BundleImportResult, BundleSummary } from '../../../shared/registry';
import type { Db } from '../db/connection';
import type { EventBus } from '../events';
import type { RegistryService } from '../registry/service';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';

export class BundleService {
  constructor(
    readonly db: Db,
    readonly store: ObjectStore,
    readonly registry: RegistryService,
    readonly tracking: Tracking,
    readonly events: EventBus,
  ) {}
  async exportBundle(_i: { out: string; models?: string[]; runs?: string; withData: boolean; gzip: boolean }): Promise<BundleSummary> {
    throw new LatheError('INTERNAL', 'not yet');
  }
  async importBundle(_i: { file: string; dryRun: boolean; force: boolean }): Promise<BundleImportResult> {
    throw new LatheError('INTERNAL', 'not yet');
  }
}

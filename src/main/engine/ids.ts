import { randomUUID } from 'node:crypto';

/** A new global id (see src/shared/ids.ts): 32 hex digits from a random UUID. The one place ids are made. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * A new id in the dashed UUID form: datasets and experiments (whose ids predate `newId` and are kept
 * for compatibility: bundles, the MLflow door), queued jobs (`z.string().uuid()` in the contract)
 * and progress tasks.
 */
export function newUuid(): string {
  return randomUUID();
}

import { randomUUID } from 'node:crypto';

/** A new global id (see src/shared/ids.ts): 32 hex digits from a random UUID. The one place ids are made. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

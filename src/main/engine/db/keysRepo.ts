import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for the bundle keyring (migration 8): signers this workspace trusts. */
export interface KeyringRow {
  fingerprint: string;
  name: string;
  public_key: string;
  trusted_at: number;
}

export class KeysRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = lazyStatements(db, {
      all: () => db.prepare('SELECT fingerprint, name, public_key, trusted_at FROM bundle_keyring ORDER BY name, fingerprint'),
      get: () => db.prepare('SELECT fingerprint, name, public_key, trusted_at FROM bundle_keyring WHERE fingerprint = ?'),
      byPrefix: () => db.prepare("SELECT fingerprint FROM bundle_keyring WHERE substr(fingerprint, 1, length(?)) = ?").pluck(),
      upsert: () => db.prepare(
        `INSERT INTO bundle_keyring (fingerprint, name, public_key, trusted_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (fingerprint) DO UPDATE SET name = excluded.name`,
      ),
      remove: () => db.prepare('DELETE FROM bundle_keyring WHERE fingerprint = ?'),
    });
  }

  all(): KeyringRow[] {
    return this.s.all.all() as KeyringRow[];
  }
  get(fingerprint: string): KeyringRow | undefined {
    return this.s.get.get(fingerprint) as KeyringRow | undefined;
  }
  /** Fingerprints starting with `prefix` (people type the short form). */
  matching(prefix: string): string[] {
    return this.s.byPrefix.all(prefix, prefix) as string[];
  }
  trust(r: KeyringRow): void {
    this.s.upsert.run(r.fingerprint, r.name, r.public_key, r.trusted_at);
  }
  remove(fingerprint: string): boolean {
    return this.s.remove.run(fingerprint).changes > 0;
  }
}

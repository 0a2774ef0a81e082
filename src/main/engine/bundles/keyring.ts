import type { BundleSigner, SigningKey } from '../../../shared/bundles';
import type { EngineApi } from '../../../shared/contract';
import { LatheError } from '../../../shared/errors';
import type { Db } from '../db/connection';
import { KeysRepo, type KeyringRow } from '../db/keysRepo';
import { bundleSigner } from './importBundle';
import type { BundleService } from './service';
import { fingerprintOf, parsePublicKey, toPem, WorkspaceKey } from './signing';

/**
 * The keyring: the signers whose bundles this workspace knows, managed by the user (trust, remove).
 * Trust is a statement the user makes about a key they checked (compare the fingerprint with the
 * sender by another channel); an import from an unknown signer still imports, with a warning.
 */
export class Keyring {
  readonly repo: KeysRepo;
  readonly own: WorkspaceKey;

  constructor(db: Db, home: string) {
    this.repo = new KeysRepo(db);
    this.own = new WorkspaceKey(home);
  }

  list(): SigningKey[] {
    return this.repo.all().map(toKey);
  }

  /** Adds a key (PEM or base64 DER), under `name`; trusting a key again renames it. */
  trust(publicKey: string, name: string | undefined): SigningKey {
    const der = parsePublicKey(publicKey);
    return this.trustDer(der, name);
  }

  trustDer(der: Buffer, name: string | undefined): SigningKey {
    const fingerprint = fingerprintOf(der);
    if (fingerprint === this.own.info().fingerprint) throw new LatheError('INVALID_INPUT', "That is this workspace's own key; its bundles are always known", { where: 'publicKey' });
    const row: KeyringRow = { fingerprint, name: name ?? `key ${fingerprint.slice(0, 16)}`, public_key: der.toString('base64'), trusted_at: Date.now() };
    this.repo.trust(row);
    return toKey(this.repo.get(fingerprint) ?? row);
  }

  /** Removes by fingerprint or an unambiguous prefix of it (at least 8 hex digits). */
  remove(prefix: string): { removed: boolean } {
    const hits = this.repo.matching(prefix);
    if (hits.length > 1) throw new LatheError('INVALID_INPUT', `${hits.length} keys start with ${prefix}; give more of the fingerprint`, { where: 'fingerprint' });
    return { removed: hits.length === 1 && this.repo.remove(hits[0]) };
  }

  /** What an import says about a verified signer (or an unsigned bundle). */
  describe(signer: { fingerprint: string; name: string } | null): BundleSigner {
    if (!signer) {
      const unsigned = { signed: false, fingerprint: null, name: null, known: false, self: false };
      return { ...unsigned, warning: signerWarning(unsigned) };
    }
    const self = signer.fingerprint === this.own.info().fingerprint;
    const trusted = this.repo.get(signer.fingerprint);
    const s = { signed: true, fingerprint: signer.fingerprint, name: trusted?.name ?? signer.name, known: self || trusted !== undefined, self };
    return { ...s, warning: signerWarning(s) };
  }
}

function toKey(r: KeyringRow): SigningKey {
  return { fingerprint: r.fingerprint, name: r.name, publicKey: toPem(Buffer.from(r.public_key, 'base64')), createdAt: r.trusted_at };
}

/** The warning an import carries for its signer, if any. */
export function signerWarning(s: Omit<BundleSigner, 'warning'>): string | null {
  if (!s.signed) return 'The bundle is unsigned (made by an older Lathe, or its signature was removed): its origin cannot be checked.';
  if (!s.known) {
    return `The bundle is signed by an unknown key: "${s.name}" (${formatFingerprint(s.fingerprint ?? '')}). Check the fingerprint with its sender, then \`lathe keys trust --bundle <file>\`.`;
  }
  return null;
}

/** The short form people compare: the first 32 hex digits in groups of four. */
export function formatFingerprint(f: string): string {
  return (f.slice(0, 32).match(/.{1,4}/g) ?? []).join(':');
}

type KeyCalls = 'keys.self' | 'keys.list' | 'keys.trust' | 'keys.remove';

/** The contract methods of the keyring, spread into the engine. */
export function keyMethods(bundles: BundleService): Pick<EngineApi, KeyCalls> {
  const keys = bundles.keys;
  return {
    'keys.self': async () => keys.own.info(),
    'keys.list': async () => keys.list(),
    'keys.trust': async (i) => {
      if (i.publicKey !== undefined) return keys.trust(i.publicKey, i.name);
      const signer = await bundleSigner(i.bundle as string, bundles.limits.maxManifestBytes);
      if (!signer) throw new LatheError('INVALID_INPUT', 'That bundle is unsigned: there is no key to trust', { where: 'bundle', hint: 'Ask its sender for their public key (`lathe keys self`).' });
      return keys.trustDer(signer.publicDer, i.name ?? signer.name);
    },
    'keys.remove': async (i) => keys.remove(i.fingerprint),
  };
}

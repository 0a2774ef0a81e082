import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { SigningKey } from '../../../shared/bundles';
import { LatheError } from '../../../shared/errors';
import { hashSchema } from '../../../shared/ids';
import { osUser } from '../registry/osUser';

/**
 * Bundle signatures. A workspace has one Ed25519 key pair, made on first use and kept under
 * `keys/` in the workspace (the private key mode 0600). An export signs the sha256 of its manifest's
 * exact bytes; the manifest lists every object with its sha256 and the import checks every object
 * against it, so the signature covers the whole bundle. The signature travels in a pax extended header
 * of the manifest entry (`LATHE.signature`): readers that do not know it (older Lathe, tar) ignore it,
 * and the archive's entries stay exactly manifest.json + objects/<sha256>.
 */
export const SIGNATURE_PAX_KEY = 'LATHE.signature';
const MESSAGE_PREFIX = 'lathe-bundle-signature-v1\n';

const claimSchema = z
  .object({
    v: z.literal(1),
    alg: z.literal('ed25519'),
    /** The signer's public key: SPKI DER, base64. */
    key: z.string().min(40).max(1000),
    name: z.string().max(200),
    /** sha256 hex of the manifest bytes that were signed. */
    manifest: hashSchema('a manifest hash'),
    sig: z.string().min(40).max(200),
  })
  .strict();
export type SignatureClaim = z.output<typeof claimSchema>;

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
export const fingerprintOf = (spkiDer: Buffer) => sha256(spkiDer);
const message = (manifestHash: string) => Buffer.from(`${MESSAGE_PREFIX}${manifestHash}\n`);

export function signatureRefused(why: string): LatheError {
  return new LatheError('SIGNATURE', `Bundle refused: its signature is broken (${why}). Nothing was changed.`, {
    where: 'signature',
    hint: 'The bundle was changed after it was signed, or damaged on the way. Ask its sender for a new export.',
  });
}

/** The workspace's own key: loaded from keys/, or made there on first use. */
export class WorkspaceKey {
  private cached: { privateKey: KeyObject; publicDer: Buffer; name: string; createdAt: number } | null = null;

  constructor(private readonly home: string) {}

  private get dir(): string {
    return path.join(this.home, 'keys');
  }

  private load() {
    if (this.cached) return this.cached;
    const keyFile = path.join(this.dir, 'bundle-signing.key');
    const infoFile = path.join(this.dir, 'bundle-signing.json');
    if (!fs.existsSync(keyFile)) this.make(keyFile, infoFile);
    const privateKey = createPrivateKey(fs.readFileSync(keyFile));
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { name: string; createdAt: number };
    const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    this.cached = { privateKey, publicDer, name: info.name, createdAt: info.createdAt };
    return this.cached;
  }

  /** Written to temp files and renamed: a crash never leaves half a key. The private key is 0600 from the start. */
  private make(keyFile: string, infoFile: string): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const tmpKey = `${keyFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmpKey, pem, { mode: 0o600 });
    fs.chmodSync(tmpKey, 0o600); // a umask cannot widen it
    fs.writeFileSync(`${infoFile}.tmp-${process.pid}`, JSON.stringify({ name: `${osUser()}@${os.hostname()}`, createdAt: Date.now() }));
    fs.renameSync(`${infoFile}.tmp-${process.pid}`, infoFile);
    fs.renameSync(tmpKey, keyFile);
  }

  info(): SigningKey {
    const k = this.load();
    return { fingerprint: fingerprintOf(k.publicDer), name: k.name, publicKey: toPem(k.publicDer), createdAt: k.createdAt };
  }

  /** The claim that goes into the bundle for these manifest bytes. */
  sign(manifestBytes: Buffer): SignatureClaim {
    const k = this.load();
    const manifest = sha256(manifestBytes);
    return { v: 1, alg: 'ed25519', key: k.publicDer.toString('base64'), name: k.name, manifest, sig: sign(null, message(manifest), k.privateKey).toString('base64') };
  }
}

export function toPem(spkiDer: Buffer): string {
  return createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
}

/** A public key as people paste it (PEM, or its base64 body): its DER bytes, checked to be Ed25519. */
export function parsePublicKey(text: string): Buffer {
  const body = text.includes('-----BEGIN') ? text : `-----BEGIN PUBLIC KEY-----\n${text.replace(/\s+/g, '')}\n-----END PUBLIC KEY-----\n`;
  let key: KeyObject;
  try {
    key = createPublicKey(body);
  } catch (e) {
    throw new LatheError('INVALID_INPUT', `That is not a public key (${(e as Error).message})`, { where: 'publicKey', hint: 'Paste the output of `lathe keys self --public` from the signer.' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new LatheError('INVALID_INPUT', `That is a ${key.asymmetricKeyType} key; bundle keys are Ed25519`, { where: 'publicKey' });
  return key.export({ type: 'spki', format: 'der' });
}

/**
 * Checks the signature of a manifest: null when the bundle is unsigned; the signer's key when it
 * verifies; a SIGNATURE error when there is a signature and it does not hold.
 */
export function verifyManifest(pax: Record<string, string> | undefined, manifestBytes: Buffer): { fingerprint: string; name: string; publicDer: Buffer } | null {
  const raw = pax?.[SIGNATURE_PAX_KEY];
  if (raw === undefined) return null;
  let claim: SignatureClaim;
  try {
    claim = claimSchema.parse(JSON.parse(raw));
  } catch {
    throw signatureRefused('its signature record is malformed');
  }
  if (claim.manifest !== sha256(manifestBytes)) throw signatureRefused('the manifest was changed after it was signed');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(claim.key, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw signatureRefused("the signer's public key does not parse");
  }
  if (key.asymmetricKeyType !== 'ed25519') throw signatureRefused(`the signer's key is ${key.asymmetricKeyType}, not Ed25519`);
  const ok = verify(null, message(claim.manifest), key, Buffer.from(claim.sig, 'base64'));
  if (!ok) throw signatureRefused('the signature does not verify with the key it names');
  const publicDer = key.export({ type: 'spki', format: 'der' });
  // eslint-disable-next-line no-control-regex
  return { fingerprint: fingerprintOf(publicDer), name: claim.name.replace(/[\u0000-\u001f\u007f]/g, '?'), publicDer };
}

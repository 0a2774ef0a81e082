import { z } from 'zod';
import type { BundleMetadata } from '../../../shared/bundles';
import { LatheError } from '../../../shared/errors';
import { HASH_PATTERN, hashSchema as contentHashSchema } from '../../../shared/ids';
import type { ChunkerOptions } from '../store/fastcdc';

/**
 * The registry bundle format (docs/REGISTRY.md): a tar file, optionally gzip-compressed, holding
 * exactly `manifest.json` (first) and one `objects/<sha256>` entry per object the manifest lists.
 */
export const BUNDLE_FORMAT = 'lathe-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const MANIFEST_NAME = 'manifest.json';

export interface BundleLimits {
  /** Largest total of decompressed bytes accepted. */
  maxBytes: number;
  /** Largest manifest accepted. */
  maxManifestBytes: number;
  /** Largest ratio of decompressed to compressed bytes (checked once past `ratioGrace` bytes). */
  maxRatio: number;
  ratioGrace: number;
  maxEntries: number;
}

export const DEFAULT_LIMITS: BundleLimits = {
  maxBytes: 256 * 1024 ** 3,
  maxManifestBytes: 256 * 1024 ** 2,
  maxRatio: 200,
  ratioGrace: 16 * 1024 ** 2,
  maxEntries: 5_000_000,
};

const hashSchema = contentHashSchema('an object hash');

export const manifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.number().int(),
  createdAt: z.number(),
  createdBy: z.string(),
  appVersion: z.string(),
  objects: z.array(z.object({ hash: hashSchema, size: z.number().int().min(0) }).strict()),
  /**
   * Optional (added within version 1; older readers ignore it): each object's chunks as
   * [sha256, length] pairs, so an import can store them without finding the boundaries again. Claims
   * only: every chunk and every object is still hashed from the bytes received.
   */
  // Each entry is [chunk sha256, length]: checked in `checkChunkEntries` (tens of thousands of tuples
  // for a gigabyte; zod's per-element walk cost more than the rest of the manifest together).
  chunks: z.record(hashSchema, z.array(z.unknown())).optional(),
  metadata: z.object({
    models: z.array(z.object({ name: z.string(), description: z.string(), created_at: z.number() }).passthrough()),
    versions: z.array(z.record(z.string(), z.unknown())),
    files: z.array(z.object({ version_id: z.string(), path: z.string(), blob_hash: hashSchema, size: z.number() }).passthrough()),
    aliases: z.array(z.record(z.string(), z.unknown())),
    moves: z.array(z.record(z.string(), z.unknown())),
    exports: z.array(z.record(z.string(), z.unknown())),
    experiments: z.array(z.record(z.string(), z.unknown())),
    runs: z.array(z.object({ id: z.string(), artifacts: z.array(z.object({ blob_hash: hashSchema }).passthrough()) }).passthrough()),
    lineage: z.array(z.record(z.string(), z.unknown())),
    datasets: z.array(
      z.object({
        dataset: z.record(z.string(), z.unknown()),
        version: z.object({ index_blob: hashSchema.nullable(), files: z.array(z.object({ blob_hash: hashSchema }).passthrough()) }).passthrough(),
      }),
    ),
    /** Reference profiles for monitoring (added within version 1; older readers drop them). */
    references: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});
/** A manifest as read: its rows not yet through the gate (manifestGate.ts), only their object references. */
export type RawManifest = Omit<z.output<typeof manifestSchema>, 'chunks'> & { chunks?: Record<string, [string, number][]> };
/** A manifest as written: its rows are the one bundle row type. */
export type Manifest = Omit<RawManifest, 'metadata'> & { metadata: BundleMetadata };

export function refused(reason: string, where?: string): LatheError {
  return new LatheError('BAD_FILE', `Bundle refused: ${reason}. Nothing was changed.`, { where });
}

// eslint-disable-next-line no-control-regex -- control characters are what gets replaced
const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);

/**
 * Checks an entry name (unsafe characters and paths, duplicates, names that collide once
 * NFC-normalised or case-folded); returns the object hash for objects/<hash>, null for the manifest,
 * and undefined for a safe name the format does not know (refused once the archive has been read, so a
 * later duplicate or colliding name is still reported as such).
 */
export function checkEntryName(name: string, seen: { names: Set<string>; keys: Map<string, string> }): string | null | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw refused(`entry "${printable(name)}" has a NUL or control character in its name`, printable(name));
  if (name.includes('\\')) throw refused(`entry "${name}" has a backslash in its name`, name);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('//')) throw refused(`entry "${name}" has an absolute or drive path`, name);
  const parts = name.split('/');
  if (parts.some((p) => p === '..')) throw refused(`entry "${name}" climbs out with ".."`, name);
  if (parts.some((p) => p === '' || p === '.')) throw refused(`entry "${name}" has an empty or "." path part`, name);
  if (seen.names.has(name)) throw refused(`entry "${name}" appears twice`, name);
  const key = collisionKey(name);
  const twin = seen.keys.get(key);
  if (twin !== undefined) throw refused(`entries "${twin}" and "${name}" are the same name after Unicode normalisation or case folding`, name);
  seen.names.add(name);
  seen.keys.set(key, name);
  if (name === MANIFEST_NAME) return null;
  const m = /^objects\/([0-9a-f]{64})$/.exec(name);
  return m ? m[1] : undefined;
}

/** The key two names collide under: Unicode NFC, then case folded. */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase().normalize('NFC');
}

export function parseManifest(buf: Buffer): RawManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw refused(`the manifest is not valid JSON (${(e as Error).message})`, MANIFEST_NAME);
  }
  const head = raw as { format?: unknown; formatVersion?: unknown };
  if (head?.format !== BUNDLE_FORMAT) throw refused(`it is not a Lathe registry bundle (format "${String(head?.format)}")`, MANIFEST_NAME);
  if (head.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw refused(`its format version ${String(head.formatVersion)} is unknown to this Lathe (reads version ${BUNDLE_FORMAT_VERSION})`, MANIFEST_NAME);
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw refused(`the manifest is malformed at ${issue.path.join('.')}: ${issue.message}`, MANIFEST_NAME);
  }
  if (r.data.chunks) checkChunkEntries(r.data.chunks);
  return r.data as RawManifest;
}

/** Every chunk list entry is [its sha256 (64 lower-case hex digits), its length (an integer >= 1)], nothing more. */
function checkChunkEntries(chunks: Record<string, unknown[]>): void {
  for (const [hash, list] of Object.entries(chunks)) {
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const ok = Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && HASH_PATTERN.test(e[0]) && Number.isSafeInteger(e[1]) && (e[1] as number) >= 1;
      if (!ok) throw refused(`the manifest is malformed at chunks.${hash}.${i}: a chunk is [its sha256 as 64 lower-case hex digits, its length as a whole number of at least 1]`, MANIFEST_NAME);
    }
  }
}

/**
 * The manifest's chunk lists (optional): each for a listed object, summing to its size, with chunk
 * sizes this store could have cut (at most `max`; all but the last at least `min`), so a bundle cannot
 * make the store index millions of tiny chunks. The hashes are only claims, checked as bytes arrive.
 */
export function checkChunkLists(m: RawManifest, opts: ChunkerOptions): Map<string, [string, number][]> {
  const out = new Map<string, [string, number][]>();
  if (!m.chunks) return out;
  const sizes = new Map(m.objects.map((o) => [o.hash, o.size]));
  for (const [hash, list] of Object.entries(m.chunks)) {
    const size = sizes.get(hash);
    const what = `the chunk list of object ${hash.slice(0, 12)}`;
    if (size === undefined) throw refused(`the manifest has a chunk list for object ${hash.slice(0, 12)}, which it does not list`, MANIFEST_NAME);
    let sum = 0;
    list.forEach(([, len], k) => {
      if (len > opts.max || (k < list.length - 1 && len < opts.min)) throw refused(`${what} has a chunk of ${len} bytes (chunks are ${opts.min}-${opts.max} bytes)`, MANIFEST_NAME);
      sum += len;
    });
    if (sum !== size) throw refused(`${what} adds up to ${sum} bytes; the object is ${size}`, MANIFEST_NAME);
    out.set(hash, list);
  }
  return out;
}

/** Every object the metadata points at must be one of the bundle's objects. */
export function checkReferences(m: RawManifest): void {
  const listed = new Set(m.objects.map((o) => o.hash));
  const need = (h: string | null, what: string, field: string) => {
    if (h && !listed.has(h)) throw refused(`the metadata references object ${h.slice(0, 12)} (${what}, field ${field}) that is not in the bundle`, `metadata.${field}`);
  };
  m.metadata.files.forEach((f, k) => need(f.blob_hash, `file ${printable(f.path)} of model version ${printable(f.version_id.slice(0, 12))}`, `files[${k}].blob_hash`));
  m.metadata.runs.forEach((r, k) => r.artifacts.forEach((a, j) => need(a.blob_hash, `an artifact of run ${printable(r.id.slice(0, 12))}`, `runs[${k}].artifacts[${j}].blob_hash`)));
  m.metadata.datasets.forEach((d, k) => {
    need(d.version.index_blob, 'a dataset index', `datasets[${k}].version.index_blob`);
    d.version.files.forEach((f, j) => need(f.blob_hash, 'a dataset file', `datasets[${k}].version.files[${j}].blob_hash`));
  });
  const versionIds = new Set(m.metadata.versions.map((v) => String(v.id)));
  m.metadata.files.forEach((f, k) => {
    if (!versionIds.has(f.version_id)) throw refused(`a model file belongs to version ${printable(f.version_id.slice(0, 12))}, which is not in the bundle (field files[${k}].version_id)`, `metadata.files[${k}].version_id`);
  });
}

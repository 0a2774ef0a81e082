import { z } from 'zod';
import { LatheError } from '../../../shared/errors';

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

const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'an object hash is 64 lower-case hex digits');

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
  chunks: z.record(hashSchema, z.array(z.tuple([hashSchema, z.number().int().min(1)]))).optional(),
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
  }),
});
export type Manifest = z.output<typeof manifestSchema>;

export function refused(reason: string, where?: string): LatheError {
  return new LatheError('BAD_FILE', `Bundle refused: ${reason}. Nothing was changed.`, { where });
}

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

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import tar from 'tar-stream';

/**
 * Taking a real bundle apart and putting it back together, for hostile-bundle tests: the archive layer
 * stays valid (every object under its true hash, the manifest first), so what is tested is the row gate.
 */
export interface OpenBundle {
  manifest: BundleManifestJson;
  /** The pax records of the manifest entry (the signature), if any. */
  pax: Record<string, string> | undefined;
  manifestBytes: Buffer;
  objects: Map<string, Buffer>;
}

export interface BundleManifestJson {
  objects: { hash: string; size: number }[];
  chunks?: Record<string, [string, number][]>;
  metadata: Record<string, Record<string, unknown>[]>;
  [k: string]: unknown;
}

export const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export async function openBundle(file: string): Promise<OpenBundle> {
  let bytes = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  const extract = tar.extract();
  const out: Partial<OpenBundle> & { objects: Map<string, Buffer> } = { objects: new Map() };
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      const data = Buffer.concat(parts);
      if (entry.header.name === 'manifest.json') {
        out.manifestBytes = data;
        out.manifest = JSON.parse(data.toString('utf8')) as BundleManifestJson;
        out.pax = (entry.header as { pax?: Record<string, string> }).pax;
      } else out.objects.set(entry.header.name.slice('objects/'.length), data);
    }
  })();
  extract.end(bytes);
  await done;
  return out as OpenBundle;
}

/** A tar of manifest (first, with the given pax records) and objects, with tar-stream's own writer. */
export async function packBundle(manifest: Buffer, objects: Map<string, Buffer>, pax?: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  pack.on('data', (c: unknown) => void parts.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  const entry = (header: Parameters<typeof pack.entry>[0], data: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry(header, data, (err) => (err ? reject(err) : resolve())));
  await entry({ name: 'manifest.json', size: manifest.length, mode: 0o644, ...(pax ? { pax } : {}) }, manifest);
  for (const [hash, data] of objects) await entry({ name: `objects/${hash}`, size: data.length, mode: 0o644 }, data);
  pack.finalize();
  await ended;
  return Buffer.concat(parts);
}

/**
 * A bundle rebuilt from `b` after `edit` changed its manifest (a deep copy) and perhaps its objects:
 * the object list and chunk lists are made true again, unsigned (the signature would not hold).
 */
export async function rebuild(b: OpenBundle, edit: (m: BundleManifestJson, objects: Map<string, Buffer>) => void): Promise<Buffer> {
  const m = structuredClone(b.manifest);
  const objects = new Map(b.objects);
  edit(m, objects);
  m.objects = [...objects].map(([hash, data]) => ({ hash, size: data.length }));
  if (m.chunks) for (const h of Object.keys(m.chunks)) if (!objects.has(h)) delete m.chunks[h];
  return packBundle(Buffer.from(JSON.stringify(m)), objects);
}

/** Replaces an object with new bytes under their true hash, and repoints every reference to it. */
export function replaceObject(m: BundleManifestJson, objects: Map<string, Buffer>, oldHash: string, data: Buffer): string {
  const h = sha(data);
  objects.delete(oldHash);
  objects.set(h, data);
  if (m.chunks) delete m.chunks[oldHash]; // the importer chunks it itself
  const text = JSON.stringify(m.metadata).split(oldHash).join(h);
  m.metadata = JSON.parse(text) as BundleManifestJson['metadata'];
  return h;
}

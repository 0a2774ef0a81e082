import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { LatheError } from '../../../shared/errors';
import type { BundleImportResult } from '../../../shared/registry';
import { deferForeignKeys } from '../db/connection';
import { emptyUndo } from '../db/pendingFlushRepo';
import { newId } from '../ids';
import { HashWorker } from '../store/hashWorker';
import { Writeback } from '../store/durable';
import { verifyChunked } from '../store/verification';
import { checkChunkLists, checkEntryName, checkReferences, MANIFEST_NAME, parseManifest, refused, type RawManifest } from './format';
import { gateIndexes, gateMetadata, indexHashes, type GateResult } from './manifestGate';
import { mergeRows, type MergeResult } from './merge';
import type { BundleService } from './service';
import { verifyManifest } from './signing';

export interface ImportInput {
  file: string;
  dryRun: boolean;
  force: boolean;
}

/** Counts bytes through a stream and stops it past the limits (a gzip bomb never inflates fully). */
class Meter extends Transform {
  bytes = 0;
  constructor(private readonly check: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    try {
      this.check(this.bytes);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb(null, chunk);
  }
}

/** Passes an entry's bytes through and hands over a copy of all of them at the end. */
async function* keepCopy(entry: AsyncIterable<Buffer>, done: (all: Buffer) => void): AsyncGenerator<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const c of entry) {
    parts.push(Buffer.from(c));
    yield c;
  }
  done(Buffer.concat(parts));
}

class DryRun extends Error {
  constructor(readonly result: MergeResult) {
    super('dry run');
  }
}

/**
 * Imports a bundle: the archive is read once, as a stream. The manifest comes first: its signature is
 * verified, its rows pass the gate (manifestGate.ts) before any object is read; every object is hashed
 * as it arrives into a quarantine staging pack; then the row indexes are checked, and everything is
 * committed in one transaction, or nothing. The pack is not fsynced before the call returns: the
 * transaction records it as pending (store/deferredFlush.ts) and it is synced in the background; a
 * crash before that is caught at the next start, which rolls the whole import back if any of its
 * chunks did not reach the disk (bundles/interrupted.ts).
 */
export async function importBundle(b: BundleService, i: ImportInput): Promise<BundleImportResult> {
  const file = path.resolve(i.file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new LatheError('NOT_FOUND', `No bundle at ${file}`, { where: 'file' });
  }
  if (!stat.isFile()) throw new LatheError('INVALID_INPUT', `${file} is not a file`, { where: 'file' });
  const limits = b.limits;
  const task = newId();
  const label = `Import ${path.basename(file)}`;

  // Everything lands in a quarantine first: a staging pack under the workspace's tmp/ for new
  // objects (sealed only after every check passed) and nothing in the database.
  const quarantine = path.join(b.store.tmpDir, `bundle-${task}`);
  fs.mkdirSync(quarantine, { recursive: true });
  const session = i.dryRun ? null : b.store.beginStage();
  if (session) {
    // The pack is written with O_DIRECT off the main thread where possible (store/directWriter.ts):
    // through the page cache its writes cost more than hashing it. Else written back in 32 MiB steps.
    session.directWrites = true;
    session.writeback = new Writeback();
  }
  // Objects with a chunk list are hashed twice (each chunk, and the whole object): the whole-object
  // hash runs on a second thread for large bundles.
  const hasher = stat.size > b.hashThreadMin ? HashWorker.start() : null;
  let manifest: RawManifest | null = null;
  let gate: GateResult | null = null;
  let signer: ReturnType<typeof verifyManifest> = null;
  // Row indexes are checked against their versions once their bytes arrived: kept in memory (small).
  let indexSet = new Set<string>();
  const indexBytes = new Map<string, Buffer>();
  const declared = new Map<string, number>();
  const received = new Set<string>();
  let newObjects = 0;
  let newBytes = 0;
  let reading = true;
  let claims = new Map<string, [string, number][]>();
  try {
    const head = Buffer.alloc(2);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, head, 0, 2, 0);
    fs.closeSync(fd);
    const gz = head[0] === 0x1f && head[1] === 0x8b;
    const source = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
    let compressed = 0;
    source.on('data', (c) => (compressed += c.length));
    const meter = new Meter((bytes) => {
      if (bytes > limits.maxBytes) throw refused(`it expands to more than ${limits.maxBytes} bytes (the limit)`);
      if (gz && bytes > limits.ratioGrace && bytes / Math.max(1, compressed) > limits.maxRatio) {
        throw refused(`it expands more than ${limits.maxRatio}x (a compression bomb?)`);
      }
    });
    const extract = tar.extract();
    const streams: NodeJS.ReadableStream[] = gz ? [source, zlib.createGunzip(), meter] : [source, meter];
    const feeding = (pipeline as (...s: unknown[]) => Promise<void>)(...streams, extract).catch((e: unknown) => {
      extract.destroy(e as Error);
      throw e;
    });
    const seen = { names: new Set<string>(), keys: new Map<string, string>() };
    let entries = 0;
    let done = 0;
    let unknown: string | undefined;
    const consume = async () => {
      for await (const entry of extract) {
        const h = entry.header;
        if (++entries > limits.maxEntries) throw refused(`it has more than ${limits.maxEntries} entries`);
        if (h.type === 'symlink' || h.type === 'link') throw refused(`entry "${h.name}" is a ${h.type === 'link' ? 'hard link' : 'symbolic link'}`, h.name);
        if (h.type !== 'file') throw refused(`entry "${h.name}" is a ${h.type ?? 'special'} entry, not a file`, h.name);
        const hash = checkEntryName(h.name, seen);
        if (hash === undefined) {
          unknown ??= h.name;
          for await (const c of entry) void c; // read through (bounded by the meter), never kept
          continue;
        }
        if (hash === null) {
          if (entries !== 1) throw refused(`${MANIFEST_NAME} must be the first entry`);
          if ((h.size ?? 0) > limits.maxManifestBytes) throw refused(`the manifest is over ${limits.maxManifestBytes} bytes`);
          const parts: Buffer[] = [];
          for await (const c of entry) parts.push(c as Buffer);
          const manifestBytes = Buffer.concat(parts);
          // A broken signature refuses the bundle before anything else is believed.
          signer = verifyManifest((h as { pax?: Record<string, string> }).pax, manifestBytes); // tar-stream's types omit `pax`
          manifest = parseManifest(manifestBytes);
          for (const o of manifest.objects) {
            if (declared.has(o.hash)) throw refused(`the manifest lists object ${o.hash.slice(0, 12)} twice`);
            declared.set(o.hash, o.size);
          }
          checkReferences(manifest);
          claims = checkChunkLists(manifest, b.store.chunking);
          gate = gateMetadata(manifest.metadata, declared, { createdBy: manifest.createdBy, createdAt: manifest.createdAt });
          indexSet = indexHashes(gate.metadata);
          continue;
        }
        if (!manifest) throw refused(`${MANIFEST_NAME} must be the first entry`);
        const size = declared.get(hash);
        if (size === undefined) throw refused(`object ${hash.slice(0, 12)} is not listed in the manifest`, h.name);
        if (h.size !== size) throw refused(`object ${hash.slice(0, 12)} is ${h.size} bytes; the manifest says ${size}`, h.name);
        received.add(hash);
        const have = b.store.hasBlob(hash);
        const claimed = claims.get(hash);
        const bad = (why: string) => refused(`object ${hash.slice(0, 12)}'s bytes do not match its hash (${why})`, h.name);
        const data: AsyncIterable<Uint8Array> = indexSet.has(hash) ? keepCopy(entry as AsyncIterable<Buffer>, (buf) => indexBytes.set(hash, buf)) : (entry as AsyncIterable<Buffer>);
        let got: { hash: string; size: number };
        if (session && !have) {
          // With a chunk list the boundaries are taken from the manifest (each chunk verified);
          // without one (an older bundle) the object is chunked here.
          got = claimed
            ? await session.addChunked(data, claimed, bad, hasher ?? undefined)
            : await session.addStream(data);
          newObjects++;
          newBytes += got.size;
        } else if (claimed) {
          // Not stored (a dry run, or already here), but the claims are checked all the same.
          got = await verifyChunked(data, claimed, bad, undefined, hasher ?? undefined);
          if (!have) {
            newObjects++;
            newBytes += got.size;
          }
        } else {
          const sha = createHash('sha256');
          let n = 0;
          for await (const c of data) {
            sha.update(c);
            n += c.length;
          }
          got = { hash: sha.digest('hex'), size: n };
          if (!have) {
            newObjects++;
            newBytes += n;
          }
        }
        if (got.hash !== hash || got.size !== size) throw refused(`object ${hash.slice(0, 12)}'s bytes do not match its hash`, h.name);
        done += size;
        b.progress(task, label, 'checking', done, stat.size);
      }
    };
    await Promise.all([feeding, consume()]);
    if (unknown !== undefined) throw refused(`entry "${unknown}" is not part of the bundle format (only ${MANIFEST_NAME} and objects/<sha256>)`, unknown);
    if (!manifest) throw refused('it has no manifest (an empty or truncated archive?)');
    const missing = [...declared.keys()].filter((h) => !received.has(h));
    if (missing.length) throw refused(`${missing.length} object(s) listed in the manifest are missing from it (${missing[0].slice(0, 12)}...)`);
    // Assigned inside the consuming loop, which the compiler does not follow.
    const m = manifest as RawManifest | null;
    const gated = gate as GateResult | null;
    if (!m || !gated) throw refused('it has no manifest (an empty or truncated archive?)');
    const rows = gated.metadata;
    gateIndexes(rows, (h) => indexBytes.get(h) ?? Buffer.alloc(0));
    // All checks passed: commit everything, or nothing, in one transaction.
    if (session) {
      await session.settle();
      session.seal({ durable: false });
    }
    reading = false;
    const undo = emptyUndo();
    let pending: string | null = null;
    const result = b.db.transaction(() => {
      // A dry run writes no objects: foreign keys to blobs are checked at commit, which it never reaches.
      if (i.dryRun) deferForeignKeys(b.db);
      if (session) b.store.commit(session);
      const r = mergeRows(b, rows, i.force, undo);
      if (i.dryRun) throw new DryRun(r);
      // The journal row commits with the rows it covers (one WAL transaction): both or neither survive a crash.
      if (session?.hasPack) {
        undo.blobs = session.blobs.map((x) => x.hash);
        pending = b.store.deferred.record({
          kind: 'bundle-import',
          label: file,
          packId: session.packId,
          chunks: session.newChunks.map((c) => [c.hash, c.offset, c.length]),
          undo,
        });
      }
      return r;
    });
    let res: MergeResult;
    try {
      res = result();
    } catch (e) {
      if (e instanceof DryRun) res = e.result;
      else throw e;
    }
    if (pending && session) b.store.deferred.start(pending, session.packId);
    if (!i.dryRun) for (const model of new Set(rows.versions.map((v) => v.model))) b.events.emit('models.changed', { model });
    const who = b.keys.describe(signer);
    b.progress(task, label, i.dryRun ? 'checked' : 'imported', stat.size, stat.size);
    return {
      dryRun: i.dryRun,
      formatVersion: m.formatVersion,
      ...res,
      objects: { total: declared.size, new: newObjects, bytes: newBytes },
      signer: who,
      warnings: [...(who.warning ? [who.warning] : []), ...gated.notes],
    };
  } catch (e) {
    session?.abort();
    // Close the progress bar: a refused bundle is a finished task too.
    b.progress(task, label, 'refused', stat.size, stat.size);
    if (e instanceof LatheError || !reading) throw e;
    const msg = (e as Error).message ?? String(e);
    throw refused(`it is not a readable archive (${msg}) — truncated or corrupt`);
  } finally {
    hasher?.close();
    fs.rmSync(quarantine, { recursive: true, force: true });
  }
}

/**
 * The verified signer of a bundle file, read from its first entry only (for `keys.trust --bundle`):
 * null when it is unsigned; a SIGNATURE error when its signature does not hold.
 */
export async function bundleSigner(file: string, maxManifestBytes: number): Promise<{ fingerprint: string; name: string; publicDer: Buffer } | null> {
  const head = Buffer.alloc(2);
  let fd: number;
  try {
    fd = fs.openSync(path.resolve(file), 'r');
  } catch {
    throw new LatheError('NOT_FOUND', `No bundle at ${path.resolve(file)}`, { where: 'bundle' });
  }
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const source = fs.createReadStream(file);
  const extract = tar.extract();
  const streams: NodeJS.ReadableStream[] = head[0] === 0x1f && head[1] === 0x8b ? [source, zlib.createGunzip()] : [source];
  const feeding = (pipeline as (...s: unknown[]) => Promise<void>)(...streams, extract).catch(() => undefined);
  try {
    for await (const entry of extract) {
      if (entry.header.name !== MANIFEST_NAME) break;
      if ((entry.header.size ?? 0) > maxManifestBytes) throw refused(`the manifest is over ${maxManifestBytes} bytes`);
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      return verifyManifest((entry.header as { pax?: Record<string, string> }).pax, Buffer.concat(parts));
    }
    throw refused(`${MANIFEST_NAME} must be the first entry`);
  } finally {
    source.destroy();
    extract.destroy();
    await feeding;
  }
}

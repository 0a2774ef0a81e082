import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { TarWriter } from './tarWriter';
import { LatheError } from '../../../shared/errors';
import type { BundleConflict, BundleImportResult, BundleSummary } from '../../../shared/registry';
import { BundleRepo, type BundleDataset, type BundleDatasetVersion, type BundleExperiment, type BundleRun } from '../db/bundleRepo';
import { deferForeignKeys, type Db } from '../db/connection';
import type { AliasMoveRow, AliasRow, ExportRow, LineageRow, ModelFileRow, ModelRow, VersionRow } from '../db/registryRepo';
import type { EventBus } from '../events';
import { newId, osUser, type RegistryService } from '../registry/service';
import type { ChunkerOptions } from '../store/fastcdc';
import { HashWorker, InlineHasher, type Hasher } from '../store/hashWorker';
import { verifyChunked, Writeback, type ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import { APP_VERSION } from '../version';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, checkEntryName, DEFAULT_LIMITS, MANIFEST_NAME, manifestSchema, refused, type BundleLimits, type Manifest } from './format';

interface Metadata {
  models: ModelRow[];
  versions: VersionRow[];
  files: ModelFileRow[];
  aliases: AliasRow[];
  moves: AliasMoveRow[];
  exports: ExportRow[];
  experiments: BundleExperiment[];
  runs: BundleRun[];
  lineage: LineageRow[];
  datasets: { dataset: BundleDataset; version: BundleDatasetVersion }[];
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

/** Registry bundles: a portable subset of a workspace (models, runs, lineage, optionally data) in one file. */
export class BundleService {
  readonly repo: BundleRepo;
  limits: BundleLimits = { ...DEFAULT_LIMITS };
  /** Bundles larger than this (object bytes on export, file size on import) also hash on a second thread. */
  hashThreadMin = 32 * 1024 * 1024;

  constructor(
    readonly db: Db,
    readonly store: ObjectStore,
    readonly registry: RegistryService,
    readonly tracking: Tracking,
    readonly events: EventBus,
  ) {
    this.repo = new BundleRepo(db);
  }

  private progress(task: string, label: string, phase: string, done: number, total: number): void {
    this.events.emit('task.progress', { task, label, phase, done, total });
  }

  // Export ----------------------------------------------------------------------------------------

  private collect(i: { models?: string[]; runs?: string; withData: boolean }): Metadata {
    const reg = this.registry.repo;
    const versions = new Map<string, VersionRow>();
    const runIds = new Set<string>();
    if (i.models?.length) {
      for (const ref of i.models) {
        // A bare model name means every version of it.
        if (!ref.includes('@') && reg.model(ref)) for (const v of reg.versions(ref)) versions.set(v.id, v);
        else {
          const v = this.registry.resolve(ref);
          versions.set(v.id, v);
        }
      }
    }
    if (i.runs !== undefined) {
      let offset = 0;
      for (;;) {
        const page = this.tracking.runs.search({ query: i.runs, lifecycle: 'all', offset, limit: 10_000 } as never);
        for (const r of page.runs) runIds.add(r.id);
        if (page.nextOffset === null) break;
        offset = page.nextOffset;
      }
      for (const id of runIds) for (const v of reg.versionsOfRun(id)) versions.set(v.id, v);
    }
    if (!i.models?.length && i.runs === undefined) {
      for (const m of reg.models()) for (const v of reg.versions(m.name)) versions.set(v.id, v);
    }
    for (const v of versions.values()) if (v.run_id) runIds.add(v.run_id);

    const modelNames = [...new Set([...versions.values()].map((v) => v.model))].sort();
    const runs = [...runIds].map((id) => this.repo.run(id)).filter((r): r is BundleRun => r !== undefined);
    const experiments = [...new Set(runs.map((r) => r.experiment_id))].map((id) => this.repo.experiment(id)).filter((e): e is BundleExperiment => e !== undefined);
    const exports = reg.exportsOf([...versions.keys()]);
    const lineage = new Map<string, LineageRow>();
    const addEdges = (rows: LineageRow[]) => rows.forEach((r) => lineage.set(`${r.from_kind}|${r.from_id}|${r.to_kind}|${r.to_id}|${r.relation}`, r));
    for (const id of versions.keys()) {
      addEdges(reg.lineageTo('model_version', id));
      addEdges(reg.lineageFrom('model_version', id));
    }
    for (const r of runs) {
      addEdges(reg.lineageTo('run', r.id));
      addEdges(reg.lineageFrom('run', r.id).filter((l) => l.to_kind !== 'model_version' || versions.has(l.to_id)));
    }
    const datasets: Metadata['datasets'] = [];
    if (i.withData) {
      const ids = new Set([...lineage.values()].filter((l) => l.from_kind === 'dataset_version').map((l) => l.from_id));
      for (const id of ids) datasets.push(...this.repo.datasetVersions(id));
      datasets.sort((a, b) => a.version.number - b.version.number);
    }
    return {
      models: modelNames.map((n) => reg.model(n) as ModelRow),
      versions: [...versions.values()].sort((a, b) => a.model.localeCompare(b.model) || a.number - b.number),
      files: [...versions.keys()].flatMap((id) => reg.files(id)),
      aliases: modelNames.flatMap((n) => reg.aliases(n)).filter((a) => versions.has(a.version_id)),
      moves: modelNames.flatMap((n) => reg.moves(n)),
      exports,
      experiments,
      runs,
      lineage: [...lineage.values()],
      datasets,
    };
  }

  async exportBundle(i: { out: string; models?: string[]; runs?: string; withData: boolean; gzip: boolean }): Promise<BundleSummary> {
    const out = path.resolve(i.out);
    const meta = this.collect(i);
    const objects = new Map<string, number>();
    const add = (h: string | null) => {
      if (h && !objects.has(h)) objects.set(h, this.store.blobSize(h));
    };
    meta.files.forEach((f) => add(f.blob_hash));
    meta.runs.forEach((r) => r.artifacts.forEach((a) => add(a.blob_hash)));
    meta.datasets.forEach((d) => {
      add(d.version.index_blob);
      d.version.files.forEach((f) => add(f.blob_hash));
    });
    // Each object's chunk list rides along, so the importer need not find the boundaries again.
    const chunks: Record<string, [string, number][]> = {};
    for (const hash of objects.keys()) chunks[hash] = this.store.repo.blobChunks(hash).map((c) => [c.chunk_hash, c.length]);
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      createdAt: Date.now(),
      createdBy: osUser(),
      appVersion: APP_VERSION,
      objects: [...objects].map(([hash, size]) => ({ hash, size })),
      chunks,
      metadata: meta as unknown as Manifest['metadata'],
    };
    const task = newId();
    const label = `Bundle ${path.basename(out)}`;
    const total = [...objects.values()].reduce((a, b) => a + b, 0);
    const tmp = `${out}.lathe-tmp-${process.pid}`;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const store = this.store;
    // Objects stream from the packs in large reads. Every chunk is checked against its hash (on a
    // second thread for large bundles, while the tar is written); the file is only moved into place
    // once all of them matched.
    const hasher: Hasher = (total > this.hashThreadMin ? HashWorker.start() : null) ?? new InlineHasher();
    const chunksOf = async function* (hash: string): AsyncGenerator<Buffer> {
      for (const run of store.blobRuns(hash)) {
        await hasher.chunks(run.data, run.chunks);
        yield run.data;
      }
    };
    const fd = fs.openSync(tmp, 'w');
    // The kernel starts writing the bundle out as it grows, so the final fsync is short.
    const writeback = new Writeback();
    try {
      const gzip = i.gzip ? zlib.createGzip({ level: 6 }) : null;
      const sink = gzip ? fs.createWriteStream('', { fd, autoClose: false }) : null;
      const piping = gzip && sink ? pipeline(gzip, sink) : Promise.resolve();
      piping.catch(() => undefined); // awaited below; a failure before that point is reported by the throw that caused it
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      const tw = new TarWriter(gzip ? { stream: gzip } : { fd });
      await tw.file(MANIFEST_NAME, manifestBytes.length, manifest.createdAt, [manifestBytes]);
      let done = 0;
      let lastEmit = 0;
      for (const [hash, size] of objects) {
        await tw.file(`objects/${hash}`, size, manifest.createdAt, chunksOf(hash));
        if (!gzip) writeback.wrote(fd, size);
        done += size;
        if (done - lastEmit > 64 * 1024 * 1024 || done === total) {
          lastEmit = done;
          this.progress(task, label, 'writing', done, total);
        }
      }
      await tw.finish();
      const bad = await hasher.settle();
      if (bad) throw store.damaged(bad, store.repo.chunk(bad)?.pack_id ?? '?');
      if (gzip) {
        gzip.end();
        await piping;
      }
      await writeback.settle();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, out);
    } catch (e) {
      await writeback.settle().catch(() => undefined);
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(tmp, { force: true });
      throw e;
    } finally {
      hasher.close();
    }
    return {
      file: out,
      bytes: fs.statSync(out).size,
      objects: objects.size,
      objectBytes: total,
      models: meta.models.length,
      versions: meta.versions.length,
      runs: meta.runs.length,
      datasetVersions: meta.datasets.length,
    };
  }

  // Import ----------------------------------------------------------------------------------------

  async importBundle(i: { file: string; dryRun: boolean; force: boolean }): Promise<BundleImportResult> {
    const file = path.resolve(i.file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new LatheError('NOT_FOUND', `No bundle at ${file}`, { where: 'file' });
    }
    if (!stat.isFile()) throw new LatheError('INVALID_INPUT', `${file} is not a file`, { where: 'file' });
    const limits = this.limits;
    const task = newId();
    const label = `Import ${path.basename(file)}`;

    // Everything lands in a quarantine first: a staging pack under the workspace's tmp/ for new
    // objects (sealed only after every check passed) and nothing in the database.
    const quarantine = path.join(this.store.tmpDir, `bundle-${task}`);
    fs.mkdirSync(quarantine, { recursive: true });
    const session = i.dryRun ? null : this.store.beginStage();
    if (session) session.writeback = new Writeback();
    // Objects with a chunk list are hashed twice (each chunk, and the whole object): the whole-object
    // hash runs on a second thread for large bundles.
    const hasher = stat.size > this.hashThreadMin ? HashWorker.start() : null;
    let manifest: Manifest | null = null;
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
            manifest = parseManifest(Buffer.concat(parts));
            for (const o of manifest.objects) {
              if (declared.has(o.hash)) throw refused(`the manifest lists object ${o.hash.slice(0, 12)} twice`);
              declared.set(o.hash, o.size);
            }
            checkReferences(manifest);
            claims = checkChunkLists(manifest, this.store.chunking);
            continue;
          }
          if (!manifest) throw refused(`${MANIFEST_NAME} must be the first entry`);
          const size = declared.get(hash);
          if (size === undefined) throw refused(`object ${hash.slice(0, 12)} is not listed in the manifest`, h.name);
          if (h.size !== size) throw refused(`object ${hash.slice(0, 12)} is ${h.size} bytes; the manifest says ${size}`, h.name);
          received.add(hash);
          const have = this.store.hasBlob(hash);
          const claimed = claims.get(hash);
          const bad = (why: string) => refused(`object ${hash.slice(0, 12)}'s bytes do not match its hash (${why})`, h.name);
          let got: { hash: string; size: number };
          if (session && !have) {
            // With a chunk list the boundaries are taken from the manifest (each chunk verified);
            // without one (an older bundle) the object is chunked here.
            got = claimed
              ? await session.addChunked(entry as AsyncIterable<Uint8Array>, claimed, bad, hasher ?? undefined)
              : await session.addStream(entry as AsyncIterable<Uint8Array>);
            newObjects++;
            newBytes += got.size;
          } else if (claimed) {
            // Not stored (a dry run, or already here), but the claims are checked all the same.
            got = await verifyChunked(entry as AsyncIterable<Uint8Array>, claimed, bad, undefined, hasher ?? undefined);
            if (!have) {
              newObjects++;
              newBytes += got.size;
            }
          } else {
            const sha = createHash('sha256');
            let n = 0;
            for await (const c of entry) {
              sha.update(c as Buffer);
              n += (c as Buffer).length;
            }
            got = { hash: sha.digest('hex'), size: n };
            if (!have) {
              newObjects++;
              newBytes += n;
            }
          }
          if (got.hash !== hash || got.size !== size) throw refused(`object ${hash.slice(0, 12)}'s bytes do not match its hash`, h.name);
          done += size;
          this.progress(task, label, 'checking', done, stat.size);
        }
      };
      await Promise.all([feeding, consume()]);
      if (unknown !== undefined) throw refused(`entry "${unknown}" is not part of the bundle format (only ${MANIFEST_NAME} and objects/<sha256>)`, unknown);
      if (!manifest) throw refused('it has no manifest (an empty or truncated archive?)');
      const missing = [...declared.keys()].filter((h) => !received.has(h));
      if (missing.length) throw refused(`${missing.length} object(s) listed in the manifest are missing from it (${missing[0].slice(0, 12)}...)`);
      const m = manifest as Manifest;
      // All checks passed: commit everything, or nothing, in one transaction.
      if (session) {
        await session.settle();
        session.seal();
      }
      reading = false;
      const result = this.db.transaction(() => {
        // A dry run writes no objects: foreign keys to blobs are checked at commit, which it never reaches.
        if (i.dryRun) deferForeignKeys(this.db);
        if (session) this.store.commit(session);
        const r = this.merge(m.metadata as unknown as Metadata, i.force);
        if (i.dryRun) throw new DryRun(r);
        return r;
      });
      let res: ReturnType<BundleService['merge']>;
      try {
        res = result();
      } catch (e) {
        if (e instanceof DryRun) res = e.result;
        else throw e;
      }
      if (!i.dryRun) for (const model of new Set((m.metadata.versions as unknown as VersionRow[]).map((v) => v.model))) this.events.emit('models.changed', { model });
      this.progress(task, label, i.dryRun ? 'checked' : 'imported', stat.size, stat.size);
      return {
        dryRun: i.dryRun,
        formatVersion: m.formatVersion,
        ...res,
        objects: { total: declared.size, new: newObjects, bytes: newBytes },
      };
    } catch (e) {
      session?.abort();
      // Close the progress bar: a refused bundle is a finished task too.
      this.progress(task, label, 'refused', stat.size, stat.size);
      if (e instanceof LatheError || !reading) throw e;
      const msg = (e as Error).message ?? String(e);
      throw refused(`it is not a readable archive (${msg}) — truncated or corrupt`);
    } finally {
      hasher?.close();
      fs.rmSync(quarantine, { recursive: true, force: true });
    }
  }

  /** Inserts what is missing; counts what was added and what was already here. Runs inside the transaction. */
  private merge(meta: Metadata, force: boolean): Omit<BundleImportResult, 'dryRun' | 'formatVersion' | 'objects'> {
    const reg = this.registry.repo;
    const added: Record<string, number> = {};
    const unchanged: Record<string, number> = {};
    const count = (what: string, isNew: boolean) => {
      const t = isNew ? added : unchanged;
      t[what] = (t[what] ?? 0) + 1;
    };
    const conflicts: BundleConflict[] = [];
    const renumbered: BundleImportResult['renumbered'] = [];

    // Datasets (with --with-data): matched by name; versions keyed by content id.
    for (const { dataset, version } of meta.datasets) {
      let local = this.repo.datasetByName(dataset.name);
      if (!local) {
        this.repo.insertDataset(dataset);
        local = dataset;
        count('datasets', true);
      }
      if (this.repo.hasDatasetVersion(local.id, version.id)) {
        count('datasetVersions', false);
        continue;
      }
      const number = this.repo.datasetNumberTaken(local.id, version.number) ? this.repo.nextDatasetNumber(local.id) : version.number;
      const parent = version.parent_id && this.repo.hasDatasetVersion(local.id, version.parent_id) ? version.parent_id : null;
      this.repo.insertDatasetVersion(local.id, version, number, parent);
      count('datasetVersions', true);
    }
    // Experiments: by id, else by name (the same experiment made on two machines).
    const experimentIds = new Map<string, string>();
    for (const e of meta.experiments) {
      if (this.repo.hasExperiment(e.id)) {
        experimentIds.set(e.id, e.id);
        count('experiments', false);
        continue;
      }
      const byName = this.repo.experimentIdByName(e.name);
      if (byName) {
        experimentIds.set(e.id, byName);
        count('experiments', false);
        continue;
      }
      this.repo.insertExperiment(e);
      experimentIds.set(e.id, e.id);
      count('experiments', true);
    }
    for (const r of meta.runs) {
      if (this.repo.hasRun(r.id)) {
        count('runs', false);
        continue;
      }
      this.repo.insertRun(r, experimentIds.get(r.experiment_id) ?? '0');
      count('runs', true);
    }
    for (const m of meta.models) count('models', reg.insertModel(m));
    for (const v of meta.versions) {
      if (reg.version(v.id)) {
        count('versions', false);
        continue;
      }
      let number = v.number;
      if (reg.versionByNumber(v.model, number)) {
        number = reg.nextNumber(v.model);
        renumbered.push({ model: v.model, versionId: v.id, from: v.number, to: number });
      }
      reg.insertVersion({ ...v, number });
      count('versions', true);
    }
    for (const f of meta.files) reg.insertFile(f);
    for (const mv of meta.moves) {
      const isNew = !reg.hasMove(mv.id);
      if (isNew) reg.insertMove(mv);
      count('aliasMoves', isNew);
    }
    for (const a of meta.aliases) {
      const local = reg.alias(a.model, a.alias);
      if (local?.version_id === a.version_id) {
        count('aliases', false);
        continue;
      }
      const n = (id: string | undefined) => (id ? (reg.version(id)?.number ?? null) : null);
      if (local && !force) {
        conflicts.push({ kind: 'alias', model: a.model, alias: a.alias, local: n(local.version_id), bundle: n(a.version_id), resolution: 'kept-local' });
        continue;
      }
      if (local) {
        conflicts.push({ kind: 'alias', model: a.model, alias: a.alias, local: n(local.version_id), bundle: n(a.version_id), resolution: 'overwritten' });
        reg.insertMove({ id: newId(), model: a.model, alias: a.alias, from_version: local.version_id, to_version: a.version_id, moved_at: Date.now(), moved_by: osUser(), reason: 'bundle import (--force)' });
      }
      reg.setAlias(a.model, a.alias, a.version_id, a.moved_at);
      count('aliases', true);
    }
    for (const e of meta.exports) {
      const isNew = !reg.export(e.id);
      if (isNew) reg.insertExport(e);
      count('exports', isNew);
    }
    for (const l of meta.lineage) count('lineage', reg.addLineage(l));
    return { added, unchanged, conflicts, renumbered };
  }
}

class DryRun extends Error {
  constructor(readonly result: ReturnType<BundleService['merge']>) {
    super('dry run');
  }
}

function parseManifest(buf: Buffer): Manifest {
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
  return r.data;
}

/**
 * The manifest's chunk lists (optional): each for a listed object, summing to its size, with chunk
 * sizes this store could have cut (at most `max`; all but the last at least `min`), so a bundle cannot
 * make the store index millions of tiny chunks. The hashes are only claims, checked as bytes arrive.
 */
function checkChunkLists(m: Manifest, opts: ChunkerOptions): Map<string, [string, number][]> {
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
function checkReferences(m: Manifest): void {
  const listed = new Set(m.objects.map((o) => o.hash));
  const need = (h: string | null, what: string) => {
    if (h && !listed.has(h)) throw refused(`the metadata references object ${h.slice(0, 12)} (${what}) that is not in the bundle`, MANIFEST_NAME);
  };
  m.metadata.files.forEach((f) => need(f.blob_hash, `file ${f.path} of model version ${f.version_id.slice(0, 12)}`));
  m.metadata.runs.forEach((r) => r.artifacts.forEach((a) => need(a.blob_hash, `an artifact of run ${r.id.slice(0, 12)}`)));
  m.metadata.datasets.forEach((d) => {
    need(d.version.index_blob, 'a dataset index');
    d.version.files.forEach((f) => need(f.blob_hash, 'a dataset file'));
  });
  const versionIds = new Set(m.metadata.versions.map((v) => String(v.id)));
  for (const f of m.metadata.files) if (!versionIds.has(f.version_id)) throw refused(`a model file belongs to version ${f.version_id.slice(0, 12)}, which is not in the bundle`, MANIFEST_NAME);
}

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { LINEAGE_KINDS, type BundleExperiment, type BundleMetadata, type BundleReference, type BundleRun } from '../../../shared/bundles';
import { LatheError } from '../../../shared/errors';
import type { BundleSummary } from '../../../shared/registry';
import type { AliasMoveRow, AliasRow, ExportRow, LineageRow, ModelFileRow, ModelRow, VersionRow } from '../db/registryRepo';
import { newId } from '../ids';
import { osUser } from '../registry/osUser';
import { HashWorker, InlineHasher, type Hasher } from '../store/hashWorker';
import { syncFileAndDir } from '../store/durable';
import { APP_VERSION } from '../version';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, MANIFEST_NAME, type Manifest } from './format';
import { gateIndexes, gateMetadata } from './manifestGate';
import type { BundleService } from './service';
import { SIGNATURE_PAX_KEY } from './signing';
import { TarWriter } from './tarWriter';

export interface ExportInput {
  out: string;
  models?: string[];
  runs?: string;
  withData: boolean;
  gzip: boolean;
}

/** The rows to export as the repositories read them (SQL text, not yet checked): a draft, until the gate has checked it. */
interface Draft {
  models: (ModelRow | undefined)[];
  versions: VersionRow[];
  files: ModelFileRow[];
  aliases: AliasRow[];
  moves: AliasMoveRow[];
  exports: ExportRow[];
  experiments: BundleExperiment[];
  runs: BundleRun[];
  lineage: LineageRow[];
  datasets: ReturnType<BundleService['repo']['datasetVersions']>;
  references: BundleReference[];
}

function collect(b: BundleService, i: ExportInput): Draft {
  const reg = b.registry.repo;
  const versions = new Map<string, VersionRow>();
  const runIds = new Set<string>();
  if (i.models?.length) {
    for (const ref of i.models) {
      // A bare model name means every version of it.
      if (!ref.includes('@') && reg.model(ref)) for (const v of reg.versions(ref)) versions.set(v.id, v);
      else {
        const v = b.registry.resolve(ref);
        versions.set(v.id, v);
      }
    }
  }
  if (i.runs !== undefined) {
    let offset = 0;
    for (;;) {
      const page = b.tracking.runs.search({ query: i.runs, lifecycle: 'all', offset, limit: 10_000 } as never);
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
  const runs = [...runIds].map((id) => b.repo.run(id)).filter((r) => r !== undefined);
  const experiments = [...new Set(runs.map((r) => r.experiment_id))].map((id) => b.repo.experiment(id)).filter((e) => e !== undefined);
  const lineage = new Map<string, LineageRow>();
  // A bundle carries the edges between the kinds it carries (data, runs, model versions, exports);
  // edges to evaluations, pipeline runs and gate decisions stay in the workspace that made them.
  const portable = (r: LineageRow) => (LINEAGE_KINDS as readonly string[]).includes(r.from_kind) && (LINEAGE_KINDS as readonly string[]).includes(r.to_kind);
  const addEdges = (rows: LineageRow[]) => rows.filter(portable).forEach((r) => lineage.set(`${r.from_kind}|${r.from_id}|${r.to_kind}|${r.to_id}|${r.relation}`, r));
  for (const id of versions.keys()) {
    addEdges(reg.lineageTo('model_version', id));
    addEdges(reg.lineageFrom('model_version', id));
  }
  for (const r of runs) {
    addEdges(reg.lineageTo('run', r.id));
    addEdges(reg.lineageFrom('run', r.id).filter((l) => l.to_kind !== 'model_version' || versions.has(l.to_id)));
  }
  const datasets: Draft['datasets'] = [];
  if (i.withData) {
    const ids = new Set([...lineage.values()].filter((l) => l.from_kind === 'dataset_version').map((l) => l.from_id));
    for (const id of ids) datasets.push(...b.repo.datasetVersions(id));
    datasets.sort((x, y) => x.version.number - y.version.number);
  }
  return {
    models: modelNames.map((n) => reg.model(n)),
    versions: [...versions.values()].sort((x, y) => x.model.localeCompare(y.model) || x.number - y.number),
    files: [...versions.keys()].flatMap((id) => reg.files(id)),
    aliases: modelNames.flatMap((n) => reg.aliases(n)).filter((a) => versions.has(a.version_id)),
    moves: modelNames.flatMap((n) => reg.moves(n)),
    exports: reg.exportsOf([...versions.keys()]),
    experiments,
    runs,
    lineage: [...lineage.values()],
    datasets,
    // Built profiles only: a version monitored without one builds it from its data (which may not travel).
    references: [...versions.keys()].map((id) => b.repo.reference(id)).filter((r) => r !== undefined),
  };
}

/** Every object the rows reference, with its size. */
function objectsOf(b: BundleService, draft: Draft): Map<string, number> {
  const objects = new Map<string, number>();
  const add = (h: string | null | undefined) => {
    if (h && !objects.has(h)) objects.set(h, b.store.blobSize(h));
  };
  for (const f of draft.files) add(f.blob_hash);
  for (const r of draft.runs) r.artifacts.forEach((a) => add(a.blob_hash));
  for (const d of draft.datasets) {
    add(d.version.index_blob);
    d.version.files.forEach((f) => add(f.blob_hash));
  }
  return objects;
}

/**
 * The export's own rows through the import's gate: a workspace row the gate would refuse stops the
 * export with the same naming (record and field), so a bundle Lathe writes always imports.
 */
function checkedRows(b: BundleService, draft: Draft, objects: Map<string, number>, origin: { createdBy: string; createdAt: number }): BundleMetadata {
  try {
    const { metadata } = gateMetadata(draft, objects, origin, { settleRuns: false });
    gateIndexes(metadata, (h) => b.store.readBlob(h));
    return metadata;
  } catch (e) {
    if (!(e instanceof LatheError)) throw e;
    throw new LatheError(e.code, e.message.replace('Bundle refused: ', 'Bundle not written: this workspace holds ').replace(' Nothing was changed.', ' No file was written.'), {
      where: e.where,
      hint: 'Run `lathe doctor` to see what is wrong in the workspace, or leave that record out of the export.',
    });
  }
}

export async function exportBundle(b: BundleService, i: ExportInput): Promise<BundleSummary> {
  const out = path.resolve(i.out);
  const draft = collect(b, i);
  const objects = objectsOf(b, draft);
  const createdAt = Date.now();
  const createdBy = osUser();
  const meta = checkedRows(b, draft, objects, { createdBy, createdAt });
  // Each object's chunk list rides along, so the importer need not find the boundaries again.
  const chunks: Record<string, [string, number][]> = {};
  for (const hash of objects.keys()) chunks[hash] = b.store.repo.blobChunks(hash).map((c) => [c.chunk_hash, c.length]);
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt,
    createdBy,
    appVersion: APP_VERSION,
    objects: [...objects].map(([hash, size]) => ({ hash, size })),
    chunks,
    metadata: meta,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const signature = b.keys.own.sign(manifestBytes);
  await writeArchive(b, out, manifestBytes, createdAt, objects, i.gzip, { [SIGNATURE_PAX_KEY]: JSON.stringify(signature) });
  const self = b.keys.own.info();
  return {
    file: out,
    bytes: fs.statSync(out).size,
    objects: objects.size,
    objectBytes: [...objects.values()].reduce((x, y) => x + y, 0),
    models: meta.models.length,
    versions: meta.versions.length,
    runs: meta.runs.length,
    datasetVersions: meta.datasets.length,
    signer: { fingerprint: self.fingerprint, name: self.name },
  };
}

/**
 * Objects stream from the packs in large reads, straight into the hashing ring. Every chunk is checked
 * against its hash (on a second thread for large bundles, while the tar is written from the same
 * bytes); the file is only moved into place once all of them matched.
 */
async function writeArchive(b: BundleService, out: string, manifestBytes: Buffer, mtime: number, objects: Map<string, number>, gzipped: boolean, pax: Record<string, string>): Promise<void> {
  const task = newId();
  const label = `Bundle ${path.basename(out)}`;
  const total = [...objects.values()].reduce((x, y) => x + y, 0);
  const tmp = `${out}.lathe-tmp-${process.pid}`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const store = b.store;
  const hasher: Hasher = (total > b.hashThreadMin ? HashWorker.start() : null) ?? new InlineHasher();
  // Each run of chunks is read straight into the hashing ring (no copy on the way to the thread that
  // checks it); the tar is written from the same bytes, which stay put until they have been hashed.
  const chunksOf = async function* (hash: string): AsyncGenerator<Buffer> {
    for (const read of store.blobReads(hash)) {
      const view = store.readInto(read, await hasher.reserve(read.length));
      await hasher.chunksIn(view, read.chunks);
      yield view;
    }
  };
  const fd = fs.openSync(tmp, 'w');
  try {
    const gzip = gzipped ? zlib.createGzip({ level: 6 }) : null;
    const sink = gzip ? fs.createWriteStream('', { fd, autoClose: false }) : null;
    const piping = gzip && sink ? pipeline(gzip, sink) : Promise.resolve();
    piping.catch(() => undefined); // awaited below; a failure before that point is reported by the throw that caused it
    const tw = new TarWriter(gzip ? { stream: gzip } : { fd });
    await tw.pax(MANIFEST_NAME, mtime, pax);
    await tw.file(MANIFEST_NAME, manifestBytes.length, mtime, [manifestBytes]);
    let done = 0;
    let lastEmit = 0;
    for (const [hash, size] of objects) {
      await tw.file(`objects/${hash}`, size, mtime, chunksOf(hash));
      done += size;
      if (done - lastEmit > 64 * 1024 * 1024 || done === total) {
        lastEmit = done;
        b.progress(task, label, 'writing', done, total);
      }
    }
    await tw.finish();
    const bad = await hasher.settle();
    if (bad) throw store.damaged(bad, store.repo.chunk(bad)?.pack_id ?? '?');
    if (gzip) {
      gzip.end();
      await piping;
    }
    fs.closeSync(fd);
    // Not fsynced before returning (tar does not either): a bundle is checked against its hashes
    // when read, so one torn by a power loss is refused at import, and the registry still holds its
    // source. The sync runs in the background; the temp name and rename keep `out` whole or absent
    // for a process that stops mid-write.
    fs.renameSync(tmp, out);
    void syncFileAndDir(out, path.dirname(out)).catch(() => undefined);
  } catch (e) {
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
}

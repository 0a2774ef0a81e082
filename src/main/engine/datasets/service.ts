import fs from 'node:fs';
import path from 'node:path';
import type { ExportResult, ParsedInput } from '../../../shared/contract';
import {
  datasetNameSchema,
  tagSchema,
  type AddResult,
  type DatasetDiff,
  type DatasetFormat,
  type DatasetProfile,
  type DatasetSummary,
  type DatasetVersion,
  type RowPage,
} from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { Db } from '../db/connection';
import { DatasetsRepo, type VersionRow } from '../db/datasetsRepo';
import type { EventBus } from '../events';
import { newUuid } from '../ids';
import { changedWhileReading, hashFile, sameStat, type FileHash } from '../store/fileHash';
import type { ObjectStore } from '../store/objectStore';
import { Writeback } from '../store/durable';
import type { StagedBlob, StageSession } from '../store/stageSession';
import { diffVersions } from './diff';
import { analyzeTableOffThread } from './analyzeOffThread';
import { WarmWorkers } from '../workers/warmWorkers';
import { detectFormat } from './formats/detect';
import { analyzeImageFolder } from './formats/images';
import type { ImageFileMeta } from './imageRows';
import { versionId } from './manifest';
import { datasetOrThrow, resolveRef } from './refs';
import type { TableFormat, TableResult } from './tableAnalysis';
import { VersionReader } from './versionReader';
import { targetInside } from '../safePath';

/** A file to store as part of a version, with the facts kept beside it. */
interface StoredFile {
  path: string;
  blobHash: string;
  size: number;
  meta: ImageFileMeta | null;
}

interface Analysis {
  profile: DatasetProfile;
  rowCount: number;
  columnCount: number;
  index: Buffer | null;
  notes: string[];
}

interface Prepared {
  analysis: Analysis;
  stored: StoredFile[];
  /** Bytes of all files. */
  total: number;
}

type Progress = (phase: string, done: number, total: number) => void;

function validName(name: string): string {
  const r = datasetNameSchema.safeParse(name);
  if (!r.success) throw new LatheError('INVALID_INPUT', `"${name}" is not a valid dataset name: ${r.error.issues[0].message}`, { where: 'name' });
  return name;
}

function validTag(tag: string): string {
  const r = tagSchema.safeParse(tag);
  if (!r.success) throw new LatheError('INVALID_INPUT', `"${tag}" is not a valid tag: ${r.error.issues[0].message}`, { where: 'tag' });
  return tag;
}

/** Datasets and their immutable versions: import, browse, diff, tag, export, delete. */
export class DatasetService {
  private readonly repo: DatasetsRepo;
  private readonly reader: VersionReader;

  constructor(
    db: Db,
    private readonly store: ObjectStore,
    private readonly events: EventBus,
  ) {
    this.repo = new DatasetsRepo(db);
    this.reader = new VersionReader(store, this.repo);
  }

  /**
   * The two-core handoff's worker threads, kept between imports (two idle at most): the next import
   * skips their start (~40 ms each, beside staging) and runs on code already compiled.
   */
  private readonly analysisThreads = new WarmWorkers({ maxIdle: () => 2 });

  close(): void {
    this.analysisThreads.close();
  }

  private toVersion(name: string, row: VersionRow, tags?: string[]): DatasetVersion {
    return {
      id: row.id,
      dataset: name,
      number: row.number,
      message: row.message,
      createdAt: row.created_at,
      parentId: row.parent_id,
      sourcePath: row.source_path,
      format: row.format as DatasetFormat,
      size: row.size,
      fileCount: row.file_count,
      rowCount: row.row_count,
      columnCount: row.column_count,
      storedBytes: row.stored_bytes,
      tags: tags ?? this.repo.tagsOfDataset(row.dataset_id).filter((t) => t.version_id === row.id).map((t) => t.tag),
    };
  }

  async list(): Promise<DatasetSummary[]> {
    return this.repo.allDatasets().map((d) => {
      const latest = this.repo.latest(d.id);
      return {
        name: d.name,
        createdAt: d.created_at,
        versionCount: this.repo.versionCount(d.id),
        latest: latest ? this.toVersion(d.name, latest) : null,
      };
    });
  }

  async versions(name: string): Promise<DatasetVersion[]> {
    const dataset = datasetOrThrow(this.repo, validName(name));
    const tags = this.repo.tagsOfDataset(dataset.id);
    return this.repo.versions(dataset.id).map((v) =>
      this.toVersion(name, v, tags.filter((t) => t.version_id === v.id).map((t) => t.tag)),
    );
  }

  async show(ref: string): Promise<{ version: DatasetVersion; profile: DatasetProfile }> {
    const { dataset, version } = resolveRef(this.repo, ref);
    return { version: this.toVersion(dataset.name, version), profile: JSON.parse(version.profile_json) as DatasetProfile };
  }

  async rows(ref: string, offset: number, limit: number): Promise<RowPage> {
    if (!Number.isInteger(offset) || offset < 0) throw new LatheError('INVALID_INPUT', 'offset must be a whole number ≥ 0', { where: 'offset' });
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LatheError('INVALID_INPUT', 'limit must be between 1 and 1000', { where: 'limit' });
    const { version } = resolveRef(this.repo, ref);
    return this.reader.page(version, offset, limit);
  }

  /**
   * An image folder: reads and checks every image (nothing is stored yet), then stages the files.
   * Sequential: the folder is only known to be a dataset once every image has been read.
   */
  private async prepareImages(session: StageSession, source: string, progress: Progress): Promise<Prepared> {
    const { files, profile } = await analyzeImageFolder(source, (done, total) => progress('profiling', done, total));
    const analysis: Analysis = { profile, rowCount: files.length, columnCount: 6, index: null, notes: [] };
    const total = files.reduce((s, f) => s + fs.statSync(f.source).size, 0);
    const stored: StoredFile[] = [];
    let before = 0;
    for (const f of files) {
      const blob = await session.addFile(f.source, (done) => progress('chunking', before + done, total));
      before += blob.size;
      stored.push({
        path: f.path,
        blobHash: blob.hash,
        size: blob.size,
        meta: { class: f.className, width: f.width, height: f.height, format: f.format, channels: f.channels },
      });
    }
    return { analysis, stored, total };
  }

  /**
   * A table file: the import pass (parse, profile, row index) runs in a worker thread while this
   * thread chunks and stages the same file, so the import takes about the longer of the two. If
   * either side fails the other is stopped (the worker terminated, the chunking loop ended) before
   * the caller aborts the session: nothing is written.
   */
  private async prepareTable(session: StageSession, source: string, format: TableFormat, file: { size: number; known?: FileHash }, progress: Progress): Promise<Prepared> {
    const { size, known } = file;
    const stopStaging = new AbortController();
    const stopAnalysis = new AbortController();
    // The analysis learns when staging is done (it may then use the core staging leaves free). It
    // starts first: staging's first read would otherwise hold this thread (chunking 8 MiB) before the
    // analysis workers are even launched (A/B, 5 imports each: median ~1.02-1.06 s as here, ~1.07-1.17 s staging first).
    let stagingDone: () => void = () => {};
    const coreFree = new Promise<void>((resolve) => (stagingDone = resolve));
    const analysing = analyzeTableOffThread({ file: source, format }, size, (done) => progress('reading', done, size), { signal: stopAnalysis.signal, coreFree, threads: this.analysisThreads }).catch((e: unknown) => {
      stopStaging.abort();
      throw e;
    });
    const staging = session.addFile(source, (done) => progress('chunking', done, size), { known, signal: stopStaging.signal })
      .catch((e: unknown) => {
        stopAnalysis.abort();
        throw e;
      })
      .finally(() => stagingDone());
    let table: TableResult;
    let blob: StagedBlob;
    try {
      [table, blob] = await Promise.all([analysing, staging]);
    } catch (e) {
      await Promise.allSettled([analysing, staging]);
      throw e;
    }
    return {
      analysis: {
        profile: table.profile,
        rowCount: table.rowCount,
        columnCount: table.columnCount,
        index: Buffer.from(table.index.buffer, table.index.byteOffset, table.index.byteLength),
        notes: table.notes ?? [],
      },
      stored: [{ path: path.basename(source), blobHash: blob.hash, size: blob.size, meta: null }],
      total: blob.size,
    };
  }

  async add(input: ParsedInput<'datasets.add'>): Promise<AddResult> {
    const name = validName(input.name);
    if (input.tag !== undefined) validTag(input.tag);
    const source = path.resolve(input.path);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(source);
    } catch {
      throw new LatheError('NOT_FOUND', `There is no file or folder at ${source}`, { where: source, hint: 'Check the path; relative paths are resolved from the current folder.' });
    }
    if (stat.isDirectory() && input.format !== undefined && input.format !== 'images') {
      throw new LatheError('INVALID_INPUT', `${source} is a folder, but format "${input.format}" needs a file`, { where: 'format' });
    }
    if (!stat.isDirectory() && input.format === 'images') {
      throw new LatheError('INVALID_INPUT', `${source} is a file, but format "images" needs a folder of class subfolders`, { where: 'format' });
    }
    const format = input.format ?? detectFormat(source, stat.isDirectory());
    const task = newUuid();
    const label = `Importing ${name}`;
    const progress = (phase: string, done: number, total: number) => this.events.emit('task.progress', { task, label, phase, done, total });

    let known: FileHash | undefined;
    if (format !== 'images' && this.mayHoldFileOfSize(name, stat.size)) {
      // Unchanged fast path: one hash of the file names its blob and so the version; if the dataset
      // already has that version there is nothing to parse or store.
      known = await hashFile(source, (done) => progress('hashing', done, stat.size));
      const same = this.identical(name, versionId([{ path: path.basename(source), blobHash: known.hash }]), input.tag);
      if (same) return same;
    }

    const session = this.store.beginStage();
    // The pack is synced in the background while it is written, so the commit's fsync has little left.
    session.writeback = new Writeback();
    try {
      const { analysis, stored, total } =
        format === 'images' ? await this.prepareImages(session, source, progress) : await this.prepareTableGuarded(session, source, format, stat, known, progress);
      const id = versionId(stored);
      const same = this.identical(name, id, input.tag);
      if (same) {
        session.abort();
        return same;
      }
      const indexBlob = analysis.index ? session.addBuffer(analysis.index).hash : null;
      progress('committing', 0, 1);
      await session.settle();
      const row = this.commitVersion(session, name, {
        id,
        message: input.message,
        source,
        format,
        size: total,
        stored,
        analysis,
        indexBlob,
        tag: input.tag,
      });
      progress('committing', 1, 1);
      this.events.emit('datasets.changed', { name });
      const bytes = session.newBytes;
      return {
        version: this.toVersion(name, row),
        created: true,
        note: `${name}@v${row.number}: ${analysis.rowCount} rows; ${storedShare(bytes, total)}`,
        warnings: analysis.notes,
      };
    } catch (e) {
      session.abort();
      throw e;
    }
  }

  /**
   * Whether a version of `name` could be this very file: only one whose size is the file's. When
   * none is, the separate hashing pass is skipped (the store hashes the whole file while it chunks
   * it), which saves a full read and hash before the import pass can start.
   */
  private mayHoldFileOfSize(name: string, size: number): boolean {
    const dataset = this.repo.datasetByName(name);
    return !!dataset && this.repo.versions(dataset.id).some((v) => v.size === size);
  }

  /**
   * `prepareTable`, with the file's stat compared before and after when no hash was taken first
   * (the same racy-stat rule `hashFile` applies): a file that changes while it is imported is refused.
   */
  private async prepareTableGuarded(session: StageSession, source: string, format: TableFormat, stat: fs.Stats, known: FileHash | undefined, progress: Progress): Promise<Prepared> {
    if (known) return this.prepareTable(session, source, format, { size: known.size, known }, progress);
    const prepared = await this.prepareTable(session, source, format, { size: stat.size }, progress);
    const after = fs.statSync(source);
    if (!sameStat(stat, after) || prepared.total !== after.size) throw changedWhileReading(source);
    return prepared;
  }

  /** When dataset `name` already has version `id`: tags it if asked and says so (no new version). */
  private identical(name: string, id: string, tag: string | undefined): AddResult | null {
    const dataset = this.repo.datasetByName(name);
    const existing = dataset && this.repo.versionById(dataset.id, id);
    if (!dataset || !existing) return null;
    if (tag) {
      this.repo.setTag(dataset.id, tag, existing.id);
      this.events.emit('datasets.changed', { name });
    }
    return {
      version: this.toVersion(name, existing),
      created: false,
      note: `identical to ${name}@v${existing.number}; no new version made`,
      warnings: [],
    };
  }

  /** Pack, blob rows and version rows land in one transaction: a crash leaves all or nothing. */
  private commitVersion(
    session: StageSession,
    name: string,
    v: {
      id: string;
      message: string;
      source: string;
      format: DatasetFormat;
      size: number;
      stored: StoredFile[];
      analysis: Analysis;
      indexBlob: string | null;
      tag?: string;
    },
  ): VersionRow {
    return this.repo.transaction(() => {
      this.store.commit(session);
      let dataset = this.repo.datasetByName(name);
      if (!dataset) {
        dataset = { id: newUuid(), name, created_at: new Date().toISOString() };
        this.repo.insertDataset(dataset);
      }
      const parent = this.repo.latest(dataset.id);
      const row = {
        dataset_id: dataset.id,
        id: v.id,
        message: v.message,
        created_at: new Date().toISOString(),
        parent_id: parent?.id ?? null,
        source_path: v.source,
        format: v.format,
        size: v.size,
        file_count: v.stored.length,
        row_count: v.analysis.rowCount,
        column_count: v.analysis.columnCount,
        stored_bytes: session.newBytes,
        profile_json: JSON.stringify(v.analysis.profile),
        index_blob: v.indexBlob,
      };
      const number = this.repo.insertVersion(row);
      for (const f of v.stored) {
        this.repo.insertFile(dataset.id, v.id, { path: f.path, blob_hash: f.blobHash, size: f.size, meta_json: f.meta ? JSON.stringify(f.meta) : null });
      }
      if (v.tag) this.repo.setTag(dataset.id, v.tag, v.id);
      return { ...row, number };
    });
  }

  async diff(from: string, to: string, key?: string): Promise<DatasetDiff> {
    const a = resolveRef(this.repo, from);
    const b = resolveRef(this.repo, to);
    return diffVersions(this.reader, this.repo, {
      from: { version: a.version, info: this.toVersion(a.dataset.name, a.version), ref: from },
      to: { version: b.version, info: this.toVersion(b.dataset.name, b.version), ref: to },
      key: key ?? null,
    });
  }

  async exportTo(ref: string, out: string): Promise<ExportResult> {
    const { version } = resolveRef(this.repo, ref);
    const outDir = path.resolve(out);
    const files = this.repo.files(version.dataset_id, version.id);
    // Every target is resolved and must stay inside outDir, whatever the stored path says (engine/safePath.ts).
    const targets = files.map((f) => ({ f, target: targetInside(outDir, f.path, 'dataset file') }));
    const clashes = targets.filter((t) => fs.existsSync(t.target)).map((t) => t.target);
    if (clashes.length > 0) {
      throw new LatheError('ALREADY_EXISTS', `Export would overwrite ${clashes.length} existing file(s): ${clashes.slice(0, 5).join(', ')}`, {
        where: clashes[0],
        hint: 'Export into an empty or new folder, or move those files away first.',
      });
    }
    let bytes = 0;
    for (const { f, target } of targets) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      bytes += this.store.writeBlobToFile(f.blob_hash, target);
    }
    return { outDir, files: targets.map((t) => t.target), bytes };
  }

  async tag(ref: string, tag: string): Promise<DatasetVersion> {
    validTag(tag);
    const { dataset, version } = resolveRef(this.repo, ref);
    this.repo.setTag(dataset.id, tag, version.id);
    this.events.emit('datasets.changed', { name: dataset.name });
    return this.toVersion(dataset.name, version);
  }

  async untag(name: string, tag: string): Promise<{ removed: boolean }> {
    const dataset = datasetOrThrow(this.repo, validName(name));
    const removed = this.repo.deleteTag(dataset.id, tag);
    if (removed) this.events.emit('datasets.changed', { name });
    return { removed };
  }

  /**
   * Deletes a version unless something made from it (a run, a model) is recorded in lineage. Its
   * tags go with it; its children are re-parented to its parent; the dataset goes when its last
   * version does. The bytes stay in the store until `lathe gc`.
   */
  async remove(ref: string): Promise<{ removed: DatasetVersion }> {
    const { dataset, version } = resolveRef(this.repo, ref);
    const uses = this.repo.lineageUses(version.id);
    if (uses.length > 0) {
      // Named as the user knows them (a run's name, model@version); the id only when there is no name.
      const what = uses.map((u) => `${u.to_kind.replace('_', ' ')} ${u.label !== null ? `"${u.label}"` : u.to_id} (${u.relation})`);
      throw new LatheError('IN_USE', `${dataset.name}@v${version.number} is in use: ${what.join(', ')}`, {
        where: ref,
        hint: 'Delete what was made from it first; a version that trained a model stays so the model can say which data made it.',
      });
    }
    const removed = this.toVersion(dataset.name, version);
    this.repo.transaction(() => {
      this.repo.deleteTagsOfVersion(dataset.id, version.id);
      this.repo.reparentChildren(dataset.id, version.id, version.parent_id);
      this.repo.deleteVersion(dataset.id, version.id);
      if (this.repo.versionCount(dataset.id) === 0) this.repo.deleteDataset(dataset.id);
    });
    this.events.emit('datasets.changed', { name: dataset.name });
    return { removed };
  }
}

/** How much of an import the store actually had to keep (the row index counts too, so it can pass 100%). */
function storedShare(newBytes: number, fileBytes: number): string {
  if (newBytes === 0) return 'every chunk was already stored';
  const pct = fileBytes > 0 ? Math.round((100 * newBytes) / fileBytes) : 100;
  return `${newBytes} new bytes stored (${pct}% of ${fileBytes}, row index included)`;
}

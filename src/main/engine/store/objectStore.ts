import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';
import type { Db } from '../db/connection';
import { StoreRepo, type ChunkLocation } from '../db/storeRepo';
import { DEFAULT_CHUNKING, StreamChunker, type ChunkerOptions } from './fastcdc';
import type { Hasher } from './hashWorker';

export interface StagedBlob {
  hash: string;
  size: number;
  chunks: { hash: string; offset: number; length: number }[];
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const READ_PIECE = 8 * 1024 * 1024;
// Writes go out in pieces of 1 MiB: much larger single writes measured several times slower here (page cache).
const WRITE_PIECE = 1024 * 1024;

/**
 * A file's sha256 (its blob name) and the stat it was taken under. `addFile` may reuse it instead of
 * hashing the file a second time, as long as the file's size, mtime and inode still match (the same
 * racy-stat rule git uses); the chunks are always hashed from the bytes actually stored.
 */
export interface FileHash {
  hash: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

function sameStat(a: { size: number; mtimeMs: number; ino: number }, b: { size: number; mtimeMs: number; ino: number }): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function changedWhileReading(file: string): LatheError {
  return new LatheError('CONFLICT', `${file} changed while Lathe was reading it`, {
    where: file,
    hint: 'Wait until whatever is writing the file has finished, then add it again.',
  });
}

/** sha256 of a whole file, streamed in large reads; refuses a file that changes while it is read. */
export async function hashFile(file: string, onBytes?: (done: number) => void): Promise<FileHash> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const before = await fd.stat();
    const whole = createHash('sha256');
    const piece = Buffer.allocUnsafe(READ_PIECE);
    let done = 0;
    for (;;) {
      const { bytesRead } = await fd.read(piece, 0, READ_PIECE, null);
      if (bytesRead === 0) break;
      whole.update(piece.subarray(0, bytesRead));
      done += bytesRead;
      onBytes?.(done);
    }
    const after = await fd.stat();
    if (!sameStat(before, after) || done !== after.size) throw changedWhileReading(file);
    return { hash: whole.digest('hex'), size: done, mtimeMs: after.mtimeMs, ino: after.ino };
  } finally {
    await fd.close();
  }
}

/**
 * Collects the new chunks of one or more blobs into a single temp pack file. `seal()` makes it durable
 * (fsync, rename into objects/packs); only then may `ObjectStore.commit` record it in SQLite, so the
 * database never points at bytes that are not on disk. An aborted or crashed stage leaves only a temp
 * file that the next start removes.
 */
export class StageSession {
  readonly packId = `${Date.now().toString(36)}-${randomUUID()}`;
  readonly blobs: StagedBlob[] = [];
  readonly newChunks: ChunkLocation[] = [];
  private readonly pending = new Set<string>();
  private fd: number | null = null;
  private packSize = 0;
  private sealed = false;
  /** New chunks are gathered here and written in large pieces: [flushed, packSize) is still in memory. */
  private wbuf: Buffer | null = null;
  private wused = 0;
  private flushed = 0;
  /** Set (before staging) by callers that `await settle()` before `seal()`: writeback starts early. */
  writeback: Writeback | null = null;

  constructor(
    private readonly store: ObjectStore,
    private readonly tmpPath: string,
    private readonly opts: ChunkerOptions,
  ) {}

  get newBytes(): number {
    return this.packSize;
  }

  private writeChunk(chunk: Buffer): string {
    const hash = sha256(chunk);
    this.stageChunk(chunk, hash);
    return hash;
  }

  /** Adds a chunk whose hash the caller has just computed from these very bytes (unless already stored). */
  private stageChunk(chunk: Buffer, hash: string): void {
    if (this.pending.has(hash) || this.store.repo.hasChunk(hash)) return;
    if (this.fd === null) this.fd = fs.openSync(this.tmpPath, 'w');
    if (this.wbuf === null) this.wbuf = Buffer.allocUnsafeSlow(WRITE_PIECE);
    if (this.wused + chunk.length > this.wbuf.length) this.flush();
    if (chunk.length > this.wbuf.length) {
      writeAll(this.fd, chunk, this.flushed);
      this.flushed += chunk.length;
      this.writeback?.wrote(this.fd, chunk.length);
    } else {
      chunk.copy(this.wbuf, this.wused);
      this.wused += chunk.length;
    }
    this.newChunks.push({ hash, pack_id: this.packId, offset: this.packSize, length: chunk.length });
    this.pending.add(hash);
    this.packSize += chunk.length;
  }

  private flush(): void {
    if (this.wused === 0 || this.fd === null || this.wbuf === null) return;
    writeAll(this.fd, this.wbuf.subarray(0, this.wused), this.flushed);
    this.flushed += this.wused;
    this.writeback?.wrote(this.fd, this.wused);
    this.wused = 0;
  }

  /**
   * Stages a byte stream whose chunk boundaries are claimed (a registry bundle's chunk list) instead
   * of finding them again: every chunk is hashed from the bytes received and must match its claimed
   * hash, and the whole stream is hashed too (the caller checks that against the object's name).
   * `bad` makes the error thrown when the bytes do not match the claims.
   */
  async addChunked(source: AsyncIterable<Uint8Array>, claimed: readonly (readonly [string, number])[], bad: (why: string) => Error, hasher?: Hasher): Promise<StagedBlob> {
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    const got = await verifyChunked(source, claimed, bad, (chunk, hash) => {
      this.stageChunk(chunk, hash);
      chunks.push({ hash, offset, length: chunk.length });
      offset += chunk.length;
    }, hasher);
    const blob = { hash: got.hash, size: got.size, chunks };
    this.blobs.push(blob);
    return blob;
  }

  /**
   * Chunks, hashes and stages a file, streaming it in pieces; `onBytes` reports progress. With
   * `known` (from `hashFile`) the whole-file hash is not computed again, but the file must still
   * have the stat it was hashed under, before and after the read. Every chunk is hashed from the
   * bytes written. `signal` stops the read between pieces (the caller then aborts the session).
   */
  async addFile(file: string, onBytes?: (done: number) => void, opts: { known?: FileHash; signal?: AbortSignal } = {}): Promise<StagedBlob> {
    const { known, signal } = opts;
    const chunker = new StreamChunker(this.opts);
    const whole = known ? null : createHash('sha256');
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    const take = (c: Buffer) => {
      chunks.push({ hash: this.writeChunk(c), offset, length: c.length });
      offset += c.length;
    };
    const fd = await fs.promises.open(file, 'r');
    try {
      if (known && !sameStat(known, await fd.stat())) throw changedWhileReading(file);
      const piece = Buffer.allocUnsafe(READ_PIECE);
      let done = 0;
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await fd.read(piece, 0, READ_PIECE, null);
        if (bytesRead === 0) break;
        const view = piece.subarray(0, bytesRead);
        whole?.update(view);
        // push() may keep a view of `view` in its carry only as a copy, so reusing `piece` is safe.
        for (const c of chunker.push(view)) take(c);
        done += bytesRead;
        onBytes?.(done);
      }
      if (known && (done !== known.size || !sameStat(known, await fd.stat()))) throw changedWhileReading(file);
    } finally {
      await fd.close();
    }
    signal?.throwIfAborted();
    for (const c of chunker.finish()) take(c);
    const blob = { hash: whole ? whole.digest('hex') : (known as FileHash).hash, size: offset, chunks };
    this.blobs.push(blob);
    return blob;
  }

  /**
   * Chunks, hashes and stages a byte stream (a registry bundle's entry), without a file in between.
   * Returns the blob as hashed from the bytes received: the caller checks it against what it expected.
   */
  async addStream(source: AsyncIterable<Uint8Array>): Promise<StagedBlob> {
    const chunker = new StreamChunker(this.opts);
    const whole = createHash('sha256');
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    const take = (c: Buffer) => {
      chunks.push({ hash: this.writeChunk(c), offset, length: c.length });
      offset += c.length;
    };
    for await (const piece of source) {
      const view = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      whole.update(view);
      for (const c of chunker.push(view)) take(c);
    }
    for (const c of chunker.finish()) take(c);
    const blob = { hash: whole.digest('hex'), size: offset, chunks };
    this.blobs.push(blob);
    return blob;
  }

  addBuffer(buf: Buffer): StagedBlob {
    const chunker = new StreamChunker(this.opts);
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    for (const c of [...chunker.push(buf), ...chunker.finish()]) {
      chunks.push({ hash: this.writeChunk(c), offset, length: c.length });
      offset += c.length;
    }
    const blob = { hash: sha256(buf), size: buf.length, chunks };
    this.blobs.push(blob);
    return blob;
  }

  /** fsync the pack and move it into place. Synchronous so nothing interleaves before commit. */
  seal(): void {
    if (this.writeback?.busy) throw new Error('StageSession.seal() while a background sync runs: await settle() first');
    if (this.sealed) return;
    this.sealed = true;
    if (this.fd === null) return;
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    const final = this.store.packPath(this.packId);
    fs.renameSync(this.tmpPath, final);
    fsyncDir(path.dirname(final));
  }

  get hasPack(): boolean {
    return this.packSize > 0;
  }

  /** Waits for a background sync (see `writeback`); throws its error. */
  async settle(): Promise<void> {
    await this.writeback?.settle();
  }

  abort(): void {
    const fd = this.fd;
    if (fd !== null) {
      if (this.writeback) this.writeback.whenIdle(() => fs.closeSync(fd));
      else fs.closeSync(fd);
    }
    this.fd = null;
    this.wbuf = null;
    this.wused = 0;
    fs.rmSync(this.tmpPath, { force: true });
  }
}

/**
 * Starts the kernel writing a file out while the caller keeps producing it: every `every` bytes, one
 * `fdatasync` on the thread pool (never two at once). The final fsync then has little left to do.
 * An error from a background sync is kept and thrown by `settle()` (a later fsync may not report
 * it again). Call `settle()` before the final fsync and before closing the fd.
 */
export class Writeback {
  private pending: Promise<void> | null = null;
  private since = 0;
  private error: Error | null = null;

  constructor(private readonly every = 32 * 1024 * 1024) {}

  wrote(fd: number, bytes: number): void {
    this.since += bytes;
    if (this.since < this.every || this.pending) return;
    this.since = 0;
    this.pending = new Promise<void>((resolve) =>
      fs.fdatasync(fd, (e) => {
        if (e) this.error ??= e;
        this.pending = null;
        resolve();
      }),
    );
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  /** Waits for the sync in flight, if any; throws the error of any background sync. */
  async settle(): Promise<void> {
    while (this.pending) await this.pending;
    if (this.error) throw this.error;
  }

  /** Runs `fn` once no sync is in flight (closing an fd under a running fdatasync is not safe). */
  whenIdle(fn: () => void): void {
    if (this.pending) void this.pending.then(fn);
    else fn();
  }
}

function writeAll(fd: number, data: Buffer, position: number): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, position + off);
}

/**
 * Cuts a byte stream at claimed chunk lengths, hashing each chunk from the bytes received (and the
 * whole stream); a chunk whose bytes do not match its claimed hash, or a stream longer or shorter than
 * its chunks, throws `bad(...)`. `onChunk` sees each chunk (a view: copy it to keep it).
 *
 * With a `hasher` (a second thread), the whole-stream hash and the checks of half of the chunks that
 * lie inside one piece of the stream run there, so `onChunk` may see a chunk before its check completes: the
 * result is only known when this returns (it throws on a mismatch), and nothing staged may be sealed
 * before. Chunks that straddle two pieces are checked here, before `onChunk`.
 */
export async function verifyChunked(
  source: AsyncIterable<Uint8Array>,
  claimed: readonly (readonly [string, number])[],
  bad: (why: string) => Error,
  onChunk?: (chunk: Buffer, hash: string) => void,
  hasher?: Hasher,
): Promise<{ hash: string; size: number }> {
  const whole = hasher ? null : createHash('sha256');
  let ci = 0;
  let size = 0;
  let carry: Buffer | null = null;
  let fill = 0;
  const take = (chunk: Buffer) => {
    const hash = claimed[ci][0];
    if (sha256(chunk) !== hash) throw bad(`chunk ${ci} (${hash.slice(0, 12)}) does not match its hash`);
    onChunk?.(chunk, hash);
    ci++;
  };
  for await (const raw of source) {
    const piece = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (whole) whole.update(piece);
    size += piece.length;
    const checks: [number, number, string][] = [];
    let p = 0;
    while (p < piece.length) {
      if (ci >= claimed.length) throw bad('it is longer than its chunks');
      const [hash, len] = claimed[ci];
      if (fill === 0 && piece.length - p >= len) {
        // With a second thread, it hashes every object whole and checks every other chunk; this thread
        // checks the rest (measured: the best balance of the two).
        if (hasher && ci % 2 === 1) {
          checks.push([p, len, hash]);
          onChunk?.(piece.subarray(p, p + len), hash);
          ci++;
        } else take(piece.subarray(p, p + len));
        p += len;
        continue;
      }
      if (carry === null || carry.length < len) carry = Buffer.allocUnsafe(Math.max(len, 256 * 1024));
      const n = Math.min(len - fill, piece.length - p);
      piece.copy(carry, fill, p, p + n);
      fill += n;
      p += n;
      if (fill === len) {
        fill = 0;
        take(carry.subarray(0, len));
      }
    }
    if (hasher) await hasher.piece(piece, checks);
  }
  if (ci !== claimed.length || fill !== 0) throw bad('it is shorter than its chunks');
  if (!hasher) return { hash: (whole as ReturnType<typeof createHash>).digest('hex'), size };
  const r = await hasher.digestAndChecks();
  if (r.bad) throw bad(`chunk ${claimed.findIndex(([h]) => h === r.bad)} (${r.bad.slice(0, 12)}) does not match its hash`);
  return { hash: r.hash, size };
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  }
}

/**
 * Content-addressed object store. A blob (any byte stream: a CSV, an image, a model's weights) is
 * named by its sha256 and stored as content-defined chunks, each kept once across all blobs, inside
 * write-once pack files. Every read re-hashes the chunks it returns.
 */
export class ObjectStore {
  readonly repo: StoreRepo;
  readonly packsDir: string;
  readonly tmpDir: string;
  private readonly fds = new Map<string, number>();

  constructor(
    readonly home: string,
    private readonly db: Db,
    private readonly opts: ChunkerOptions = DEFAULT_CHUNKING,
  ) {
    this.repo = new StoreRepo(db);
    this.packsDir = path.join(home, 'objects', 'packs');
    this.tmpDir = path.join(home, 'tmp');
    fs.mkdirSync(this.packsDir, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  /** The chunk sizes this store cuts blobs into. */
  get chunking(): ChunkerOptions {
    return this.opts;
  }

  packPath(id: string): string {
    return path.join(this.packsDir, `${id}.pack`);
  }

  /** A scratch path under the workspace's tmp/ (removed at the next start if left behind). */
  tempPath(suffix = ''): string {
    return path.join(this.tmpDir, `${randomUUID()}${suffix}`);
  }

  beginStage(): StageSession {
    return new StageSession(this, this.tempPath('.pack.tmp'), this.opts);
  }

  /** Records a sealed session. Call inside the caller's transaction, together with the rows that use it. */
  commit(session: StageSession): void {
    session.seal();
    if (session.hasPack) {
      this.repo.insertPack(session.packId, session.newBytes);
      for (const c of session.newChunks) this.repo.insertChunk(c);
    }
    for (const b of session.blobs) this.repo.insertBlob(b.hash, b.size, b.chunks);
  }

  /** Convenience for small blobs (indexes, JSON): stage, seal and record in one transaction. */
  putBuffer(buf: Buffer): string {
    const s = this.beginStage();
    const blob = s.addBuffer(buf);
    s.seal();
    this.db.transaction(() => this.commit(s))();
    return blob.hash;
  }

  private packFd(packId: string): number {
    let fd = this.fds.get(packId);
    if (fd === undefined) {
      try {
        fd = fs.openSync(this.packPath(packId), 'r');
      } catch (e) {
        throw new LatheError('CORRUPT_OBJECT', `Pack ${packId} is missing from the object store`, {
          where: this.packPath(packId),
          hint: 'Run `lathe doctor` to see what is affected.',
          cause: e,
        });
      }
      this.fds.set(packId, fd);
    }
    return fd;
  }

  /** Reads one chunk and checks its hash: a flipped byte on disk is caught here, not passed on. */
  readChunk(hash: string): Buffer {
    const loc = this.repo.chunk(hash);
    if (!loc) throw new LatheError('CORRUPT_OBJECT', `Chunk ${hash.slice(0, 12)} is not in the object store`);
    const buf = Buffer.allocUnsafe(loc.length);
    const n = fs.readSync(this.packFd(loc.pack_id), buf, 0, loc.length, loc.offset);
    if (n !== loc.length || sha256(buf) !== hash) {
      throw new LatheError('CORRUPT_OBJECT', `Chunk ${hash.slice(0, 12)} in pack ${loc.pack_id} is damaged (hash mismatch)`, {
        where: this.packPath(loc.pack_id),
        hint: 'The bytes on disk changed since they were written. Run `lathe doctor`; restore the workspace from a backup or re-import the data.',
      });
    }
    return buf;
  }

  hasBlob(hash: string): boolean {
    return this.repo.hasBlob(hash);
  }

  blobSize(hash: string): number {
    const b = this.repo.blob(hash);
    if (!b) throw new LatheError('NOT_FOUND', `Object ${hash.slice(0, 12)} is not in the store`);
    return b.size;
  }

  readBlob(hash: string): Buffer {
    const size = this.blobSize(hash);
    return this.readRange(hash, 0, size);
  }

  /** Bytes [start, end) of a blob, reading only the chunks that overlap the range. */
  readRange(hash: string, start: number, end: number): Buffer {
    const size = this.blobSize(hash);
    end = Math.min(end, size);
    if (start >= end) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (const c of this.repo.blobChunksInRange(hash, start, end)) {
      const data = this.readChunk(c.chunk_hash);
      const from = Math.max(0, start - c.offset);
      const to = Math.min(c.length, end - c.offset);
      parts.push(data.subarray(from, to));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /**
   * A blob's bytes in large pieces, NOT yet verified: runs of its chunks that lie next to each other in
   * one pack are read with one read of up to `maxRead` bytes. Each piece comes with the chunks it holds
   * (the caller checks them against their hashes) and is a view into one reused buffer, valid until
   * the next one is asked for.
   */
  *blobRuns(hash: string, maxRead = READ_PIECE): Generator<{ data: Buffer; chunks: [string, number][]; pack: string }> {
    const locs = this.repo.blobChunkLocations(hash);
    if (locs.length === 0 && !this.repo.hasBlob(hash)) throw new LatheError('NOT_FOUND', `Object ${hash.slice(0, 12)} is not in the store`);
    let buf = Buffer.allocUnsafe(Math.min(maxRead, locs.reduce((a, c) => a + c.length, 0)));
    for (let i = 0; i < locs.length; ) {
      const first = locs[i];
      if (first.pack_id === null || first.offset === null) throw new LatheError('CORRUPT_OBJECT', `Chunk ${first.hash.slice(0, 12)} is not in the object store`);
      const chunks: [string, number][] = [[first.hash, first.length]];
      let j = i;
      let total = first.length;
      while (j + 1 < locs.length) {
        const next = locs[j + 1];
        if (next.pack_id !== first.pack_id || next.offset !== (locs[j].offset as number) + locs[j].length || total + next.length > maxRead) break;
        chunks.push([next.hash, next.length]);
        total += next.length;
        j++;
      }
      if (buf.length < total) buf = Buffer.allocUnsafe(total);
      const fd = this.packFd(first.pack_id);
      let got = 0;
      while (got < total) {
        const n = fs.readSync(fd, buf, got, total - got, first.offset + got);
        if (n === 0) throw this.damaged(first.hash, first.pack_id);
        got += n;
      }
      yield { data: buf.subarray(0, total), chunks, pack: first.pack_id };
      i = j + 1;
    }
  }

  /** The error for a chunk whose bytes on disk do not match its hash. */
  damaged(chunk: string, packId: string): LatheError {
    return new LatheError('CORRUPT_OBJECT', `Chunk ${chunk.slice(0, 12)} in pack ${packId} is damaged (hash mismatch)`, {
      where: this.packPath(packId),
      hint: 'The bytes on disk changed since they were written. Run `lathe doctor`; restore the workspace from a backup or re-import the data.',
    });
  }

  /**
   * Streams a blob's bytes in large pieces (see `blobRuns`), every chunk checked against its hash
   * before its piece is yielded. Pieces are views into a reused buffer: copy to keep.
   */
  *readBlobPieces(hash: string, maxRead = READ_PIECE): Generator<Buffer> {
    for (const run of this.blobRuns(hash, maxRead)) {
      let off = 0;
      for (const [h, len] of run.chunks) {
        if (sha256(run.data.subarray(off, off + len)) !== h) throw this.damaged(h, run.pack);
        off += len;
      }
      yield run.data;
    }
  }

  /** Streams a blob chunk by chunk, verifying each chunk and finally the whole blob's hash. */
  *iterateBlob(hash: string): Generator<Buffer> {
    if (!this.repo.hasBlob(hash)) throw new LatheError('NOT_FOUND', `Object ${hash.slice(0, 12)} is not in the store`);
    const whole = createHash('sha256');
    for (const c of this.repo.blobChunks(hash)) {
      const data = this.readChunk(c.chunk_hash);
      whole.update(data);
      yield data;
    }
    if (whole.digest('hex') !== hash) {
      throw new LatheError('CORRUPT_OBJECT', `Object ${hash.slice(0, 12)} does not match its hash`);
    }
  }

  /** Writes a blob to a file atomically (temp, fsync, rename): the target is whole or absent. */
  writeBlobToFile(hash: string, target: string): number {
    const tmp = `${target}.lathe-tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    let bytes = 0;
    try {
      for (const data of this.iterateBlob(hash)) {
        fs.writeSync(fd, data);
        bytes += data.length;
      }
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
    return bytes;
  }

  /** Removes temp files left by an interrupted import or export. Run at start. */
  cleanTemp(): number {
    let n = 0;
    for (const f of fs.readdirSync(this.tmpDir)) {
      fs.rmSync(path.join(this.tmpDir, f), { recursive: true, force: true });
      n++;
    }
    return n;
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }

  /**
   * Frees what nothing references: blobs no row points at, chunks no blob uses, packs rewritten
   * without their dead chunks, and pack files the database never recorded (a crash between seal and
   * commit).
   */
  gc(): { blobsRemoved: number; chunksRemoved: number; packsRewritten: number; bytesFreed: number } {
    const live = this.repo.liveBlobHashes();
    const deadBlobs = this.repo.allBlobs().filter((b) => !live.has(b.hash)).map((b) => b.hash);
    this.db.transaction(() => this.repo.deleteBlobs(deadBlobs))();
    const dead = this.repo.deadChunks();
    const deadSet = new Set(dead.map((c) => c.hash));
    const packsTouched = new Set(dead.map((c) => c.pack_id));
    let bytesFreed = 0;
    let packsRewritten = 0;
    for (const packId of packsTouched) {
      const chunks = this.repo.chunksInPack(packId);
      const keep = chunks.filter((c) => !deadSet.has(c.hash));
      const oldSize = fs.statSync(this.packPath(packId)).size;
      const newPackId = keep.length > 0 ? this.copyChunksToNewPack(keep) : null;
      this.db.transaction(() => {
        this.repo.deleteChunks(chunks.filter((c) => deadSet.has(c.hash)).map((c) => c.hash));
        if (newPackId) {
          let offset = 0;
          for (const c of keep) {
            this.repo.moveChunk(c.hash, newPackId.id, offset);
            offset += c.length;
          }
          this.repo.insertPack(newPackId.id, newPackId.size);
        }
        this.repo.deletePack(packId);
      })();
      this.closePack(packId);
      fs.rmSync(this.packPath(packId), { force: true });
      bytesFreed += oldSize - (newPackId?.size ?? 0);
      packsRewritten++;
    }
    bytesFreed += this.removeUnrecordedPacks();
    return { blobsRemoved: deadBlobs.length, chunksRemoved: dead.length, packsRewritten, bytesFreed };
  }

  private copyChunksToNewPack(keep: ChunkLocation[]): { id: string; size: number } {
    const id = `${Date.now().toString(36)}-${randomUUID()}`;
    const tmp = this.tempPath('.pack.tmp');
    const fd = fs.openSync(tmp, 'w');
    let size = 0;
    try {
      for (const c of keep) {
        const data = this.readChunk(c.hash);
        fs.writeSync(fd, data, 0, data.length, size);
        size += data.length;
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.packPath(id));
    fsyncDir(this.packsDir);
    return { id, size };
  }

  private closePack(packId: string): void {
    const fd = this.fds.get(packId);
    if (fd !== undefined) fs.closeSync(fd);
    this.fds.delete(packId);
  }

  private removeUnrecordedPacks(): number {
    const known = new Set(this.repo.packIds());
    let freed = 0;
    for (const f of fs.readdirSync(this.packsDir)) {
      const id = f.replace(/\.pack$/, '');
      if (known.has(id)) continue;
      const p = path.join(this.packsDir, f);
      freed += fs.statSync(p).size;
      fs.rmSync(p, { force: true });
    }
    return freed;
  }

  /** Re-reads every chunk and every blob and reports any whose bytes do not match their hash. */
  verifyAll(): { chunksChecked: number; bytesChecked: number; problems: { object: string; problem: string }[] } {
    const problems: { object: string; problem: string }[] = [];
    let chunksChecked = 0;
    let bytesChecked = 0;
    const badChunks = new Set<string>();
    for (const c of this.repo.allChunks()) {
      chunksChecked++;
      try {
        bytesChecked += this.readChunk(c.hash).length;
      } catch (e) {
        badChunks.add(c.hash);
        problems.push({ object: `chunk ${c.hash}`, problem: e instanceof Error ? e.message : String(e) });
      }
    }
    for (const b of this.repo.allBlobs()) {
      const chunks = this.repo.blobChunks(b.hash);
      const broken = chunks.filter((c) => badChunks.has(c.chunk_hash) || !this.repo.chunk(c.chunk_hash));
      if (broken.length > 0) {
        problems.push({ object: `blob ${b.hash}`, problem: `${broken.length} of its ${chunks.length} chunks are damaged or missing` });
        continue;
      }
      const whole = createHash('sha256');
      let size = 0;
      for (const c of chunks) {
        const d = this.readChunk(c.chunk_hash);
        whole.update(d);
        size += d.length;
      }
      if (whole.digest('hex') !== b.hash || size !== b.size) {
        problems.push({ object: `blob ${b.hash}`, problem: 'its chunks do not reassemble to its hash' });
      }
    }
    return { chunksChecked, bytesChecked, problems };
  }
}

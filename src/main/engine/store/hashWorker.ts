import { createHash } from 'node:crypto';
import { openWorker, type WorkerSession } from '../workers/runWorker';
import { firstBadInChecks, firstBadInList, type ChunkChecks, type ChunkList, type HashCommand, type HashReply } from './hashProtocol';

export type { HashCommand, HashJob, HashReply } from './hashProtocol';

/**
 * sha256 on a second thread, so a bundle import can hash every chunk and the whole object (two full
 * passes over the bytes) at the same time, and an export can verify chunks while it writes. Bytes are
 * copied into a shared ring the worker hashes from: the caller may reuse its buffers as soon as
 * `whole`/`chunks` return. The thread is the `hash` entry of the worker launcher (workers/hash.worker.ts).
 *
 * `whole(bytes)` feeds the running hash of one stream (`digest()` ends it); `chunks(bytes, list)`
 * checks that `bytes` is exactly the listed chunks, each matching its hash (the first mismatch is
 * reported by `settle()`). Both wait only when the ring is full.
 */
const RING = 32 * 1024 * 1024;

type Answer = Exclude<HashReply, { t: 'freed' }>;

export class HashWorker {
  private readonly worker: WorkerSession<'hash'>;
  private readonly ring: Buffer;
  private head = 0;
  private used = 0;
  private failure: Error | null = null;
  private closed = false;
  private spaceWaiter: (() => void) | null = null;
  private replies: { resolve: (m: Answer) => void; reject: (e: Error) => void }[] = [];

  private constructor() {
    const sab = new SharedArrayBuffer(RING);
    this.ring = Buffer.from(sab);
    this.worker = openWorker('hash', { sab }, { onProgress: (m) => this.received(m) });
    this.worker.done.then(
      () => this.fail(new Error('the hashing thread stopped')),
      (e: unknown) => this.fail(this.closed ? new Error('the hashing thread was closed') : e instanceof Error ? e : new Error(String(e))),
    );
  }

  private received(m: HashReply): void {
    if (m.t === 'freed') {
      this.used -= m.n;
      this.wake();
    } else this.replies.shift()?.resolve(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const r of this.replies.splice(0)) r.reject(e);
    this.wake();
  }

  private wake(): void {
    const w = this.spaceWaiter;
    this.spaceWaiter = null;
    w?.();
  }

  /** A worker, or null where threads cannot be started (the caller then hashes inline). */
  static start(): HashWorker | null {
    try {
      return new HashWorker();
    } catch {
      return null;
    }
  }

  /** Takes `n` contiguous bytes of the ring (waiting for room); returns their offset. */
  private async room(n: number): Promise<number> {
    if (n > RING) throw new Error(`hash piece of ${n} bytes is larger than the ring`);
    // A piece is kept contiguous (chunk checks need it whole): skip the ring's tail if it does not fit.
    const skip = this.head + n > RING ? RING - this.head : 0;
    while (RING - this.used < n + skip) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.spaceWaiter = r));
    }
    if (this.failure) throw this.failure;
    if (skip) {
      this.head = 0;
      this.used += skip;
      this.worker.send({ t: 'whole', parts: [], n: skip });
    }
    const at = this.head;
    this.head = (this.head + n) % RING;
    this.used += n;
    return at;
  }

  /** Copies `bytes` into the ring (waiting for room); returns the [offset, length] parts it took. */
  private async copyIn(bytes: Buffer): Promise<[number, number][]> {
    const at = await this.room(bytes.length);
    bytes.copy(this.ring, at);
    return [[at, bytes.length]];
  }

  /**
   * `n` bytes of the ring to read into directly (no copy on the way to the hashing thread): fill the
   * view, then hand it to `chunksIn`, which alone gives the space back (after the thread hashed it).
   * The view stays valid (and unchanged) until then, so the caller may also write it out meanwhile.
   */
  async reserve(n: number): Promise<Buffer> {
    const at = await this.room(n);
    return this.ring.subarray(at, at + n);
  }

  /** As `chunks`, for bytes already in the ring: a view `reserve` returned, filled by the caller. */
  async chunksIn(view: Buffer, list: ChunkList): Promise<void> {
    if (view.buffer !== this.ring.buffer) throw new Error('chunksIn takes a view of the ring (from reserve)');
    this.worker.send({ t: 'chunks', off: view.byteOffset - this.ring.byteOffset, list, n: view.length });
  }

  async whole(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    const parts = await this.copyIn(bytes);
    this.worker.send({ t: 'whole', parts, n: bytes.length });
  }

  /** Feeds `bytes` to the running hash and checks the chunks at [offset in bytes, length, hash]. */
  async piece(bytes: Buffer, checks: ChunkChecks): Promise<void> {
    if (bytes.length === 0) return;
    const [[off]] = await this.copyIn(bytes);
    this.worker.send({ t: 'piece', off, checks, n: bytes.length });
  }

  async chunks(bytes: Buffer, list: ChunkList): Promise<void> {
    if (bytes.length === 0) return;
    const [[off]] = await this.copyIn(bytes);
    this.worker.send({ t: 'chunks', off, list, n: bytes.length });
  }

  private ask(msg: HashCommand & { t: 'digest' | 'settle' }): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.replies.push({ resolve, reject });
      this.worker.send(msg);
    });
  }

  /** The hash of everything given to `whole`/`piece` since the last digest. */
  async digest(): Promise<string> {
    return (await this.digestAndChecks()).hash;
  }

  /** As `digest`, with the first chunk given to `piece` (or `chunks`) since then that did not match. */
  async digestAndChecks(): Promise<{ hash: string; bad: string | null }> {
    const m = await this.ask({ t: 'digest' });
    if (m.t !== 'digest') throw new Error('the hashing thread answered out of turn');
    return { hash: m.hex, bad: m.bad };
  }

  /** Waits for every chunk check so far; returns the first chunk hash that did not match, or null. */
  async settle(): Promise<string | null> {
    return (await this.ask({ t: 'settle' })).bad;
  }

  close(): void {
    this.closed = true;
    this.worker.stop();
  }
}

/** The same interface on the calling thread, for when no worker is available. */
export class InlineHasher {
  private h = createHash('sha256');
  private bad: string | null = null;
  private scratch: Buffer | null = null;
  /** A buffer of `n` bytes to read into (reused: valid until the next call). */
  async reserve(n: number): Promise<Buffer> {
    if (this.scratch === null || this.scratch.length < n) this.scratch = Buffer.allocUnsafe(n);
    return this.scratch.subarray(0, n);
  }
  async chunksIn(view: Buffer, list: ChunkList): Promise<void> {
    await this.chunks(view, list);
  }
  async whole(bytes: Buffer): Promise<void> {
    this.h.update(bytes);
  }
  async chunks(bytes: Buffer, list: ChunkList): Promise<void> {
    if (this.bad === null) this.bad = firstBadInList(bytes, list);
  }
  async piece(bytes: Buffer, checks: ChunkChecks): Promise<void> {
    this.h.update(bytes);
    if (this.bad === null) this.bad = firstBadInChecks(bytes, checks);
  }
  async digest(): Promise<string> {
    return (await this.digestAndChecks()).hash;
  }
  async digestAndChecks(): Promise<{ hash: string; bad: string | null }> {
    const hash = this.h.digest('hex');
    this.h = createHash('sha256');
    const bad = this.bad;
    this.bad = null;
    return { hash, bad };
  }
  async settle(): Promise<string | null> {
    const b = this.bad;
    this.bad = null;
    return b;
  }
  close(): void {}
}

export type Hasher = HashWorker | InlineHasher;

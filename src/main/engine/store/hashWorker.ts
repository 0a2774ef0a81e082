import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * sha256 on a second thread, so a bundle import can hash every chunk and the whole object (two full
 * passes over the bytes) at the same time, and an export can verify chunks while it writes. Bytes are
 * copied into a shared ring the worker hashes from: the caller may reuse its buffers as soon as
 * `whole`/`chunks` return. A tiny CommonJS worker evaluated from a string, so it needs no bundling.
 *
 * `whole(bytes)` feeds the running hash of one stream (`digest()` ends it); `chunks(bytes, list)`
 * checks that `bytes` is exactly the listed chunks, each matching its hash (the first mismatch is
 * reported by `settle()`). Both wait only when the ring is full.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = Buffer.from(workerData.sab);
let whole = createHash('sha256');
let bad = null;
parentPort.on('message', (m) => {
  if (m.t === 'whole') {
    for (const [off, len] of m.parts) whole.update(ring.subarray(off, off + len));
  } else if (m.t === 'chunks') {
    let at = m.off;
    for (const [hash, len] of m.list) {
      if (bad === null && createHash('sha256').update(ring.subarray(at, at + len)).digest('hex') !== hash) bad = hash;
      at += len;
    }
  } else if (m.t === 'piece') {
    whole.update(ring.subarray(m.off, m.off + m.n));
    for (const [rel, len, hash] of m.checks) {
      if (bad === null && createHash('sha256').update(ring.subarray(m.off + rel, m.off + rel + len)).digest('hex') !== hash) bad = hash;
    }
  } else if (m.t === 'digest') {
    parentPort.postMessage({ t: 'digest', hex: whole.digest('hex'), bad });
    whole = createHash('sha256');
    bad = null;
    return;
  } else if (m.t === 'settle') {
    parentPort.postMessage({ t: 'settled', bad });
    bad = null;
    return;
  }
  parentPort.postMessage({ t: 'freed', n: m.n });
});
`;

const RING = 32 * 1024 * 1024;

export class HashWorker {
  private readonly worker: Worker;
  private readonly ring: Buffer;
  private head = 0;
  private used = 0;
  private failure: Error | null = null;
  private spaceWaiter: (() => void) | null = null;
  private replies: { resolve: (m: { t: string; hex?: string; bad?: string | null }) => void; reject: (e: Error) => void }[] = [];

  private constructor() {
    const sab = new SharedArrayBuffer(RING);
    this.ring = Buffer.from(sab);
    this.worker = new Worker(SOURCE, { eval: true, workerData: { sab } });
    this.worker.on('message', (m: { t: string; n?: number; hex?: string; bad?: string | null }) => {
      if (m.t === 'freed') {
        this.used -= m.n as number;
        const w = this.spaceWaiter;
        this.spaceWaiter = null;
        w?.();
      } else this.replies.shift()?.resolve(m);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const r of this.replies.splice(0)) r.reject(e);
      const w = this.spaceWaiter;
      this.spaceWaiter = null;
      w?.();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the hashing thread stopped')));
  }

  /** A worker, or null where threads cannot be started (the caller then hashes inline). */
  static start(): HashWorker | null {
    try {
      return new HashWorker();
    } catch {
      return null;
    }
  }

  /** Copies `bytes` into the ring (waiting for room); returns the [offset, length] parts it took. */
  private async copyIn(bytes: Buffer): Promise<[number, number][]> {
    if (bytes.length > RING) throw new Error(`hash piece of ${bytes.length} bytes is larger than the ring`);
    // A piece is kept contiguous (chunk checks need it whole): skip the ring's tail if it does not fit.
    const skip = this.head + bytes.length > RING ? RING - this.head : 0;
    while (RING - this.used < bytes.length + skip) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.spaceWaiter = r));
    }
    if (this.failure) throw this.failure;
    if (skip) {
      this.head = 0;
      this.used += skip;
      this.worker.postMessage({ t: 'whole', parts: [], n: skip });
    }
    bytes.copy(this.ring, this.head);
    const at = this.head;
    this.head = (this.head + bytes.length) % RING;
    this.used += bytes.length;
    return [[at, bytes.length]];
  }

  async whole(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    const parts = await this.copyIn(bytes);
    this.worker.postMessage({ t: 'whole', parts, n: bytes.length });
  }

  /** Feeds `bytes` to the running hash and checks the chunks at [offset in bytes, length, hash]. */
  async piece(bytes: Buffer, checks: [number, number, string][]): Promise<void> {
    if (bytes.length === 0) return;
    const [[off]] = await this.copyIn(bytes);
    this.worker.postMessage({ t: 'piece', off, checks, n: bytes.length });
  }

  async chunks(bytes: Buffer, list: readonly (readonly [string, number])[]): Promise<void> {
    if (bytes.length === 0) return;
    const [[off]] = await this.copyIn(bytes);
    this.worker.postMessage({ t: 'chunks', off, list, n: bytes.length });
  }

  private ask(msg: { t: string }): Promise<{ t: string; hex?: string; bad?: string | null }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.replies.push({ resolve, reject });
      this.worker.postMessage(msg);
    });
  }

  /** The hash of everything given to `whole`/`piece` since the last digest. */
  async digest(): Promise<string> {
    return (await this.digestAndChecks()).hash;
  }

  /** As `digest`, with the first chunk given to `piece` (or `chunks`) since then that did not match. */
  async digestAndChecks(): Promise<{ hash: string; bad: string | null }> {
    const m = await this.ask({ t: 'digest' });
    return { hash: m.hex as string, bad: m.bad ?? null };
  }

  /** Waits for every chunk check so far; returns the first chunk hash that did not match, or null. */
  async settle(): Promise<string | null> {
    return (await this.ask({ t: 'settle' })).bad ?? null;
  }

  close(): void {
    void this.worker.terminate();
  }
}

/** The same interface on the calling thread, for when no worker is available. */
export class InlineHasher {
  private h = createHash('sha256');
  private bad: string | null = null;
  async whole(bytes: Buffer): Promise<void> {
    this.h.update(bytes);
  }
  async chunks(bytes: Buffer, list: readonly (readonly [string, number])[]): Promise<void> {
    let at = 0;
    for (const [hash, len] of list) {
      if (this.bad === null && createHash('sha256').update(bytes.subarray(at, at + len)).digest('hex') !== hash) this.bad = hash;
      at += len;
    }
  }
  async piece(bytes: Buffer, checks: [number, number, string][]): Promise<void> {
    this.h.update(bytes);
    for (const [rel, len, hash] of checks) {
      if (this.bad === null && createHash('sha256').update(bytes.subarray(rel, rel + len)).digest('hex') !== hash) this.bad = hash;
    }
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

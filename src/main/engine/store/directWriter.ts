import fs from 'node:fs';

/**
 * Writes a new file with O_DIRECT, from page-aligned buffers, several writes in flight on the thread
 * pool (issue 14). A bulk import written through the page cache spent most of its time in the kernel
 * getting page-cache pages (on the VM it was measured on, 2-3 s of system time per GB inside
 * `writeSync`, on the main thread, and the page cache then had to be written back anyway); a direct
 * write hands the buffer to the disk instead (measured: ~0.3 s of CPU per GB), and the thread keeps
 * hashing meanwhile. Where O_DIRECT is not available (not Linux, a file system that refuses it)
 * `open` returns null and the caller writes through the page cache as before.
 *
 * The caller `append`s bytes (copied: its buffer is free on return), awaits `ready()` between pieces
 * so at most MAX_IN_FLIGHT writes run, `settle()`s before `finish()`, which writes the tail, cuts the
 * file to its length and closes it. Nothing here fsyncs unless asked: the disk's own cache still
 * needs a flush (fdatasync) for the bytes to survive a power loss.
 */

/** One write: large (the device takes 4 MiB requests here), a multiple of any block size. */
const PIECE = 4 * 1024 * 1024;
/** Direct I/O wants offsets, lengths and memory aligned to the logical block: 4096 covers 512 and 4K disks. */
const ALIGN = 4096;
/** Writes on the thread pool at once: it has 4 threads by default, and the bundle's reads need one. */
const MAX_IN_FLIGHT = 3;
const WASM_PAGE = 64 * 1024;

/**
 * Page-aligned memory: a WebAssembly memory is mapped on its own pages (an ArrayBuffer from
 * Buffer.alloc is not aligned, and O_DIRECT refuses an unaligned one with EINVAL).
 */
function alignedPieces(n: number): Buffer[] {
  const mem = new WebAssembly.Memory({ initial: (n * PIECE) / WASM_PAGE, maximum: (n * PIECE) / WASM_PAGE });
  const all = Buffer.from(mem.buffer);
  return Array.from({ length: n }, (_, k) => all.subarray(k * PIECE, (k + 1) * PIECE));
}

/**
 * Sets of pieces kept for the next writer: each WebAssembly memory reserves a large range of address
 * space, so many short imports in a row should not each map a new one. At most two sets are kept.
 */
const spare: Buffer[][] = [];
const PIECES = MAX_IN_FLIGHT + 1;
const takePieces = (): Buffer[] => spare.pop() ?? alignedPieces(PIECES);
const givePieces = (set: Buffer[]): void => {
  if (set.length === PIECES && spare.length < 2) spare.push(set);
};

export class DirectWriter {
  private readonly free: Buffer[];
  /** Every piece of this writer, returned to `spare` at close (when no write uses them any more). */
  private readonly pieces: Buffer[];
  private current: Buffer;
  private used = 0;
  /** File offset of `current`'s first byte (a multiple of PIECE). */
  private at = 0;
  private size = 0;
  private inFlight = 0;
  private error: Error | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Called after each write that completed (a background sync can follow the bytes out: durable.ts). */
  onWritten: ((fd: number, bytes: number) => void) | null = null;

  private constructor(readonly fd: number) {
    this.pieces = takePieces();
    this.free = [...this.pieces];
    this.current = this.free.pop() as Buffer;
  }

  /** A writer for a new file at `file`, or null where direct writes are not available there. */
  static open(file: string): DirectWriter | null {
    const flag = fs.constants.O_DIRECT;
    if (process.platform !== 'linux' || flag === undefined) return null;
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | flag, 0o644);
    } catch {
      return null;
    }
    try {
      const w = new DirectWriter(fd);
      // One block first: a file system that opens with O_DIRECT but refuses its writes says so here.
      fs.writeSync(fd, w.current, 0, ALIGN, 0);
      return w;
    } catch {
      fs.closeSync(fd);
      // Reopened by the buffered path with O_TRUNC.
      return null;
    }
  }

  get bytes(): number {
    return this.size;
  }

  /** Copies `bytes` in; full pieces go out in the background (synchronously only if none is free). */
  append(bytes: Buffer): void {
    let p = 0;
    while (p < bytes.length) {
      const n = Math.min(PIECE - this.used, bytes.length - p);
      bytes.copy(this.current, this.used, p, p + n);
      this.used += n;
      p += n;
      if (this.used === PIECE) this.submit();
    }
    this.size += bytes.length;
  }

  private submit(): void {
    const piece = this.current;
    const at = this.at;
    this.at += PIECE;
    this.used = 0;
    const next = this.free.pop();
    if (next === undefined) {
      // A caller that never awaits ready(): write this one now rather than grow without bound.
      this.writeNow(piece, PIECE, at);
      this.current = piece;
      return;
    }
    this.current = next;
    this.inFlight++;
    this.writeAsync(piece, 0, at);
  }

  private writeAsync(piece: Buffer, from: number, at: number): void {
    fs.write(this.fd, piece, from, PIECE - from, at + from, (e, n) => {
      // Short direct writes come in whole blocks; anything else is an error.
      if (!e && n < PIECE - from && n > 0 && n % ALIGN === 0) return this.writeAsync(piece, from + n, at);
      if (e || n !== PIECE - from) this.error ??= e ?? new Error(`short write (${n} of ${PIECE - from} bytes) at ${at + from}`);
      this.inFlight--;
      this.free.push(piece);
      if (!this.error) this.onWritten?.(this.fd, PIECE);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  private writeNow(piece: Buffer, length: number, at: number): void {
    let done = 0;
    while (done < length) {
      const n = fs.writeSync(this.fd, piece, done, length - done, at + done);
      if (n <= 0 || n % ALIGN !== 0) throw new Error(`short write (${n} of ${length - done} bytes) at ${at + done}`);
      done += n;
    }
  }

  /** Resolves once fewer than MAX_IN_FLIGHT writes run; throws the error of any write so far. */
  async ready(): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT && !this.error) await new Promise<void>((r) => this.waiters.push(r));
    if (this.error) throw this.error;
  }

  /** Waits for every write in flight; throws the first error. */
  async settle(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.error) throw this.error;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Writes the tail (padded to a block), cuts the file to its length, optionally fsyncs, closes. */
  finish(opts: { fsync: boolean }): void {
    if (this.busy) throw new Error('DirectWriter.finish() while writes run: await settle() first');
    if (this.error) throw this.error;
    if (this.used > 0) {
      const padded = Math.ceil(this.used / ALIGN) * ALIGN;
      this.current.fill(0, this.used, padded);
      this.writeNow(this.current, padded, this.at);
    }
    fs.ftruncateSync(this.fd, this.size);
    if (opts.fsync) fs.fsyncSync(this.fd);
    this.close();
  }

  /**
   * Closes once the writes in flight ended (closing an fd under a running write is not safe);
   * `whenIdle` defers the close further (past a background sync of the same fd).
   */
  abandon(whenIdle: (close: () => void) => void = (f) => f()): void {
    void this.settle()
      .catch(() => undefined)
      .then(() => whenIdle(() => this.close()));
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    if (!this.busy) givePieces(this.pieces);
  }
}

import fs from 'node:fs';

/** Getting bytes onto disk so that they survive a crash: full writes, background syncs, directory syncs. */

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

/** Writes all of `data` at `position` (a single write may write less). */
export function writeAll(fd: number, data: Buffer, position: number): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, position + off);
}

/** Makes a rename inside `dir` durable. */
export function fsyncDir(dir: string): void {
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
 * Makes a written file (and its entry in its folder) durable off the main thread: fdatasync of the
 * file, then fsync of its folder, on the thread pool. Rejects with the first error.
 */
export async function syncFileAndDir(file: string, dir: string): Promise<void> {
  // r+: Windows cannot flush a file opened read-only.
  const fh = await fs.promises.open(file, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
  let dh: fs.promises.FileHandle | null = null;
  try {
    dh = await fs.promises.open(dir, 'r');
    await dh.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await dh?.close();
  }
}

/** The same, synchronously (a flush that must be done before the caller goes on). */
export function syncFileAndDirNow(file: string, dir: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fsyncDir(dir);
}

import fs from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * A minimal ustar writer for bundles: regular files only, names under 100 bytes, sizes in octal (or
 * base-256 past 8 GiB). Data goes out in writes of 1 MiB, so a gigabyte takes about a thousand writes
 * rather than one per 64 KiB chunk (much larger single writes measured slower: page cache). Small
 * pieces are gathered into a 1 MiB buffer; a piece of 1 MiB or more is written from where it lies
 * (only its tail is gathered), so bulk data is not copied on its way out.
 */
export class TarWriter {
  private buf = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;

  constructor(private readonly out: { fd: number } | { stream: Writable }) {}

  private static header(name: string, size: number, mtime: number, type = '0'): Buffer {
    const h = Buffer.alloc(512);
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > 100) throw new Error(`tar name too long: ${name}`);
    nameBytes.copy(h, 0);
    h.write('0000644\0', 100, 'ascii');
    h.write('0000000\0', 108, 'ascii');
    h.write('0000000\0', 116, 'ascii');
    if (size < 8 ** 11) h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
    else {
      h[124] = 0x80;
      let v = BigInt(size);
      for (let i = 135; i > 124; i--) {
        h[i] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    h.write(Math.floor(mtime / 1000).toString(8).padStart(11, '0') + '\0', 136, 'ascii');
    h.write('        ', 148, 'ascii');
    h.write(type, 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += h[i];
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    return h;
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const data = this.buf.subarray(0, this.used);
    if ('fd' in this.out) writeFully(this.out.fd, data);
    else {
      const copy = Buffer.from(data);
      const stream = this.out.stream;
      if (!stream.write(copy)) await new Promise<void>((r) => stream.once('drain', () => r()));
    }
    this.used = 0;
  }

  private async put(data: Buffer): Promise<void> {
    let off = 0;
    if ('fd' in this.out && data.length >= this.buf.length) {
      // Bulk data skips the copy: top up and flush what is gathered, then write whole 1 MiB slices
      // of `data` itself (the same write size), and gather only the tail.
      if (this.used > 0) {
        off = this.buf.length - this.used;
        data.copy(this.buf, this.used, 0, off);
        this.used = this.buf.length;
        await this.flush();
      }
      for (; data.length - off >= this.buf.length; off += this.buf.length) writeFully(this.out.fd, data.subarray(off, off + this.buf.length));
    }
    while (off < data.length) {
      const n = Math.min(data.length - off, this.buf.length - this.used);
      data.copy(this.buf, this.used, off, off + n);
      this.used += n;
      off += n;
      if (this.used === this.buf.length) await this.flush();
    }
  }

  /** One file entry; `parts` must yield exactly `size` bytes (each part is copied before the next is asked for). */
  async file(name: string, size: number, mtime: number, parts: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<void> {
    await this.put(TarWriter.header(name, size, mtime));
    let n = 0;
    for await (const p of parts) {
      n += p.length;
      await this.put(p);
    }
    if (n !== size) throw new Error(`tar entry ${name}: ${n} bytes written, ${size} declared`);
    const pad = (512 - (size % 512)) % 512;
    if (pad) await this.put(Buffer.alloc(pad));
  }

  /**
   * A pax extended header (POSIX.1-2001) for the entry that follows: `key=value` records that readers
   * which do not know a key ignore. Used for the bundle signature.
   */
  async pax(forName: string, mtime: number, records: Record<string, string>): Promise<void> {
    const body = Buffer.concat(Object.entries(records).map(([k, v]) => paxRecord(k, v)));
    await this.put(TarWriter.header(`PaxHeader/${forName}`.slice(0, 100), body.length, mtime, 'x'));
    await this.put(body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) await this.put(Buffer.alloc(pad));
  }

  /** The two zero blocks that end an archive, then everything out. */
  async finish(): Promise<void> {
    await this.put(Buffer.alloc(1024));
    await this.flush();
  }
}

function writeFully(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off);
}

/** One pax record: "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: string): Buffer {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let len = rest + String(rest).length;
  if (String(len).length !== String(len - rest).length) len++;
  return Buffer.from(`${len} ${key}=${value}\n`);
}

import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { LatheError } from '../../../shared/errors';

/**
 * Lines of files (plain or .gz), streamed, with their file:line and the bytes read so far so an
 * ingest of many GB reports progress and can stop between lines.
 */
export interface SourceLine {
  where: string;
  text: string;
}

export async function* fileLines(files: string[], onBytes: (done: number, total: number) => void, signal?: AbortSignal): AsyncGenerator<SourceLine> {
  let total = 0;
  for (const f of files) {
    try {
      total += fs.statSync(f).size;
    } catch {
      throw new LatheError('NOT_FOUND', `No such file: ${f}`, { where: f });
    }
  }
  let before = 0;
  for (const f of files) {
    const raw = fs.createReadStream(f, { highWaterMark: 1 << 20 });
    const input = f.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
    const rl = readline.createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const text of rl) {
        n++;
        if (signal?.aborted) return;
        if ((n & 4095) === 0) onBytes(before + raw.bytesRead, total);
        yield { where: `${f}:${n}`, text };
      }
    } catch (e) {
      throw new LatheError('BAD_FILE', `Could not read ${f}: ${(e as Error).message}`, { where: `${f}:${n}` });
    } finally {
      rl.close();
      raw.destroy();
    }
    before += fs.statSync(f).size;
    onBytes(before, total);
  }
}

export function* arrayLines(records: unknown[], name: string): Generator<{ where: string; value: unknown }> {
  for (let i = 0; i < records.length; i++) yield { where: `${name}[${i}]`, value: records[i] };
}

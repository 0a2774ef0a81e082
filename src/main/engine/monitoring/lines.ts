import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import { LatheError } from '../../../shared/errors';

/**
 * Lines of files (plain or .gz), streamed, with their file:line and the bytes read so far so an
 * ingest of many GB reports progress and can stop between chunks. Lines come in blocks (one read
 * chunk's worth, ~1 MB): a line-at-a-time async iterator (readline) costs a promise and an object per
 * line, more than checking the line itself. Lines end at "\n" (a "\r" before it is dropped).
 */
export interface SourceLine {
  where: string;
  text: string;
}

/** A block of consecutive lines of one file: `lines[k]` is line `firstLine + k` of `file`. */
export interface LineBlock {
  file: string;
  firstLine: number;
  lines: string[];
}

const CHUNK = 1 << 20;

export async function* fileLineBlocks(files: string[], onBytes: (done: number, total: number) => void, signal?: AbortSignal): AsyncGenerator<LineBlock> {
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
    const raw = fs.createReadStream(f, { highWaterMark: CHUNK });
    const input = f.endsWith('.gz') ? raw.pipe(zlib.createGunzip({ chunkSize: CHUNK })) : raw;
    const decoder = new StringDecoder('utf8');
    let n = 0;
    let rest = '';
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        if (signal?.aborted) return;
        const text = rest + decoder.write(chunk);
        const lines: string[] = [];
        let from = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
          lines.push(text.charCodeAt(nl - 1) === 13 && nl > from ? text.slice(from, nl - 1) : text.slice(from, nl));
          from = nl + 1;
        }
        rest = from === 0 ? text : text.slice(from);
        if (lines.length) {
          yield { file: f, firstLine: n + 1, lines };
          n += lines.length;
        }
        onBytes(before + raw.bytesRead, total);
      }
      const last = rest + decoder.end();
      if (last.length && !signal?.aborted) {
        yield { file: f, firstLine: n + 1, lines: [last.endsWith('\r') ? last.slice(0, -1) : last] };
        n++;
      }
    } catch (e) {
      throw new LatheError('BAD_FILE', `Could not read ${f}: ${(e as Error).message}`, { where: `${f}:${n}` });
    } finally {
      raw.destroy();
    }
    if (signal?.aborted) return;
    before += fs.statSync(f).size;
    onBytes(before, total);
  }
}

/** Line at a time (for the small files of labels and outcomes). */
export async function* fileLines(files: string[], onBytes: (done: number, total: number) => void, signal?: AbortSignal): AsyncGenerator<SourceLine> {
  for await (const b of fileLineBlocks(files, onBytes, signal)) {
    for (let k = 0; k < b.lines.length; k++) yield { where: `${b.file}:${b.firstLine + k}`, text: b.lines[k] };
  }
}

export function* arrayLines(records: unknown[], name: string): Generator<{ where: string; value: unknown }> {
  for (let i = 0; i < records.length; i++) yield { where: `${name}[${i}]`, value: records[i] };
}

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

/**
 * A block of consecutive lines of one file: `lines[k]` is line `firstLine + k` of `file`, and bytes
 * [from[k], to[k]) of `bytes` are the same line as read (UTF-8, its "\r\n" or "\n" left out), so a
 * line can be kept as received without encoding its text again.
 */
export interface LineBlock {
  file: string;
  firstLine: number;
  lines: string[];
  bytes: Uint8Array;
  from: Int32Array;
  to: Int32Array;
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
    let restBytes: Buffer = Buffer.alloc(0);
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        if (signal?.aborted) return;
        const text = rest + decoder.write(chunk);
        const bytes = restBytes.length ? Buffer.concat([restBytes, chunk]) : chunk;
        const b = splitLines(text, bytes);
        rest = b.rest === 0 ? text : text.slice(b.rest);
        restBytes = bytes.subarray(b.restBytes);
        if (b.lines.length) {
          yield { file: f, firstLine: n + 1, lines: b.lines, bytes, from: b.from, to: b.to };
          n += b.lines.length;
        }
        onBytes(before + raw.bytesRead, total);
      }
      const last = rest + decoder.end();
      if (last.length && !signal?.aborted) {
        const cr = last.endsWith('\r') ? 1 : 0;
        yield { file: f, firstLine: n + 1, lines: [cr ? last.slice(0, -1) : last], bytes: restBytes, from: Int32Array.of(0), to: Int32Array.of(restBytes.length - cr) };
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

/**
 * The whole lines of `text` and where each is in `bytes` (the same characters in UTF-8), and where
 * the unfinished rest starts in each. "\n" is never part of a longer UTF-8 sequence, so the k-th
 * "\n" of one is the k-th of the other; in ASCII text (as long as its bytes) the offsets are the same.
 */
function splitLines(text: string, bytes: Uint8Array): { lines: string[]; from: Int32Array; to: Int32Array; rest: number; restBytes: number } {
  const lines: string[] = [];
  let count = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) count++;
  const from = new Int32Array(count);
  const to = new Int32Array(count);
  const ascii = text.length === bytes.length;
  let at = 0;
  let atByte = 0;
  for (let k = 0; k < count; k++) {
    const nl = text.indexOf('\n', at);
    const cr = nl > at && text.charCodeAt(nl - 1) === 13 ? 1 : 0;
    lines.push(text.slice(at, nl - cr));
    const nlByte = ascii ? nl : bytes.indexOf(10, atByte);
    from[k] = atByte;
    to[k] = nlByte - cr;
    at = nl + 1;
    atByte = nlByte + 1;
  }
  return { lines, from, to, rest: at, restBytes: atByte };
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

import type { IncomingMessage } from 'node:http';
import { LatheError } from '../../shared/errors';

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of req) {
    size += (piece as Buffer).length;
    if (size > limit) throw new LatheError('INVALID_INPUT', `Request body over ${limit} bytes`);
    parts.push(piece as Buffer);
  }
  return Buffer.concat(parts);
}

/** Parses JSON and, on failure, says where (line and column) it broke. */
export function parseJson(text: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    let where: string | undefined;
    if (pos) {
      const p = Number(pos[1]);
      const before = text.slice(0, p);
      const line = before.split('\n').length;
      const col = p - before.lastIndexOf('\n');
      where = `line ${line}, column ${col}`;
    }
    throw new LatheError('INVALID_INPUT', `Malformed JSON${where ? ` at ${where}` : ''}: ${msg}`, { where });
  }
}

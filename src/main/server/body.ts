import type { IncomingMessage } from 'node:http';
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
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
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    // JSON.parse's messages rarely say where; jsonc-parser's scanner reports the first error's offset.
    const errors: ParseError[] = [];
    parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
    const at = errors[0]?.offset ?? 0;
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const what = errors[0] ? printParseErrorCode(errors[0].error) : (e as Error).message;
    const where = `line ${line}, column ${column}`;
    throw new LatheError('INVALID_INPUT', `Malformed JSON at ${where}: ${what}`, { where });
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { tempDir, tempEngine } from '../helpers';

export const PENGUINS = path.resolve('resources/sample/penguins.csv');

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A fresh workspace plus a scratch folder for input files; both removed after the test. */
export async function workspace() {
  const t = await tempEngine();
  const dir = tempDir('lathe-data-');
  cleanups.push(t.cleanup, () => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };
  const add = (name: string, file: string, extra: { message?: string; tag?: string; format?: 'csv' | 'tsv' | 'jsonl' | 'parquet' | 'images' } = {}) =>
    t.engine['datasets.add']({ name, path: file, message: extra.message ?? '', tag: extra.tag, format: extra.format });
  return { ...t, dir, write, add };
}

/** Rejection of a promise as a LatheError-like object, for matching code/message/where. */
export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; where?: string; hint?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string; where?: string; hint?: string };
  }
  throw new Error('expected a failure');
}

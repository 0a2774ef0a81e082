import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mimeType, resolveAppFile } from '../../src/main/electron/appProtocol';

let base: string;
let root: string;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-protocol-'));
  root = path.join(base, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Lathe</title>');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'assets', 'a b.css'), 'body{}');
  fs.writeFileSync(path.join(base, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe('resolveAppFile', () => {
  it('serves files of the renderer folder', () => {
    expect(resolveAppFile('lathe://app/index.html', root)).toEqual({ kind: 'file', file: fs.realpathSync(path.join(root, 'index.html')) });
    expect(resolveAppFile('lathe://app/', root)).toMatchObject({ kind: 'file', file: expect.stringMatching(/index\.html$/) });
    expect(resolveAppFile('lathe://app/assets/index-abc.js?v=1#x', root)).toMatchObject({ kind: 'file', file: expect.stringMatching(/index-abc\.js$/) });
    expect(resolveAppFile('lathe://app/assets/a%20b.css', root)).toMatchObject({ kind: 'file', file: expect.stringMatching(/a b\.css$/) });
  });
  it('answers client-side routes with index.html, missing assets with not-found', () => {
    expect(resolveAppFile('lathe://app/datasets/penguins', root)).toMatchObject({ kind: 'file', file: expect.stringMatching(/index\.html$/) });
    expect(resolveAppFile('lathe://app/assets/missing.js', root)).toEqual({ kind: 'not-found' });
  });
  it.each([
    'lathe://app/../secret.txt',
    'lathe://app/%2e%2e/secret.txt',
    'lathe://app/assets/%2e%2e/%2e%2e/secret.txt',
    'lathe://app/..%2fsecret.txt',
    'lathe://app/assets%5c..%5c..%5csecret.txt',
    'lathe://app/index.html%00.js',
    'lathe://app/%E0%A4%A',
    'lathe://app/assets/link.txt',
    'lathe://evil/index.html',
    'lathe://app.evil/index.html',
    'lathe://x@app/index.html',
    'file:///etc/passwd',
    'https://app/index.html',
    'not a url',
  ])('refuses %s', (url) => {
    const r = resolveAppFile(url, root);
    expect(r.kind).not.toBe('file');
  });
  it('never returns a path outside the folder', () => {
    for (const p of ['..', '../..', '%2e%2e', '%2e%2e%2f%2e%2e', 'a/../../b', '/etc/passwd', '//etc/passwd']) {
      const r = resolveAppFile(`lathe://app/${p}`, root);
      if (r.kind === 'file') expect(r.file.startsWith(fs.realpathSync(root) + path.sep)).toBe(true);
    }
  });
});

describe('mimeType', () => {
  it('knows the renderer files', () => {
    expect(mimeType('index.html')).toMatch(/^text\/html/);
    expect(mimeType('a.JS')).toMatch(/^text\/javascript/);
    expect(mimeType('a.css')).toMatch(/^text\/css/);
    expect(mimeType('a.wasm')).toBe('application/wasm');
    expect(mimeType('a.bin')).toBe('application/octet-stream');
  });
});

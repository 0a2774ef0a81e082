/**
 * Serving the built renderer (dist/renderer) under `lathe://app/`. Pure path logic (no Electron import)
 * so traversal attempts are unit tested: a request can only ever read a file inside the renderer folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './ipcGuard';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type AppFile = { kind: 'file'; file: string } | { kind: 'not-found' } | { kind: 'forbidden' };

/**
 * Maps a request URL to a file under `rootDir`. Only `lathe://app/...`; `..`, encoded separators, NUL
 * bytes and symlinks leading outside the folder are refused. A path without an extension that names no
 * file gets index.html (client-side routes).
 */
export function resolveAppFile(requestUrl: string, rootDir: string): AppFile {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return { kind: 'forbidden' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password) return { kind: 'forbidden' };
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return { kind: 'forbidden' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { kind: 'forbidden' };
  const segments = pathname.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { kind: 'forbidden' };
  const root = path.resolve(rootDir);
  const rel = segments.length === 0 ? 'index.html' : segments.join(path.sep);
  const candidate = path.resolve(root, rel);
  if (!isInside(root, candidate)) return { kind: 'forbidden' };

  const file = existingFile(candidate) ?? (path.extname(candidate) === '' ? existingFile(path.join(root, 'index.html')) : null);
  if (!file) return { kind: 'not-found' };
  // Follow symlinks and check again: a link inside dist/renderer must not lead out of it.
  let real: string;
  let realRoot: string;
  try {
    real = fs.realpathSync(file);
    realRoot = fs.realpathSync(root);
  } catch {
    return { kind: 'not-found' };
  }
  if (!isInside(realRoot, real)) return { kind: 'forbidden' };
  return { kind: 'file', file: real };
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function existingFile(p: string): string | null {
  try {
    return fs.statSync(p).isFile() ? p : null;
  } catch {
    return null;
  }
}

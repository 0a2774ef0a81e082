import fs from 'node:fs';
import { LatheError } from '../../../shared/errors';
import type { ArtifactEntry, ArtifactPreview } from '../../../shared/tracking';
import type { TrackingRepo } from '../db/trackingRepo';
import type { ObjectStore } from '../store/objectStore';
import type { StagedBlob, StageSession } from '../store/stageSession';
import { storedPathOk } from '../safePath';

/**
 * Checks an artifact path and returns it normalised ('/' separated, relative). Artifacts live in the
 * object store keyed by this path, so nothing is ever written to a file system path derived from it;
 * still, a path that could mean something else somewhere (an export to a folder, a download) is refused:
 * `..`, `.`, empty segments, absolute paths, drive letters, backslashes, control characters (NUL) and
 * anything still percent-encoded after the door decoded it once (`%2e%2e`, `%252e`).
 */
export function artifactPath(raw: string, opts: { allowEmpty?: boolean } = {}): string {
  if (raw === '' && opts.allowEmpty) return '';
  const bad = (why: string): never => {
    // eslint-disable-next-line no-control-regex -- control characters are replaced in the message
    throw new LatheError('INVALID_INPUT', `Artifact path "${raw.replace(/[\u0000-\u001f]/g, '?').slice(0, 200)}" is refused: ${why}`, { where: 'path' });
  };
  if (raw.length === 0) bad('it is empty');
  if (raw.length > 1024) bad('it has more than 1024 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) bad('it contains a control character (such as NUL)');
  if (raw.includes('\\')) bad('it contains a backslash; use "/" between folders');
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) bad('it is absolute; artifact paths are relative to the run');
  if (/%[0-9A-Fa-f]{2}/.test(raw)) bad('it is still percent-encoded after decoding (double encoding)');
  const segments = raw.split('/');
  if (segments[segments.length - 1] === '') segments.pop(); // a trailing "/" names a folder
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') bad('it has an empty, "." or ".." part');
    if (s.trim() !== s && s.trim() === '') bad('it has a blank part');
  }
  return segments.join('/');
}

const PREVIEW_BYTES = 256 * 1024;
const IMAGE_BYTES = 8 * 1024 * 1024;
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
};
const TEXT_EXT = new Set(['txt', 'log', 'md', 'py', 'ts', 'js', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'sh', 'html', 'xml', 'tsv', 'out', 'err']);

export function mediaTypeOf(p: string): string {
  const ext = p.slice(p.lastIndexOf('.') + 1).toLowerCase();
  if (IMAGE_TYPES[ext]) return IMAGE_TYPES[ext];
  if (ext === 'json' || ext === 'jsonl') return 'application/json';
  if (ext === 'csv') return 'text/csv';
  if (TEXT_EXT.has(ext)) return 'text/plain';
  return 'application/octet-stream';
}

/** Run artifacts: files stored as blobs, listed like a folder tree, previewed for the UI. */
export class RunArtifacts {
  constructor(
    private readonly repo: TrackingRepo,
    private readonly store: ObjectStore,
  ) {}

  /** Stores bytes under a path (replacing what was there). */
  putBuffer(runId: string, rel: string, data: Buffer): ArtifactEntry {
    const p = artifactPath(rel);
    const s = this.store.beginStage();
    try {
      return this.record(runId, p, s, s.addBuffer(data));
    } catch (e) {
      s.abort();
      throw e;
    }
  }

  /** Stores a file (streamed in pieces, so large files do not sit in memory). */
  async putFile(runId: string, rel: string, file: string): Promise<ArtifactEntry> {
    const p = artifactPath(rel);
    const s = this.store.beginStage();
    try {
      return this.record(runId, p, s, await s.addFile(file));
    } catch (e) {
      s.abort();
      throw e;
    }
  }

  /** Seals a stage holding one blob and records it as the artifact at `p`, in one transaction. */
  private record(runId: string, p: string, s: StageSession, blob: StagedBlob): ArtifactEntry {
    s.seal();
    const now = Date.now();
    this.repo.transaction(() => {
      this.store.commit(s);
      this.repo.upsertArtifact(runId, p, blob.hash, blob.size, now);
    });
    return { path: p, isDir: false, size: blob.size, blobHash: blob.hash, createdAt: now };
  }

  /** Direct children of a folder ('' for the root): files and sub-folders (with their total size). */
  list(runId: string, dir: string): ArtifactEntry[] {
    const folder = artifactPath(dir, { allowEmpty: true });
    const rows = this.repo.artifacts(runId, folder || undefined);
    const prefix = folder ? `${folder}/` : '';
    const out = new Map<string, ArtifactEntry>();
    for (const r of rows) {
      storedPathOk(r.path, 'artifact'); // clients write listed paths under a folder of theirs
      const rest = r.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) out.set(r.path, { path: r.path, isDir: false, size: r.size, blobHash: r.blob_hash, createdAt: r.created_at });
      else {
        const sub = prefix + rest.slice(0, slash);
        const e = out.get(sub) ?? { path: sub, isDir: true, size: 0 };
        e.size += r.size;
        out.set(sub, e);
      }
    }
    if (folder && out.size === 0 && this.repo.artifact(runId, folder)) {
      // Listing a file: MLflow answers with nothing; so do we.
      return [];
    }
    return [...out.values()].sort((a, b) => (a.isDir === b.isDir ? a.path.localeCompare(b.path) : a.isDir ? -1 : 1));
  }

  /** Every file of a run, recursively. */
  listAll(runId: string): ArtifactEntry[] {
    return this.repo.artifacts(runId).map((r) => ({ path: storedPathOk(r.path, 'artifact'), isDir: false, size: r.size, blobHash: r.blob_hash, createdAt: r.created_at }));
  }

  entry(runId: string, rel: string): { path: string; blobHash: string; size: number } {
    const p = artifactPath(rel);
    const row = this.repo.artifact(runId, p);
    if (!row) throw new LatheError('NOT_FOUND', `Run ${runId} has no artifact "${p}"`, { where: 'path' });
    return { path: p, blobHash: row.blob_hash, size: row.size };
  }

  read(runId: string, rel: string): Buffer {
    return this.store.readBlob(this.entry(runId, rel).blobHash);
  }

  *stream(runId: string, rel: string): Generator<Buffer> {
    yield* this.store.iterateBlob(this.entry(runId, rel).blobHash);
  }

  preview(runId: string, rel: string, maxBytes = PREVIEW_BYTES): ArtifactPreview {
    const e = this.entry(runId, rel);
    const mediaType = mediaTypeOf(e.path);
    if (mediaType.startsWith('image/')) {
      if (e.size > IMAGE_BYTES) return { path: e.path, size: e.size, kind: 'image', mediaType, content: '', encoding: 'none', truncated: true };
      return { path: e.path, size: e.size, kind: 'image', mediaType, content: this.store.readBlob(e.blobHash).toString('base64'), encoding: 'base64', truncated: false };
    }
    const head = this.store.readRange(e.blobHash, 0, Math.min(e.size, maxBytes));
    const truncated = e.size > head.length;
    const kind = mediaType === 'application/json' ? 'json' : mediaType === 'text/csv' ? 'csv' : mediaType === 'text/plain' || looksLikeText(head) ? 'text' : 'binary';
    if (kind === 'binary') return { path: e.path, size: e.size, kind, mediaType, content: '', encoding: 'none', truncated };
    let text = head.toString('utf8');
    // Do not cut a multi-byte character in half at the end of a truncated preview.
    if (truncated) text = text.replace(/\uFFFD+$/, '');
    return { path: e.path, size: e.size, kind, mediaType: kind === 'text' ? 'text/plain' : mediaType, content: text, encoding: 'utf8', truncated };
  }
}

function looksLikeText(b: Buffer): boolean {
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) if (b[i] === 0) return false;
  return true;
}

export function fileExists(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageProfile } from '../../../../shared/datasets';
import { LatheError } from '../../../../shared/errors';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const DECODE_CONCURRENCY = 4;

export interface ImageFile {
  /** Absolute path on disk. */
  source: string;
  /** '/'-separated path inside the folder: `<class>/<file>`. */
  path: string;
  className: string;
  width: number;
  height: number;
  format: string;
  channels: number;
  size: number;
}

/** Every regular file under `dir` except hidden ones (.DS_Store, .git), as '/'-separated relative paths. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, child));
    else if (entry.isFile()) out.push(child);
  }
  return out.sort();
}

function listSome(paths: string[]): string {
  return paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` and ${paths.length - 5} more` : '');
}

/** Whether a folder looks like an image dataset (used by format detection). */
export function folderHasImages(dir: string): boolean {
  return walk(dir).some((p) => IMAGE_EXTENSIONS.has(path.extname(p).toLowerCase()));
}

async function inspect(dir: string, rel: string): Promise<ImageFile> {
  const source = path.join(dir, ...rel.split('/'));
  try {
    // stats() decodes every pixel: a truncated or mislabelled file fails here, not at training time.
    const image = sharp(source, { failOn: 'error' });
    const meta = await image.metadata();
    await image.stats();
    return {
      source,
      path: rel,
      className: rel.split('/')[0],
      width: meta.width ?? 0,
      height: meta.height ?? 0,
      format: meta.format ?? 'unknown',
      channels: meta.channels ?? 0,
      size: fs.statSync(source).size,
    };
  } catch (e) {
    throw new LatheError('BAD_FILE', `${source} is not a readable image (${e instanceof Error ? e.message : String(e)})`, {
      where: source,
      hint: 'Remove or replace that file; only PNG and JPEG images that decode are imported.',
      cause: e,
    });
  }
}

/**
 * Reads a folder of images in class subfolders (`cats/1.png`, `dogs/2.jpg`): checks that every file
 * is a PNG or JPEG inside a class folder and really decodes, and gathers its size and format.
 */
export async function analyzeImageFolder(dir: string, onProgress: (done: number, total: number) => void): Promise<{ files: ImageFile[]; profile: ImageProfile }> {
  const paths = walk(dir);
  if (paths.length === 0) {
    throw new LatheError('BAD_FILE', `${dir} holds no files`, { where: dir, hint: 'Put images in one subfolder per class, e.g. cats/1.png, dogs/2.jpg.' });
  }
  const notImages = paths.filter((p) => !IMAGE_EXTENSIONS.has(path.extname(p).toLowerCase()));
  if (notImages.length > 0) {
    throw new LatheError('BAD_FILE', `${dir} mixes images with other files: ${listSome(notImages)}`, {
      where: path.join(dir, notImages[0]),
      hint: 'An image dataset holds only .png, .jpg and .jpeg files in class subfolders; move the other files out.',
    });
  }
  const unclassed = paths.filter((p) => !p.includes('/'));
  if (unclassed.length > 0) {
    throw new LatheError('BAD_FILE', `${dir}: images must sit in class subfolders, but these do not: ${listSome(unclassed)}`, {
      where: path.join(dir, unclassed[0]),
      hint: 'Move each image into a folder named after its class, e.g. cats/1.png.',
    });
  }
  const files: ImageFile[] = new Array<ImageFile>(paths.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < paths.length) {
      const k = next++;
      files[k] = await inspect(dir, paths[k]);
      onProgress(++done, paths.length);
    }
  };
  await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, worker));
  return { files, profile: imageProfile(files) };
}

function countBy<T extends string | number>(values: T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

function range(values: number[]): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / values.length };
}

function imageProfile(files: ImageFile[]): ImageProfile {
  return {
    kind: 'images',
    count: files.length,
    classes: [...countBy(files.map((f) => f.className))].map(([name, count]) => ({ name, count })),
    formats: [...countBy(files.map((f) => f.format))].map(([format, count]) => ({ format, count })),
    width: range(files.map((f) => f.width)),
    height: range(files.map((f) => f.height)),
    channels: [...countBy(files.map((f) => f.channels))].map(([channels, count]) => ({ channels, count })),
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { sharpImage } from '../../compute/heavyModules';
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

/** A file found under the folder: its '/'-separated path there and its path through `dir` (links checked). */
interface Found {
  rel: string;
  source: string;
}

function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root + path.sep);
}

/**
 * Every regular file under `dir` except hidden ones (.DS_Store, .git), sorted by relative path.
 * Symbolic links are followed when their target stays inside the folder (a class folder or an image
 * linked from elsewhere in the dataset); a link that leaves it, dangles, or loops back to a folder
 * it sits in is refused by name, so what is imported is exactly what the folder shows.
 */
function walk(dir: string): Found[] {
  const root = fs.realpathSync(dir);
  const out: Found[] = [];
  const escaping: string[] = [];
  const visit = (real: string, rel: string, ancestors: Set<string>) => {
    for (const entry of fs.readdirSync(real, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      let target = path.join(real, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          target = fs.realpathSync(target);
        } catch {
          throw new LatheError('BAD_FILE', `${dir}: the link ${child} points to nothing`, {
            where: path.join(dir, child),
            hint: 'Remove the broken link or make it point to an image inside the folder.',
          });
        }
        if (!isInside(root, target)) {
          escaping.push(child);
          continue;
        }
        const st = fs.statSync(target);
        isDir = st.isDirectory();
        isFile = st.isFile();
      }
      if (isDir) {
        if (ancestors.has(target)) {
          throw new LatheError('BAD_FILE', `${dir}: the link ${child} loops back to a folder that contains it`, {
            where: path.join(dir, child),
            hint: 'Remove that link; a class folder cannot contain itself.',
          });
        }
        visit(target, child, new Set(ancestors).add(target));
      } else if (isFile) out.push({ rel: child, source: path.join(dir, ...child.split('/')) });
    }
  };
  visit(root, '', new Set([root]));
  if (escaping.length > 0) {
    throw new LatheError('BAD_FILE', `${dir} links to files outside itself: ${listSome(escaping)}`, {
      where: path.join(dir, escaping[0]),
      hint: 'Copy those images (or class folders) into the dataset folder instead of linking them, or link only within the folder: a version must hold everything it names.',
    });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

function listSome(paths: string[]): string {
  return paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` and ${paths.length - 5} more` : '');
}

/** Whether a folder looks like an image dataset (used by format detection). */
export function folderHasImages(dir: string): boolean {
  return walk(dir).some((f) => IMAGE_EXTENSIONS.has(path.extname(f.rel).toLowerCase()));
}

async function inspect({ rel, source }: Found): Promise<ImageFile> {
  try {
    // stats() decodes every pixel: a truncated or mislabelled file fails here, not at training time.
    const image = sharpImage()(source, { failOn: 'error' });
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
  const found = walk(dir);
  const paths = found.map((f) => f.rel);
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
      files[k] = await inspect(found[k]);
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

import { sharpImage } from '../compute/heavyModules';
import { LatheError } from '../../../shared/errors';
import type { Preprocessing, TrainingSpec } from '../../../shared/training';
import type { VersionRow } from '../db/datasetsRepo';
import type { ImageFileMeta } from '../datasets/imageRows';
import type { DataContext, Part, TrainingData } from './data';
import { splitRecord } from './membership';
import { splitRows, splitSizes } from './split';

const DECODE_CONCURRENCY = 4;

/** Decodes one image the way preprocessing.json says: drop alpha, grayscale if 1 channel, fill-resize, HWC uint8. */
export async function decodeImage(bytes: Buffer, pre: { width: number; height: number; channels: 1 | 3 }): Promise<Buffer> {
  let img = sharpImage()(bytes, { failOn: 'error' }).removeAlpha();
  if (pre.channels === 1) img = img.grayscale();
  else img = img.toColourspace('srgb');
  const { data, info } = await img.resize(pre.width, pre.height, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== pre.channels) {
    // A grayscale source asked for as RGB comes back with one channel: repeat it.
    const out = Buffer.alloc(pre.width * pre.height * pre.channels);
    for (let i = 0; i < pre.width * pre.height; i++) for (let c = 0; c < pre.channels; c++) out[i * pre.channels + c] = data[i * info.channels];
    return out;
  }
  return data;
}

/** Colour channels without alpha: 1 (gray), 3 (colour). */
const colourChannels = (c: number) => (c === 2 ? 1 : c === 4 ? 3 : c);

/** The metadata checks of an image-folder spec (target, split kind, classes, channels): no image is read. */
export function planImages(ctx: DataContext, spec: TrainingSpec & { template: 'image-cnn' }, version: VersionRow) {
  const hp = spec.hyperparameters;
  if (spec.target !== undefined && spec.target !== 'class') {
    throw new LatheError('INVALID_INPUT', `An image folder's target is its class folders ("class"), not "${spec.target}"`, { where: 'target' });
  }
  if (spec.split.kind === 'column') throw new LatheError('INVALID_INPUT', 'Image folders split by fraction only', { where: 'split.kind' });
  const files = ctx.repo.files(version.dataset_id, version.id).map((f) => ({ path: f.path, hash: f.blob_hash, meta: JSON.parse(f.meta_json ?? '{}') as Partial<ImageFileMeta> }));
  const labels = [...new Set(files.map((f) => f.meta.class ?? f.path.split('/')[0]))].sort();
  if (labels.length < 2) throw new LatheError('INVALID_INPUT', `The image folder has ${labels.length} class; at least two class subfolders are needed`, { where: 'data' });
  if (hp.channels === 3) {
    const kinds = new Set(files.map((f) => colourChannels(f.meta.channels ?? 3)));
    if (kinds.size > 1) {
      const gray = files.filter((f) => colourChannels(f.meta.channels ?? 3) === 1).map((f) => f.path);
      throw new LatheError('INVALID_INPUT', `The images have mismatched channels: ${gray.length} are grayscale (${gray.slice(0, 3).join(', ')}) among colour images`, {
        where: gray[0],
        hint: 'Set channels=1 to train on grayscale, or convert the grayscale images to RGB and import a new version.',
      });
    }
  }
  const perClass = new Map<string, number>();
  for (const f of files) {
    const c = f.meta.class ?? f.path.split('/')[0];
    perClass.set(c, (perClass.get(c) ?? 0) + 1);
  }
  splitSizes(spec.split, [...perClass]);
  return { files, labels, width: hp.width, height: hp.height, channels: hp.channels };
}

/**
 * An image-folder version as training data: classes from the folder names, the split by the spec,
 * every image decoded and resized with sharp, in the job's worker (a file that cannot be decoded fails
 * the run with BAD_FILE; a folder mixing grayscale and colour images while RGB is asked for is refused
 * up front by planImages).
 */
export async function decodeImages(
  ctx: DataContext,
  spec: TrainingSpec & { template: 'image-cnn' },
  version: VersionRow,
  ref: TrainingData['version'],
  reuse?: Preprocessing,
): Promise<TrainingData> {
  const { files, labels } = planImages(ctx, spec, version);
  const classIndex = new Map(labels.map((l, i) => [l, i]));
  const positions = files.map((_, i) => i);
  const split = splitRows(spec.split, positions, { classOf: (i) => files[i].meta.class ?? files[i].path.split('/')[0] });
  const hp = spec.hyperparameters;
  const pre: Extract<Preprocessing, { kind: 'image' }> =
    reuse && reuse.kind === 'image' ? reuse : { kind: 'image', width: hp.width, height: hp.height, channels: hp.channels, resize: 'fill', scale: 1 / 255, target: { kind: 'classification', labels } };
  const per = pre.width * pre.height * pre.channels;

  const decodePart = async (idx: number[]): Promise<Part> => {
    const x = new Float32Array(idx.length * per);
    const y = new Float32Array(idx.length);
    let next = 0;
    const work = async () => {
      while (next < idx.length) {
        const k = next++;
        const f = files[idx[k]];
        let px: Buffer;
        try {
          px = await decodeImage(ctx.store.readBlob(f.hash), pre);
        } catch (e) {
          throw new LatheError('BAD_FILE', `${f.path} cannot be decoded as an image: ${(e as Error).message}`, { where: f.path });
        }
        for (let j = 0; j < per; j++) x[k * per + j] = px[j] * pre.scale;
        y[k] = classIndex.get(f.meta.class ?? f.path.split('/')[0]) ?? -1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, idx.length) }, work));
    return { x, y, n: idx.length };
  };
  const [train, validation, test] = [await decodePart(split.train), await decodePart(split.validation), await decodePart(split.test)];
  return {
    task: 'classification',
    target: 'class',
    labels,
    inputShape: [pre.height, pre.width, pre.channels],
    outputSize: labels.length,
    parts: { train, validation, test },
    preprocessing: pre,
    inputs: { kind: 'image', width: pre.width, height: pre.height, channels: pre.channels },
    version: ref,
    split: splitRecord(spec, split, 'classification', 0),
  };
}

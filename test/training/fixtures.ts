import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../../src/main/engine/engine';
import type { JobProgress } from '../../src/shared/training';

/** Waits for a job's first progress event matching `pred` (e.g. "epoch 3 reached"). */
export function progressReached(engine: Engine, jobId: string, pred: (p: JobProgress) => boolean): Promise<JobProgress> {
  return new Promise((resolve) => {
    const off = engine.events.subscribe((ev) => {
      if (ev.type !== 'training.progress') return;
      const d = ev.data;
      if (d.jobId === jobId && pred(d.progress)) {
        off();
        resolve(d.progress);
      }
    });
  });
}

export function writeCsv(dir: string, name: string, header: string[], rows: (string | number)[][]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return file;
}

/** A tiny image folder: `red/` and `blue/` squares with a little noise, as PNGs made by sharp. */
export async function writeImageFolder(dir: string, perClass: number, opts: { grayscaleIn?: string } = {}): Promise<string> {
  const root = path.join(dir, 'images');
  for (const [cls, rgb] of [
    ['red', [220, 30, 30]],
    ['blue', [30, 30, 220]],
  ] as const) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(12 * 12 * 3);
      for (let j = 0; j < 12 * 12; j++) for (let c = 0; c < 3; c++) px[j * 3 + c] = Math.max(0, Math.min(255, rgb[c] + ((i * 37 + j * 11 + c * 5) % 40) - 20));
      await sharp(px, { raw: { width: 12, height: 12, channels: 3 } }).png().toFile(path.join(root, cls, `${i}.png`));
    }
  }
  if (opts.grayscaleIn) {
    const px = Buffer.alloc(12 * 12, 128);
    await sharp(px, { raw: { width: 12, height: 12, channels: 1 } }).toColourspace('b-w').png().toFile(path.join(root, opts.grayscaleIn, 'gray.png'));
  }
  return root;
}

import { createRequire } from 'node:module';
import type * as Tf from '@tensorflow/tfjs';
import type SharpFn from 'sharp';

/**
 * TF.js and sharp, loaded on first use. Requiring them costs about 175 ms and 75 ms, which every CLI
 * command and the desktop app's start would pay even when they never train, predict or decode an
 * image; modules that need them call these at the point of use instead of importing them at the top.
 * Node's require cache makes every caller (and TF.js's backends) share one instance.
 */

const load = createRequire(import.meta.url);
let tf: typeof Tf | undefined;
let sharp: typeof SharpFn | undefined;

export function tfjs(): typeof Tf {
  tf ??= load('@tensorflow/tfjs') as typeof Tf;
  return tf;
}

export function sharpImage(): typeof SharpFn {
  sharp ??= load('sharp') as typeof SharpFn;
  return sharp;
}

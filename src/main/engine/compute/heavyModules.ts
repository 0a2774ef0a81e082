import { createRequire } from 'node:module';
import type * as Tf from '@tensorflow/tfjs';
import type SharpFn from 'sharp';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';

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

/**
 * The wasm backend through the same loader as TF.js: an `import()` of it from a CommonJS bundle loads
 * its ESM build, which registers with a second (ESM) copy of tfjs-core that `tfjs()` never sees, and
 * selection silently fell back to the plain JS backend (about 4x slower).
 */
export function tfjsWasm(): typeof TfWasm {
  return load('@tensorflow/tfjs-backend-wasm') as typeof TfWasm;
}

/**
 * tfjs-node or tfjs-node-gpu, which may not be installed (the caller reports why). Through the same
 * loader as TF.js for the reason given at `tfjsWasm`: they register their backend with the tfjs-core
 * instance `tfjs()` returns.
 */
export function tfjsNative(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): unknown {
  return load(pkg);
}

export function sharpImage(): typeof SharpFn {
  sharp ??= load('sharp') as typeof SharpFn;
  return sharp;
}

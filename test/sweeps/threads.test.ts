import { describe, expect, it } from 'vitest';
import { wasmThreads } from '../../src/main/engine/training/service';

/** A job's share of the cores (TF.js wasm threads): a lone sweep trial gets them all, parallel ones split them. */
describe('wasmThreads', () => {
  it('gives a lone trial every core and each of two parallel trials half', () => {
    expect(wasmThreads(2, 1, 2)).toBe(2);
    expect(wasmThreads(2, 2, 2)).toBe(1);
    expect(wasmThreads(4, 1, 8)).toBe(8);
    expect(wasmThreads(4, 2, 8)).toBe(4);
  });

  it('never counts more jobs side by side than the pool has slots, and gives at least one thread', () => {
    expect(wasmThreads(2, 8, 8)).toBe(4); // a sweep asking for 8 at once still runs 2 at a time
    expect(wasmThreads(4, 4, 2)).toBe(1);
    expect(wasmThreads(1, 1, 1)).toBe(1);
  });

  it('without a caller saying how many run side by side, shares the cores among the pool slots', () => {
    expect(wasmThreads(2, undefined, 2)).toBe(1);
    expect(wasmThreads(2, undefined, 8)).toBe(4);
  });
});

/**
 * Mergeable, serialisable sketches: one set for dataset profiles, reference profiles and monitoring
 * windows, so a profile of a day is the merge of its hours and a large import can be profiled in
 * chunks. Independent of monitoring (no imports from it).
 */
export { ColumnSketch, type ColumnKind, type ColumnSketchJSON, type ColumnSketchOptions } from './columnSketch';
export { FixedBins, type FixedBinsJSON } from './fixedBins';
export { HyperLogLog, HLL_P, type HllJSON } from './hll';
export { KllSketch, KLL_DEFAULT_K, xorshift32, type KllJSON } from './kll';
export { Moments, type MomentsJSON } from './moments';
export { TopCategories, TOP_CAPACITY, MAX_LABEL, type TopCategoriesJSON } from './topCategories';
export { hashNumber, hashString } from './hash';

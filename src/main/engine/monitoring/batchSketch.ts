import { addRowAt } from './multivariate';
import { ABSENT, cellOf, type ParsedBatch } from './parsedBatch';
import type { ReferenceProfile } from './profile';
import { addOutputs } from './windowRecord';
import { WindowSketch, type WindowJSON } from './windowSketch';

/**
 * The parse worker's windows, built from a batch's columns (no record object per row): each row
 * goes into its window exactly as addRecord would put its record (windowRecord.ts), cell by cell in
 * row order, so every sum is added in the same order. The ingest merges these windows when every
 * row of its transaction proved new, and sketches the rows itself otherwise (service.ts, flush).
 */

/** A window the worker built from the rows it sketched (`sketched[i]`), keyed as the ingest keys its windows. */
export interface PartialWindow {
  key: string;
  sketch: WindowJSON;
}

/** Where a version's profile finds its columns in one batch (-1: the batch has none of that name). */
interface Layout {
  p: ReferenceProfile;
  features: Int32Array;
  pca: Int32Array | null;
  probs: Int32Array | null;
}

/** A cell's value; undefined when the row has no such field. */
function cell(b: ParsedBatch, code: number, value: number): string | number | boolean | null | undefined {
  return code === ABSENT ? undefined : cellOf(b, code, value);
}

function layoutOf(b: ParsedBatch, p: ReferenceProfile): Layout {
  const col = new Map(b.names.map((n, c) => [n, c]));
  const prob = new Map(b.probNames.map((n, c) => [n, c]));
  return {
    p,
    features: Int32Array.from(p.features, (f) => col.get(f.name) ?? -1),
    pca: p.multivariate ? Int32Array.from(p.multivariate.columns, (c) => col.get(c.name) ?? -1) : null,
    probs: p.labels ? Int32Array.from(p.labels, (l) => prob.get(l) ?? -1) : null,
  };
}

/** Windows of the batch's rows whose version has a profile in `profiles` (`windowMs` long). */
export function sketchBatch(b: ParsedBatch, profiles: Record<number, ReferenceProfile> | undefined, windowMs: number | undefined): { sketched: Uint8Array; windows: PartialWindow[] } {
  const sketched = new Uint8Array(b.n);
  const windows = new Map<string, WindowSketch>();
  if (!profiles || !windowMs) return { sketched, windows: [] };
  const layouts = new Map<number, Layout | null>();
  const C = b.names.length;
  const P = b.probNames.length;
  let row = 0;
  let lay: Layout | null = null;
  const atPca = (k: number) => {
    const c = lay!.pca![k];
    return c < 0 ? undefined : cell(b, b.codes[row * C + c], b.values[row * C + c]);
  };
  let lastStart = NaN;
  let lastVersion = NaN;
  let lastAlias = -2;
  let w: WindowSketch | undefined;
  for (let i = 0; i < b.n; i++) {
    const version = b.versions[i];
    let l = layouts.get(version);
    if (l === undefined) {
      const p = profiles[version];
      layouts.set(version, (l = p ? layoutOf(b, p) : null));
    }
    if (!l) continue;
    sketched[i] = 1;
    const start = Math.floor(b.times[i] / windowMs) * windowMs;
    const alias = b.aliasOf[i];
    if (!w || start !== lastStart || version !== lastVersion || alias !== lastAlias) {
      const key = `${start}|${version}|${alias < 0 ? '' : b.aliasNames[alias]}`;
      w = windows.get(key);
      if (!w) windows.set(key, (w = new WindowSketch(l.p)));
      lastStart = start;
      lastVersion = version;
      lastAlias = alias;
    }
    addRow(b, i, w, l, C, P);
    if (l.pca) {
      row = i;
      lay = l;
      addRowAt(w.pca, l.p.multivariate!, atPca);
    }
  }
  return { sketched, windows: [...windows].map(([key, s]) => ({ key, sketch: s.toJSON() })) };
}

/** Row `i` into `w` as addRecord adds a record (all but the multivariate check). */
function addRow(b: ParsedBatch, i: number, w: WindowSketch, l: Layout, C: number, P: number): void {
  w.rows++;
  const cols = w.featureColumns();
  const fc = l.features;
  let missing = 0;
  for (let k = 0; k < fc.length; k++) {
    const c = fc[k];
    const code = c < 0 ? ABSENT : b.codes[i * C + c];
    if (code === ABSENT) missing++;
    w.addCell(cols[k], cell(b, code, c < 0 ? 0 : b.values[i * C + c]));
  }
  let present = 0;
  for (let c = 0; c < C; c++) if (b.codes[i * C + c] !== ABSENT) present++;
  w.quality.missingFields += missing;
  w.quality.extraFields += present - (fc.length - missing);
  let probs: number[] | null = null;
  if (l.probs && b.hasProbs[i]) {
    probs = new Array<number>(l.probs.length);
    for (let j = 0; j < l.probs.length; j++) probs[j] = l.probs[j] < 0 ? NaN : b.probs[i * P + l.probs[j]];
  }
  const lat = b.latency[i];
  addOutputs(w, l.p, cell(b, b.predCode[i], b.predValue[i]) as string | number, probs, Number.isNaN(lat) ? undefined : lat);
}

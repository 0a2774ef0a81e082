import type { PredictionRecord } from '../../../shared/monitoring';
import { calibrate } from './calibration';
import { addRow as addReconstructionError } from './multivariate';
import type { ReferenceProfile } from './profile';
import type { WindowSketch } from './windowSketch';

/**
 * One logged record into its window: the ingest's per-row work on the sketches, run on the ingest's
 * thread or, for big logs, on the parse worker (parseWorker.ts), which sends the windows it built.
 */

/** The record's probabilities in the profile's class order (NaN for a class it lacks), or null. */
export function probsOf(p: ReferenceProfile, rec: PredictionRecord): number[] | null {
  const labels = p.labels;
  const pr = rec.output.probabilities;
  if (!labels || !pr) return null;
  const probs = new Array<number>(labels.length);
  for (let j = 0; j < labels.length; j++) probs[j] = pr[labels[j]] ?? NaN;
  return probs;
}

/** One record into its window: features (missing and extra fields counted), prediction, CBPE, latency, the multivariate check. */
export function addRecord(w: WindowSketch, p: ReferenceProfile, rec: PredictionRecord, probs: number[] | null): { missing: number; extra: number } {
  w.rows++;
  let missing = 0;
  const cols = w.featureColumns();
  const fs = p.features;
  const cells = rec.features;
  for (let k = 0; k < fs.length; k++) {
    const v = cells[fs[k].name];
    if (v === undefined) missing++;
    w.addCell(cols[k], v);
  }
  // Keys are unique, and every feature found is one of them: the rest are extra.
  let keys = 0;
  for (const k in cells) if (cells[k] !== undefined) keys++;
  const extra = keys - (fs.length - missing);
  w.quality.missingFields += missing;
  w.quality.extraFields += extra;
  addOutputs(w, p, rec.output.prediction, probs, rec.latencyMs);
  addReconstructionError(w.pca, p.multivariate, cells);
  return { missing, extra };
}

/** A record's prediction, CBPE's expected confusion (calibrated probabilities in the profile's class order) and latency. */
export function addOutputs(w: WindowSketch, p: ReferenceProfile, prediction: string | number, probs: number[] | null, latencyMs: number | undefined): void {
  w.addCell(w.prediction, prediction);
  if (w.cbpe && p.labels && probs && probs.every(Number.isFinite)) {
    const c = calibrate(p.calibration, probs);
    let j = p.labels.indexOf(String(prediction));
    if (j < 0) j = c.indexOf(Math.max(...c));
    for (let i = 0; i < c.length; i++) w.cbpe.expected[i][j] += c[i];
    w.cbpe.varSum += c[j] * (1 - c[j]);
    w.cbpe.n++;
  }
  if (latencyMs !== undefined) w.latency.add(latencyMs);
}

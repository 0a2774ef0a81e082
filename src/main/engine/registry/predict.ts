import type { CellValue } from '../../../shared/datasets';
import type { Prediction } from '../../../shared/training';
import { selectBackend } from '../compute/backend';
import { checkMissingFeatures } from '../training/missingFeatures';
import { deserializeModel, predictRows, type LoadedModel } from '../training/modelArtifact';
import type { ArtifactFiles } from './artifact';

/** Loads a registered version's TF.js model from its bytes (the trainer's loader, minus the run). */
export async function loadArtifactModel(a: ArtifactFiles): Promise<LoadedModel> {
  const manifest = (a.modelJson.weightsManifest ?? []) as { weights: never[] }[];
  await selectBackend();
  const model = await deserializeModel({
    modelTopology: a.modelJson.modelTopology as object,
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: a.weights.buffer.slice(a.weights.byteOffset, a.weights.byteOffset + a.weights.byteLength) as ArrayBuffer,
  });
  return { model, preprocessing: a.preprocessing, signature: a.signature };
}

/**
 * Predicts table rows with a registered version. Rows missing required features are refused before the
 * model is loaded (see missingFeatures.ts) unless `impute` is set; the answer carries the class labels
 * (as the serving export's does) and which fields of which rows were filled.
 */
export async function predictWith(a: ArtifactFiles, rows: CellValue[][] | Record<string, CellValue>[], opts: { impute?: boolean } = {}): Promise<Prediction> {
  let imputed: Prediction['imputed'] = [];
  if (a.preprocessing.kind === 'table') imputed = checkMissingFeatures(a.preprocessing, rows, { impute: opts.impute ?? false }).imputed;
  const loaded = await loadArtifactModel(a);
  try {
    const out = await predictRows(loaded, rows);
    return { ...out, ...(a.signature.labels ? { labels: a.signature.labels } : {}), ...(imputed.length > 0 ? { imputed } : {}) };
  } finally {
    loaded.model.dispose();
  }
}

import type { CellValue } from '../../../shared/datasets';
import type { Prediction } from '../../../shared/training';
import { selectBackend } from '../compute/backend';
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

export async function predictWith(a: ArtifactFiles, rows: CellValue[][] | Record<string, CellValue>[]): Promise<Prediction> {
  const loaded = await loadArtifactModel(a);
  try {
    return await predictRows(loaded, rows);
  } finally {
    loaded.model.dispose();
  }
}

import fs from 'node:fs';
import path from 'node:path';
import type { EngineApi } from '../../shared/contract';
import type { Db } from './db/connection';
import { MetaRepo } from './db/metaRepo';
import { resourcesDir } from './resources';

/**
 * A new workspace gets a sample project so a first-time user sees a real dataset, its profile and
 * rows within a minute. Seeded once: deleting the sample later does not bring it back.
 */
export async function seedSampleProject(engine: EngineApi & { db: Db; home: string; pipelines: { save(text: string, sourcePath?: string): unknown } }): Promise<void> {
  const meta = new MetaRepo(engine.db);
  if (meta.get('sample_seeded')) return;
  await engine['datasets.add']({
    name: 'penguins',
    path: path.join(resourcesDir(), 'sample', 'penguins.csv'),
    message: 'Sample: Palmer penguins (344 birds, 3 species)',
    tag: 'sample',
  });
  seedSamplePipeline(engine);
  meta.set('sample_seeded', new Date().toISOString());
}

/** The sample pipeline files that are copied into the workspace (the pipeline writes its exports beside them). */
export const SAMPLE_PIPELINE_FILES = ['penguins-pipeline.yaml', 'penguins-holdout.csv', 'penguins-field-v1.csv', 'penguins-field-v2.csv'];

/**
 * The penguins loop (docs/PIPELINES.md): its files are copied to `<home>/pipelines/penguins-loop/` and
 * the definition stored; nothing runs at seed time (a new workspace stays fast). It runs when a
 * version of `penguins-field` is added while the app or `lathe serve` runs, or with "Run now".
 */
export function seedSamplePipeline(engine: { home: string; pipelines: { save(text: string, sourcePath?: string): unknown } }): string {
  const dir = path.join(engine.home, 'pipelines', 'penguins-loop');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of SAMPLE_PIPELINE_FILES) fs.copyFileSync(path.join(resourcesDir(), 'sample', f), path.join(dir, f));
  const file = path.join(dir, 'penguins-pipeline.yaml');
  engine.pipelines.save(fs.readFileSync(file, 'utf8'), file);
  return dir;
}

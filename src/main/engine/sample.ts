import path from 'node:path';
import type { EngineApi } from '../../shared/contract';
import type { Db } from './db/connection';
import { MetaRepo } from './db/metaRepo';
import { resourcesDir } from './resources';

/**
 * A new workspace gets a sample project so a first-time user sees a real dataset, its profile and
 * rows within a minute. Seeded once: deleting the sample later does not bring it back.
 */
export async function seedSampleProject(engine: EngineApi & { db: Db }): Promise<void> {
  const meta = new MetaRepo(engine.db);
  if (meta.get('sample_seeded')) return;
  await engine['datasets.add']({
    name: 'penguins',
    path: path.join(resourcesDir(), 'sample', 'penguins.csv'),
    message: 'Sample: Palmer penguins (344 birds, 3 species)',
    tag: 'sample',
  });
  meta.set('sample_seeded', new Date().toISOString());
}

/**
 * Regenerates resources/sample/penguins-champion.lathe, the sample project's monitored champion
 * (src/main/engine/monitoring/sampleHistory.ts): trained in a fresh temporary workspace on the sample
 * penguins, registered, given its reference profile, exported as a registry bundle.
 * Run: `npx tsx scripts/make-sample-champion.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../src/main/engine/engine';
import { sampleChampionBundle, trainSampleChampion } from '../src/main/engine/monitoring/sampleHistory';

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-sample-champion-'));
  // The sample dataset only (not the history, which imports the bundle being made).
  const engine = await createEngine({ home, sample: false });
  try {
    await engine['datasets.add']({ name: 'penguins', path: path.join(path.dirname(sampleChampionBundle()), 'penguins.csv'), message: 'Sample: Palmer penguins (344 birds, 3 species)', tag: 'sample' });
    await trainSampleChampion(engine, sampleChampionBundle());
    console.log(`wrote ${sampleChampionBundle()} (${fs.statSync(sampleChampionBundle()).size} bytes)`);
  } finally {
    engine.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

void main();

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellValue } from '../../src/shared/datasets';
import type { PipelineRun } from '../../src/shared/pipelines';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { SplitsRepo } from '../../src/main/engine/db/splitsRepo';
import { checkPipeline } from '../../src/main/engine/pipelines/definition';
import { encodeMembership, loadMembership, rowsOf } from '../../src/main/engine/training/membership';
import { makeTrainedRun } from '../evaluation/trainedModel';
import { tempDir, tempEngine } from '../helpers';

/**
 * The evaluate stage on the run's held-out split (`split: test`), with the real trainer on penguins:
 * it scores exactly the train stage's recorded test rows, its cache key holds the split membership's
 * hash (a changed membership re-runs it and nothing upstream), the gate compares the models on those
 * rows only, and a run without a recorded split is refused with the reason.
 */

const FEATURES = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
const PIPELINE = `name: heldout
stages:
  data: { type: dataset, ref: penguins@latest }
  train:
    type: train
    spec: { template: tabular-mlp, data: "\${stages.data.outputs.version}", target: Species, features: [${FEATURES.map((f) => `"${f}"`).join(', ')}], hyperparameters: { epochs: 6, checkpointEvery: 0, learningRate: 0.01 } }
  evaluate: { type: evaluate, run: "\${stages.train.outputs.run}", split: test }
  gate: { type: gate, evaluation: "\${stages.evaluate.outputs.evaluation}", model: pen, minRows: 10 }
`;

let engine: Engine;
let cleanup: () => void;
let dir: string;
const stage = (run: PipelineRun, name: string) => run.stages.find((s) => s.stage === name)!;
async function runPipeline(text: string, name = 'heldout'): Promise<PipelineRun> {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  engine.pipelines.saveFile(file);
  return invoke(engine, 'pipelines.run', { name });
}

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine({ sample: true }));
  dir = tempDir('lathe-pipe-heldout-');
  const champion = await makeTrainedRun(engine, 'penguins', 'Species', FEATURES, { epochs: 3 });
  await invoke(engine, 'models.register', { runId: champion, name: 'pen' });
  await invoke(engine, 'models.alias', { ref: 'pen@1', alias: 'champion', reason: 'test' });
}, 120_000);
afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the evaluate stage on the held-out split', () => {
  it('needs exactly one of data and split, said at its line', () => {
    const both = checkPipeline('name: p\nstages:\n  e: { type: evaluate, run: r, data: d, split: test }\n');
    expect(both.issues[0]).toMatchObject({ line: 3, message: expect.stringMatching(/either data .* or split/) });
    expect(checkPipeline('name: p\nstages:\n  e: { type: evaluate, run: r }\n').issues).toHaveLength(1);
    expect(checkPipeline('name: p\nstages:\n  e: { type: evaluate, run: r, split: train }\n').issues[0].line).toBe(3);
    expect(checkPipeline('name: p\nstages:\n  e: { type: evaluate, run: r, split: validation }\n').issues).toEqual([]);
  });

  it("scores the train stage's test rows, keys the cache by their membership, gates on them only", async () => {
    const first = await runPipeline(PIPELINE);
    expect(first.stages.map((s) => [s.stage, s.state === 'ran'])).toEqual([['data', true], ['train', true], ['evaluate', true], ['gate', true]]);
    const runId = String(stage(first, 'train').outputs.run);
    const splits = new SplitsRepo(engine.db);
    const m = loadMembership(splits, runId)!;
    const test = rowsOf(m, ['test']);

    const e = await invoke(engine, 'evaluation.get', { id: String(stage(first, 'evaluate').outputs.evaluation) });
    expect(e.runId).toBe(runId);
    expect(e.split).toBe('test');
    expect(e.trainingRows).toBe(0);
    expect(e.report.selection).toMatchObject({ sameVersion: true, selectedRows: test.length, membershipSha256: m.sha256 });
    expect(stage(first, 'evaluate').inputs).toMatchObject({ split: 'test', membership: m.sha256 });
    expect(stage(first, 'evaluate').log).toMatch(/held-out test split/);

    // The gate predicted the test rows both models can score, not the whole version.
    const page = await invoke(engine, 'datasets.rows', { ref: 'penguins', offset: 0, limit: 1000 });
    const at = [...FEATURES, 'Species'].map((c) => page.columns.indexOf(c));
    const missing = (v: CellValue) => v === null || v === '' || (typeof v === 'number' && Number.isNaN(v));
    const scorable = test.filter((r) => at.every((j) => !missing(page.rows[r][j])));
    const decision = await invoke(engine, 'pipelines.decision', { id: String(stage(first, 'gate').outputs.decision) });
    expect(decision.rows).toBe(scorable.length);
    expect(decision.rows).toBeLessThan(page.total / 2);

    const again = await runPipeline(PIPELINE);
    expect(again.stages.filter((s) => s.state === 'ran').map((s) => s.stage)).toEqual([]);

    // Another membership under the same run id (one test row and one train row swapped): the evaluate
    // stage re-runs, saying why; the training is still the cached one.
    const train = rowsOf(m, ['train']);
    const swapped = encodeMembership(m.rows, { train: [...train.slice(1), test[0]], validation: rowsOf(m, ['validation']), test: [...test.slice(1), train[0]] });
    const row = splits.get(runId)!;
    splits.put({ runId, versionId: row.version_id, rows: m.rows, encoding: swapped.encoding, parts: swapped.parts, sha256: swapped.sha256, train: train.length, validation: row.validation_rows, test: test.length });
    const third = await runPipeline(PIPELINE);
    expect(stage(third, 'train').state).toBe('cached');
    expect(stage(third, 'evaluate').state).toBe('ran');
    expect(stage(third, 'evaluate').why).toMatch(/input membership changed/);
  }, 240_000);

  it('refuses a run that recorded no split, naming the stage and the way out', async () => {
    const bare = await makeTrainedRun(engine, 'penguins', 'Species', FEATURES, { epochs: 2 });
    const run = await runPipeline(`name: bare\nstages:\n  evaluate: { type: evaluate, run: ${bare}, split: test }\n`, 'bare');
    expect(run.state).toBe('failed');
    expect(stage(run, 'evaluate').error).toMatch(/recorded no split, so its test rows are not known/);
  }, 60_000);
});

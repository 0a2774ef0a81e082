import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { tempDir, tempEngine } from '../helpers';
import { trainPenguinRun } from '../registry/fixtures';
import { openBundle } from './kit';

/**
 * Edges to things a bundle does not carry (evaluations, pipeline runs, gate decisions) stay in the
 * workspace that made them: a model version a pipeline registered and promoted still exports, and the
 * bundle imports on the other side, with the edges between carried records intact.
 */

let a: Engine;
let b: Engine;
let dir: string;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  const ea = await tempEngine();
  const eb = await tempEngine();
  a = ea.engine;
  b = eb.engine;
  cleanups.push(ea.cleanup, eb.cleanup);
  dir = tempDir('lathe-local-lineage-');
}, 60_000);
afterAll(() => {
  cleanups.forEach((c) => c());
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('bundles and lineage that stays local', () => {
  it('a version with pipeline, gate and evaluation edges exports and imports', async () => {
    const { runId } = await trainPenguinRun(a, { name: 'local-lineage', epochs: 1 });
    const v = await invoke(a, 'models.register', { runId, name: 'penguin-local' });
    const now = new Date().toISOString();
    const edge = a.db.prepare('INSERT INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    const pipelineRun = 'a'.repeat(32);
    const decision = 'b'.repeat(32);
    edge.run('pipeline_run', pipelineRun, 'model_version', v.id, 'registered', now);
    edge.run('gate_decision', decision, 'model_version', v.id, 'approved', now);
    edge.run('run', runId, 'evaluation', 'c'.repeat(32), 'evaluated', now);

    const file = path.join(dir, 'local.lathe');
    await invoke(a, 'bundle.export', { out: file, withData: true });
    const kinds = ((await openBundle(file)).manifest.metadata.lineage as { from_kind: string; to_kind: string }[]).flatMap((l) => [l.from_kind, l.to_kind]);
    expect(kinds).toContain('run');
    expect(kinds).toContain('model_version');
    for (const local of ['pipeline_run', 'gate_decision', 'evaluation']) expect(kinds).not.toContain(local);

    await invoke(b, 'bundle.import', { file });
    const graph = await invoke(b, 'models.lineage', { ref: 'penguin-local@1' });
    expect(JSON.stringify(graph)).toContain(runId);
  }, 120_000);
});

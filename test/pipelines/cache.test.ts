import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../src/shared/pipelines';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { tempDir, tempEngine } from '../helpers';

/**
 * The invalidation matrix on a real workspace: a dataset, a validation and three command stages that
 * really run (node scripts writing files). Each kind of change re-runs exactly the stages it should,
 * and says why; everything else is served from the cache.
 */

const PIPELINE = `name: matrix
stages:
  data: { type: dataset, ref: toy@latest }
  check:
    type: validate
    data: \${stages.data.outputs.version}
    checks: [{ kind: rows, min: 1 }, { kind: schema }]
  prep:
    type: command
    run: node prep.js \${stages.data.outputs.version} \${params.scale}
    params: { scale: 1 }
    code: [prep.js]
    outs: [out/prep.txt]
    after: [check]
  fit:
    type: command
    run: node -e "require('fs').writeFileSync('out/fit.txt', 'fit of ' + require('fs').readFileSync('out/prep.txt','utf8'))"
    deps: [out/prep.txt]
    outs: [out/fit.txt]
    after: [prep]
  report:
    type: command
    run: node -e "require('fs').writeFileSync('out/report.txt', require('fs').readFileSync('notes.txt','utf8').toUpperCase())"
    deps: [notes.txt]
    outs: [out/report.txt]
`;

const PREP = `const fs = require('fs'); fs.mkdirSync('out', { recursive: true });
fs.writeFileSync('out/prep.txt', 'prep ' + process.argv[2] + ' scale ' + process.argv[3]);
`;

let engine: Engine;
let cleanup: () => void;
let dir: string;
const file = () => path.join(dir, 'pipeline.yaml');

function states(run: PipelineRun): Record<string, string> {
  return Object.fromEntries(run.stages.map((s) => [s.stage, s.state]));
}
function why(run: PipelineRun, stage: string): string {
  return run.stages.find((s) => s.stage === stage)!.why;
}
async function runFile(opts: { force?: boolean; from?: string } = {}): Promise<PipelineRun> {
  engine.pipelines.saveFile(file());
  return invoke(engine, 'pipelines.run', { name: 'matrix', ...opts });
}
const ran = (run: PipelineRun) => run.stages.filter((s) => s.state === 'ran').map((s) => s.stage);

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = tempDir('lathe-pipe-');
  fs.writeFileSync(path.join(dir, 'toy.csv'), 'a,b\n1,x\n2,y\n3,x\n');
  fs.writeFileSync(path.join(dir, 'prep.js'), PREP);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
  fs.writeFileSync(file(), PIPELINE);
  await invoke(engine, 'datasets.add', { name: 'toy', path: path.join(dir, 'toy.csv') });
});
afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the stage cache', () => {
  it('runs every stage the first time, and none the second', async () => {
    const first = await runFile();
    expect(first.state).toBe('succeeded');
    expect(ran(first)).toEqual(['data', 'check', 'prep', 'fit', 'report']);
    expect(why(first, 'fit')).toBe('ran because it never ran before');
    expect(fs.readFileSync(path.join(dir, 'out/fit.txt'), 'utf8')).toMatch(/^fit of prep toy@[0-9a-f]{64} scale 1$/);
    const again = await runFile();
    expect(Object.values(states(again))).toEqual(['cached', 'cached', 'cached', 'cached', 'cached']);
    expect(why(again, 'prep')).toMatch(/^cached \(key [0-9a-f]{12}\)$/);
    expect(again.definitionHash).toBe(first.definitionHash);
    // Every job is a record with its inputs as hashes.
    const prep = again.stages.find((s) => s.stage === 'prep')!;
    expect(prep.inputs['code:prep.js']).toMatch(/^[0-9a-f]{64}$/);
    expect(prep.files['out/prep.txt']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a definition change re-runs that stage only', async () => {
    fs.writeFileSync(file(), PIPELINE.replace("toUpperCase())", "toUpperCase() + '!')"));
    const run = await runFile();
    expect(ran(run)).toEqual(['report']);
    expect(why(run, 'report')).toBe('ran because its definition changed');
    expect(run.definitionHash).not.toBe((await invoke(engine, 'pipelines.history', { name: 'matrix', limit: 5 }))[2].definitionHash);
  });

  it('a param change re-runs its stage and what reads its changed output', async () => {
    fs.writeFileSync(file(), PIPELINE.replace("toUpperCase())", "toUpperCase() + '!')").replace('scale: 1', 'scale: 2'));
    const run = await runFile();
    expect(ran(run)).toEqual(['prep', 'fit']);
    expect(why(run, 'prep')).toBe('ran because its params changed');
    expect(why(run, 'fit')).toBe('ran because dep out/prep.txt changed');
  });

  it('new data re-runs the stages downstream of it, naming the versions', async () => {
    fs.writeFileSync(path.join(dir, 'toy.csv'), 'a,b\n1,x\n2,y\n3,x\n4,y\n');
    await invoke(engine, 'datasets.add', { name: 'toy', path: path.join(dir, 'toy.csv') });
    const run = await runFile();
    expect(ran(run)).toEqual(['data', 'check', 'prep', 'fit']);
    expect(why(run, 'data')).toBe('ran because input data toy@latest changed (toy@v1 -> toy@v2)');
    expect(why(run, 'check')).toMatch(/input data changed \(toy@v1 -> toy@v2\)/);
    expect(why(run, 'prep')).toMatch(/^ran because upstream data output version changed/);
    expect(states(run).report).toBe('cached');
  });

  it('a code file change re-runs the stage; identical output keeps downstream cached', async () => {
    fs.appendFileSync(path.join(dir, 'prep.js'), '// a comment changes the code, not the output\n');
    const run = await runFile();
    expect(ran(run)).toEqual(['prep']);
    expect(why(run, 'prep')).toBe('ran because code file prep.js changed');
    expect(states(run).fit).toBe('cached');
  });

  it("Lathe's version re-runs the built-in stages only", async () => {
    engine.pipelines.codeVersion = '9.9.9';
    try {
      const run = await runFile();
      expect(ran(run)).toEqual(['data', 'check']);
      expect(why(run, 'data')).toMatch(/^ran because Lathe's version changed \(0\.\d+\.\d+ -> 9\.9\.9\)$/);
      expect(states(run)).toMatchObject({ prep: 'cached', fit: 'cached', report: 'cached' });
    } finally {
      engine.pipelines.codeVersion = (await invoke(engine, 'app.info', {})).version;
    }
  });

  it('a deleted output re-runs the stage that made it', async () => {
    await runFile(); // back on the real version: data and check re-run once
    fs.rmSync(path.join(dir, 'out/fit.txt'));
    const explained = await invoke(engine, 'pipelines.explain', { name: 'matrix' });
    expect(explained.find((e) => e.stage === 'fit')).toMatchObject({ verdict: 'run', why: 'runs because output out/fit.txt is missing' });
    expect(explained.find((e) => e.stage === 'prep')!.verdict).toBe('cached');
    const run = await runFile();
    expect(ran(run)).toEqual(['fit']);
    expect(why(run, 'fit')).toBe('ran because output out/fit.txt is missing');
    expect(fs.existsSync(path.join(dir, 'out/fit.txt'))).toBe(true);
  });

  it('--force runs everything, --from a stage and what depends on it', async () => {
    const forced = await runFile({ force: true });
    expect(ran(forced)).toHaveLength(5);
    expect(why(forced, 'report')).toBe('ran because it was forced (--force)');
    const from = await runFile({ from: 'prep' });
    expect(ran(from)).toEqual(['prep', 'fit']);
    expect(why(from, 'fit')).toBe('ran because the run starts from prep (--from)');
  });

  it('a failing command fails its stage, skips downstream, and the run resumes from it', async () => {
    fs.writeFileSync(path.join(dir, 'prep.js'), 'process.exit(3)\n');
    const failed = await runFile();
    expect(failed.state).toBe('failed');
    expect(states(failed)).toMatchObject({ data: 'cached', check: 'cached', prep: 'failed', fit: 'skipped', report: 'cached' });
    expect(failed.stages.find((s) => s.stage === 'prep')!.error).toMatch(/exited with 3/);
    fs.writeFileSync(path.join(dir, 'prep.js'), PREP);
    const resumed = await invoke(engine, 'pipelines.resume', { runId: failed.id });
    expect(resumed.resumeOf).toBe(failed.id);
    expect(resumed.state).toBe('succeeded');
    expect(states(resumed)).toMatchObject({ data: 'cached', check: 'cached', report: 'cached' });
    expect(['ran', 'cached']).toContain(states(resumed).prep);
  });

  it('refuses unknown --from stages and missing deps with a clear error', async () => {
    await expect(runFile({ from: 'nope' })).rejects.toThrow(/has no such stage/);
    fs.writeFileSync(file(), PIPELINE.replace('deps: [notes.txt]', 'deps: [missing.txt]'));
    const run = await runFile();
    expect(run.stages.find((s) => s.stage === 'report')).toMatchObject({ state: 'failed', error: expect.stringMatching(/declared dep missing.txt does not exist/) });
  });
});

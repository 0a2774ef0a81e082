import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/main/engine/engine';
import { latheSync, requireCliBundle } from '../cliBundle';
import { tempDir } from '../helpers';
import { trainPenguinRun } from './fixtures';

/** The CLI surface, as a user runs it (real processes of the built CLI, real workspaces, --json). */

let home: string;
let home2: string;
let work: string;
let runId: string;

function lathe(h: string, ...args: string[]) {
  const r = latheSync(args, { home: h });
  return { ...r, json: () => JSON.parse(r.stdout) };
}

beforeAll(async () => {
  home = tempDir('lathe-cli-reg-');
  home2 = tempDir('lathe-cli-reg2-');
  work = tempDir('lathe-cli-regwork-');
  requireCliBundle();
  const engine = await createEngine({ home, sample: false });
  ({ runId } = await trainPenguinRun(engine));
  engine.close();
});
afterAll(() => {
  for (const d of [home, home2, work]) fs.rmSync(d, { recursive: true, force: true });
});

describe('lathe models / export / bundle', () => {
  it('registers, lists, aliases, shows lineage and the card, exports, bundles', () => {
    const reg = lathe(home, 'models', 'register', runId, '--name', 'penguin', '--json');
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.json().number).toBe(1);
    expect(lathe(home, 'models', 'alias', 'penguin@1', 'champion', '--reason', 'first', '--json').json().move.to).toBe(1);
    expect(lathe(home, 'models', 'list', '--json').json()[0]).toMatchObject({ name: 'penguin', aliases: { champion: 1 } });
    const show = lathe(home, 'models', 'show', 'penguin@champion');
    expect(show.stdout).toContain('penguin@1');
    expect(lathe(home, 'models', 'lineage', 'penguin@latest').stdout).toMatch(/dataset_version penguins@v1\s+--input-->\s+run/);
    expect(lathe(home, 'models', 'card', 'penguin@1').stdout).toContain('# Model card: penguin v1');
    const ex = lathe(home, 'export', 'penguin@champion', '--format', 'onnx', '--out', path.join(work, 'onnx'), '--json');
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.json().report.check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    const bad = lathe(home, 'export', 'penguin@9', '--format', 'tfjs', '--out', path.join(work, 'x'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('penguin has no version 9');
    const file = path.join(work, 'b.lathe');
    expect(lathe(home, 'bundle', 'export', '--out', file, '--models', 'penguin', '--with-data', '--json').json().versions).toBe(1);
    const dry = lathe(home2, 'bundle', 'import', file, '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json().added.versions).toBe(1);
    expect(lathe(home2, 'bundle', 'import', file).stdout).toContain('Added:');
    expect(lathe(home2, 'models', 'show', 'penguin@champion', '--json').json().runId).toBe(runId);
  });
});

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanSdLines } from '../../src/main/cli/commands/trainCv';
import type { Run } from '../../src/shared/tracking';
import { CV_TAGS } from '../../src/shared/training';
import { latheSync, requireCliBundle } from '../cliBundle';
import { tempDir } from '../helpers';

/** `lathe train --cv K [--refit]` as a user runs it: a real process (the built CLI), the penguins sample, real fold runs. */

let home: string;

function lathe(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return latheSync(args, { home, timeout: 240_000 });
}

beforeAll(() => {
  home = tempDir('lathe-cli-cv-');
  requireCliBundle();
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('lathe train --cv', () => {
  it('refuses --refit without --cv and a fold count out of range, before training anything', () => {
    const lone = lathe('train', '--data', 'penguins', '--target', 'Species', '--refit');
    expect(lone.code).toBe(1);
    expect(lone.stderr).toMatch(/--refit goes with --cv/);
    const one = lathe('train', '--data', 'penguins', '--target', 'Species', '--cv', '1');
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/--cv takes a number of folds from 2 to 20, not "1"/);
  }, 60_000);

  it('runs the folds under a parent with mean ± sd of their metrics, then the refit', () => {
    const r = lathe('train', '--data', 'penguins', '--target', 'Species', '--cv', '3', '--refit', '--set', 'epochs=2', '--set', 'hiddenUnits=8', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cross-validation parent run [0-9a-f]{32}, 3 fold runs/);
    expect(r.stderr.match(/fold \d\/3 finished/g)).toHaveLength(3);
    const { parent, folds, refit } = JSON.parse(r.stdout) as { parent: Run; folds: Run[]; refit?: Run };
    expect(parent.status).toBe('finished');
    expect(folds.map((f) => [f.status, f.tags[CV_TAGS.parent], f.tags[CV_TAGS.fold]])).toEqual([0, 1, 2].map((i) => ['finished', parent.id, String(i)]));
    const accs = folds.map((f) => f.metrics.val_acc.last as number);
    const mean = accs.reduce((a, b) => a + b, 0) / 3;
    const sd = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    expect(parent.metrics['cv.val_acc.mean'].last).toBeCloseTo(mean, 10);
    expect(parent.metrics['cv.val_acc.sd'].last).toBeCloseTo(sd, 10);
    expect(refit).toMatchObject({ status: 'finished', id: parent.tags[CV_TAGS.refit], tags: { [CV_TAGS.role]: 'refit' } });
    // The human summary: held-out metrics first, as "mean ± sd".
    const lines = meanSdLines(parent);
    expect(lines[0]).toMatch(/^\s+(test|val)_/);
    expect(lines.find((l) => /^\s+val_acc\s/.test(l))).toMatch(new RegExp(`${String(Number(mean.toPrecision(4))).replace('.', '\\.')} ± `));
  }, 240_000);
});

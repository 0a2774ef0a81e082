import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latheSync, requireCliBundle } from '../cliBundle';
import { tempDir } from '../helpers';

/** `lathe pipeline ...` as a user runs it: real processes of the built CLI on a real workspace. */

let home: string;
let work: string;

function lathe(...args: string[]) {
  const r = latheSync(args, { home, cwd: work });
  return { ...r, json: () => JSON.parse(r.stdout) };
}

beforeAll(() => {
  home = tempDir('lathe-cli-pipe-');
  work = tempDir('lathe-cli-pipework-');
  requireCliBundle();
  fs.writeFileSync(path.join(work, 'ok.yaml'), 'name: hello\nstages:\n  say:\n    type: command\n    run: node -e "require(\'fs\').writeFileSync(\'said.txt\', \'hi\')"\n    outs: [said.txt]\n  shout:\n    type: command\n    run: node -e "process.stdout.write(\'HI\')"\n    deps: [said.txt]\n    after: [say]\n');
  fs.writeFileSync(path.join(work, 'bad.yaml'), 'name: bad\nstages:\n  a:\n    type: teleport\n');
});
afterAll(() => {
  for (const d of [home, work]) fs.rmSync(d, { recursive: true, force: true });
});

describe('lathe pipeline', () => {
  it('runs a file, then serves it from the cache, explains and lists it', () => {
    const first = lathe('pipeline', 'run', 'ok.yaml', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().stages.map((s: { state: string }) => s.state)).toEqual(['ran', 'ran']);
    const again = lathe('pipeline', 'run', 'hello');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/say\s+command\s+cached\s+\S+\s+cached \(key [0-9a-f]{12}\)/);
    fs.rmSync(path.join(work, 'said.txt'));
    const explain = lathe('pipeline', 'explain', 'hello', '--json');
    expect(explain.json()).toEqual([
      expect.objectContaining({ stage: 'say', verdict: 'run', why: 'runs because output said.txt is missing' }),
      expect.objectContaining({ stage: 'shout', verdict: 'unknown' }),
    ]);
    const list = lathe('pipeline', 'list', '--json').json();
    expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'hello', lastRun: expect.objectContaining({ state: 'succeeded' }) }), expect.objectContaining({ name: 'penguins-loop', lastRun: null })]));
    const history = lathe('pipeline', 'history', 'hello');
    expect(history.stdout).toMatch(/say: ran because it never ran before/);
    expect(lathe('pipeline', 'status', 'hello', '--json').json().stages).toHaveLength(2);
  }, 120_000);

  it('refuses a bad file at line:column with exit 1', () => {
    const r = lathe('pipeline', 'run', 'bad.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:4:11: unknown stage type "teleport"/);
    const c = lathe('pipeline', 'check', 'bad.yaml');
    expect(c.code).toBe(1);
    expect(c.stdout).toMatch(/bad\.yaml:4:11/);
    expect(lathe('pipeline', 'run', 'nope').stderr).toMatch(/no pipeline named "nope"/);
  }, 60_000);
});

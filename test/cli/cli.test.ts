import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latheSync, requireCliBundle } from '../cliBundle';
import { tempDir } from '../helpers';

/** The CLI door as a user runs it: a real process (the built CLI), a real workspace, exit codes and --json output. */

let home: string;
let work: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed --json output, read loosely by the assertions
function lathe(...args: string[]): { code: number | null; stdout: string; stderr: string; json: () => any } {
  const r = latheSync(args, { home });
  return { ...r, json: () => JSON.parse(r.stdout) };
}

beforeAll(() => {
  home = tempDir('lathe-cli-home-');
  work = tempDir('lathe-cli-work-');
  requireCliBundle();
  fs.writeFileSync(path.join(work, 'a.csv'), 'id,x,label\n1,0.5,yes\n2,1.5,no\n3,2.5,yes\n');
  fs.writeFileSync(path.join(work, 'b.csv'), 'id,x,label\n1,0.5,yes\n2,9.5,no\n3,2.5,yes\n4,3.5,no\n');
});
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('lathe data', () => {
  it('seeds the sample on first use and lists it', () => {
    const r = lathe('data', 'list', '--json');
    expect(r.code).toBe(0);
    expect(r.json().map((d: { name: string }) => d.name)).toContain('penguins');
  });

  it('adds versions, says when nothing changed, and lists them', () => {
    const a = lathe('data', 'add', 'toy', path.join(work, 'a.csv'), '-m', 'first', '--tag', 'raw', '--json');
    expect(a.code).toBe(0);
    expect(a.json().created).toBe(true);
    const again = lathe('data', 'add', 'toy', path.join(work, 'a.csv'));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/identical to toy@v1/);
    expect(lathe('data', 'add', 'toy', path.join(work, 'b.csv'), '-m', 'second').code).toBe(0);
    const versions = lathe('data', 'versions', 'toy', '--json').json();
    expect(versions.map((v: { number: number }) => v.number)).toEqual([2, 1]);
    expect(versions[1].tags).toEqual(['raw']);
  });

  it('shows a version by every kind of ref', () => {
    const id = lathe('data', 'show', 'toy@v1', '--json').json().version.id as string;
    for (const ref of ['toy@raw', `toy@${id.slice(0, 8)}`]) {
      expect(lathe('data', 'show', ref, '--json').json().version.id).toBe(id);
    }
    expect(lathe('data', 'show', 'toy', '--json').json().version.number).toBe(2);
    expect(lathe('data', 'show', 'toy@latest').stdout).toMatch(/toy@v2/);
  });

  it('diffs by key and by content', () => {
    const byKey = lathe('data', 'diff', 'toy@v1', 'toy@v2', '--key', 'id', '--json').json();
    expect(byKey.rows).toMatchObject({ added: 1, removed: 0, modified: 1 });
    const human = lathe('data', 'diff', 'toy@v1', 'toy@v2');
    // No key: row 2 (x 1.5 -> 9.5) pairs with its old self by content, one modified row.
    expect(human.stdout).toMatch(/rows: \+1 -0 ~1 =2 \(modified rows paired by content\)/);
  });

  it('exports a version byte-identical to the import', () => {
    const out = path.join(work, 'out');
    const r = lathe('data', 'get', 'toy@raw', '--out', out, '--json');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'a.csv')).equals(fs.readFileSync(path.join(work, 'a.csv')))).toBe(true);
  });

  it('moves tags', () => {
    expect(lathe('data', 'tag', 'toy@v2', 'raw').code).toBe(0);
    expect(lathe('data', 'show', 'toy@raw', '--json').json().version.number).toBe(2);
  });

  it('exits 1 with a specific message for user errors, and --json carries the error', () => {
    const missing = lathe('data', 'show', 'toy@v9');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/toy/);
    const badName = lathe('data', 'add', 'a/b', path.join(work, 'a.csv'), '--json');
    expect(badName.code).toBe(1);
    expect(badName.json().error.code).toBe('INVALID_INPUT');
    const noFile = lathe('data', 'add', 'toy', path.join(work, 'nope.csv'));
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/nope\.csv/);
    expect(lathe('data', 'frobnicate').code).toBe(1);
  });

  it('removes a version, then gc frees its bytes and doctor reports clean', () => {
    expect(lathe('data', 'rm', 'toy@v1').code).toBe(0);
    const gc = lathe('gc', '--json').json();
    expect(gc.blobsRemoved).toBeGreaterThan(0);
    const doctor = lathe('doctor', '--json');
    expect(doctor.code).toBe(0);
    expect(doctor.json().ok).toBe(true);
  });

  it('doctor exits 1 and names the damage after a flipped byte', () => {
    const packs = path.join(home, 'objects', 'packs');
    const file = path.join(packs, fs.readdirSync(packs)[0]);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    fs.writeFileSync(file, bytes);
    const doctor = lathe('doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/PROBLEM/);
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_COLUMNS, MAX_JSON_DEPTH } from '../../src/main/engine/datasets/formats/limits';
import { requireCliBundle } from '../cliBundle';
import { tempDir } from '../helpers';
import { failure, workspace } from './fixtures';

/**
 * Hostile table files (issue 8, "the other findings"): too many columns, NUL bytes, repeated
 * headers, JSON nested past any real record. Each is refused as input (BAD_FILE, exit 1) naming the
 * line, or imported with the change said out loud.
 */

type Workspace = Awaited<ReturnType<typeof workspace>>;

function expectUnchanged(w: Workspace) {
  expect(w.engine.db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(0);
  expect(w.engine.db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(0);
  expect(fs.readdirSync(path.join(w.home, 'objects', 'packs'))).toEqual([]);
}

const GNU_TIME = '/usr/bin/time';

/**
 * `lathe <args>` as a user runs it (the built CLI), in a fresh workspace, with the V8 heap capped at 512 MB (the
 * unbounded import needed gigabytes) and, where GNU time exists, the peak resident size measured.
 */
function lathe(home: string, ...args: string[]): { code: number; stdout: string; stderr: string; seconds: number; peakMb: number | null } {
  const env = { ...process.env, LATHE_HOME: home, NODE_OPTIONS: '--max-old-space-size=512' };
  const timed = fs.existsSync(GNU_TIME);
  const started = Date.now();
  const r = timed
    ? spawnSync(GNU_TIME, ['-f', 'peak-rss-kb=%M', process.execPath, requireCliBundle(), ...args], { env, encoding: 'utf8', timeout: 60_000 })
    : spawnSync(process.execPath, [requireCliBundle(), ...args], { env, encoding: 'utf8', timeout: 60_000 });
  const seconds = (Date.now() - started) / 1000;
  const m = /peak-rss-kb=(\d+)/.exec(r.stderr);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds, peakMb: m ? Number(m[1]) / 1024 : null };
}

/** One header row of `n` columns and one data row: about 19 bytes per column, like the finding's 1.9 MB for 100k. */
function wideCsv(n: number): string {
  const names = Array.from({ length: n }, (_, k) => `feature_${k}`);
  return `${names.join(',')}\n${names.map((_, k) => (k % 97) / 7).join(',')}\n`;
}

describe('column limit', () => {
  it(`a CSV with 100k columns is refused at its header, fast and in bounded memory, exit 1`, () => {
    const home = tempDir('lathe-hostile-home-');
    const dir = tempDir('lathe-hostile-');
    try {
      const file = path.join(dir, 'wide.csv');
      fs.writeFileSync(file, wideCsv(100_000));
      const base = lathe(home, 'data', 'list'); // the same CLI start (and the sample's first import), as a yardstick
      const r = lathe(home, 'data', 'add', 'wide', file, '--json');
      console.log(`100k-column CSV (${(fs.statSync(file).size / 1e6).toFixed(1)} MB): refused in ${r.seconds.toFixed(2)} s (a plain \`data list\` took ${base.seconds.toFixed(2)} s), peak RSS ${r.peakMb?.toFixed(0) ?? 'unmeasured (no GNU time)'} MB (\`data list\`: ${base.peakMb?.toFixed(0) ?? '?'} MB)`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`line 1 has more than ${MAX_COLUMNS} fields`);
      expect(r.stderr).toContain(`at most ${MAX_COLUMNS} columns`);
      // Unbounded, this took 2.9 GB: the heap cap alone would fail it. Time relative to the yardstick (shared machine).
      expect(r.seconds).toBeLessThan(3 * base.seconds + 5);
      if (r.peakMb !== null) expect(r.peakMb).toBeLessThan(600);
      const names = (JSON.parse(lathe(home, 'data', 'list', '--json').stdout) as { name: string }[]).map((d) => d.name);
      expect(names).not.toContain('wide');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a JSON Lines row with 300k keys is refused fast and in bounded memory, exit 1', () => {
    const home = tempDir('lathe-hostile-home-');
    const dir = tempDir('lathe-hostile-');
    try {
      const file = path.join(dir, 'wide.jsonl');
      const obj = Object.fromEntries(Array.from({ length: 300_000 }, (_, k) => [`k${k}`, k % 10]));
      fs.writeFileSync(file, `{"a":1}\n${JSON.stringify(obj)}\n`);
      const base = lathe(home, 'data', 'list');
      const r = lathe(home, 'data', 'add', 'wide', file);
      console.log(`300k-key JSON Lines (${(fs.statSync(file).size / 1e6).toFixed(1)} MB): refused in ${r.seconds.toFixed(2)} s (a plain \`data list\` took ${base.seconds.toFixed(2)} s), peak RSS ${r.peakMb?.toFixed(0) ?? 'unmeasured (no GNU time)'} MB`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the objects up to line 2 have more than ${MAX_COLUMNS} distinct keys`);
      expect(r.seconds).toBeLessThan(3 * base.seconds + 5);
      if (r.peakMb !== null) expect(r.peakMb).toBeLessThan(600);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keys spread over many lines count together; the limit itself is accepted', async () => {
    const w = await workspace();
    const lines = Array.from({ length: MAX_COLUMNS + 1 }, (_, k) => JSON.stringify({ [`key_${k}`]: k }));
    const file = w.write('spread.jsonl', lines.join('\n') + '\n');
    const err = await failure(w.add('spread', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:${MAX_COLUMNS + 1}` });
    expectUnchanged(w);

    const exact = w.write('exact.csv', wideCsv(MAX_COLUMNS));
    const ok = await w.add('exact', exact);
    expect(ok.version.columnCount).toBe(MAX_COLUMNS);
    const over = w.write('over.csv', `${wideCsv(3)}${'1,'.repeat(MAX_COLUMNS)}1\n`);
    expect(await failure(w.add('over', over))).toMatchObject({ code: 'BAD_FILE', where: `${over}:3` });
  });
});

describe('binary bytes in a text file', () => {
  it('a .csv holding a NUL byte is refused as binary, naming the line', async () => {
    const w = await workspace();
    const file = w.write('nul.csv', Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0]), Buffer.from('4\n5,6\n')]));
    const err = await failure(w.add('nul', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:3` });
    expect(err.message).toContain('NUL byte');
    expect(err.message).toContain('line 3');
    expectUnchanged(w);
  });

  it('UTF-16 text (every other byte NUL) is refused the same way', async () => {
    const w = await workspace();
    const file = w.write('utf16.csv', Buffer.from('\ufeffa,b\n1,2\n', 'utf16le'));
    const err = await failure(w.add('u', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:1` });
    expect(err.hint).toContain('UTF-8');
  });
});

describe('repeated header names', () => {
  it('are renamed and the result says so, in the engine and in the CLI text and --json', async () => {
    const w = await workspace();
    const file = w.write('dup.csv', 'a,b,a,a\n1,2,3,4\n5,6,7,8\n');
    const r = await w.add('dup', file);
    expect(r.created).toBe(true);
    expect(r.warnings).toEqual([
      'header (line 1): column 3 repeats the name "a"; it is called "a_2"',
      'header (line 1): column 4 repeats the name "a"; it is called "a_3"',
    ]);
    const page = await w.engine['datasets.rows']({ ref: 'dup', offset: 0, limit: 1 });
    expect(page.columns).toEqual(['a', 'b', 'a_2', 'a_3']);
    const clean = await w.add('clean', w.write('clean.csv', 'x,y\n1,2\n'));
    expect(clean.warnings).toEqual([]);

    const home = tempDir('lathe-hostile-home-');
    try {
      const text = lathe(home, 'data', 'add', 'dup', file);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('warning: header (line 1): column 3 repeats the name "a"; it is called "a_2"');
      fs.writeFileSync(file, 'a,b,a\n1,2,3\n');
      const json = lathe(home, 'data', 'add', 'dup', file, '--json');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout).warnings).toEqual(['header (line 1): column 3 repeats the name "a"; it is called "a_2"']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('deeply nested JSON', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('a JSON Lines value nested 100k deep is refused as input naming the line and key, exit 1', async () => {
    const w = await workspace();
    const file = w.write('deep.jsonl', `{"a":1,"b":"x"}\n{"a":2,"b":${nested(100_000)}}\n`);
    const err = await failure(w.add('deep', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:2` });
    expect(err.message).toContain('key "b"');
    expectUnchanged(w);

    const home = tempDir('lathe-hostile-home-');
    try {
      const r = lathe(home, 'data', 'add', 'deep', file);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('line 2');
      expect(r.stderr).not.toContain('call stack');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it(`nesting up to ${MAX_JSON_DEPTH} levels (the row included) imports, one more is refused`, async () => {
    const w = await workspace();
    const ok = await w.add('ok', w.write('ok.jsonl', `{"a":${nested(MAX_JSON_DEPTH - 1)}}\n`));
    expect(ok.version.rowCount).toBe(1);
    const file = w.write('no.jsonl', `{"a":${nested(MAX_JSON_DEPTH)}}\n`);
    expect(await failure(w.add('no', file))).toMatchObject({ code: 'BAD_FILE', where: `${file}:1` });
  });
});

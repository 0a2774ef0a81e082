import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { latheAsync, requireCliBundle, type LatheResult } from '../cliBundle';
import { tempDir } from '../helpers';

/** `lathe run` and `lathe runs` as a user runs them: real processes of the built CLI on a real workspace. */

let home: string;

beforeAll(() => {
  home = tempDir('lathe-cli-');
  requireCliBundle();
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function lathe(args: string[], opts: { onStderr?: (text: string, child: ChildProcess) => void; cwd?: string } = {}): Promise<LatheResult> {
  return latheAsync(args, { home, cwd: opts.cwd ?? home, env: { NO_COLOR: '1' }, onStderr: opts.onStderr });
}

async function readRuns() {
  const engine = await createEngine({ home, sample: false });
  try {
    return (await invoke(engine, 'runs.search', { lifecycle: 'all', limit: 100 })).runs;
  } finally {
    engine.close();
  }
}

const SCRIPT = `
for (let i = 0; i < 5; i++) console.log('lathe.metric loss=' + (1 / (i + 1)) + ' step=' + i);
console.log(JSON.stringify({ lathe_metric: { key: 'acc', value: 0.75, step: 2 } }));
console.log('lathe.metric weird=NaN');
console.log('lathe.metric bad key=1');
console.log('lathe.param depth=3');
console.log('plain output line');
console.error('to stderr');
process.exit(Number(process.argv[1] ?? 0));
`;

describe('lathe run', () => {
  it('tracks a command: metrics from its lines, stdout/stderr artifacts, environment, exit status', async () => {
    const ok = await lathe(['run', '--experiment', 'cli', '--name', 'ok-run', '--', process.execPath, '-e', SCRIPT, '0']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('plain output line'); // passes through
    expect(ok.stderr).toMatch(/ignored a metric line/);
    const failed = await lathe(['run', '-e', 'cli', '-n', 'bad-run', '--', process.execPath, '-e', SCRIPT, '7']);
    expect(failed.code).toBe(7);

    const runs = await readRuns();
    const r = runs.find((x) => x.name === 'ok-run')!;
    expect(r.status).toBe('finished');
    expect(r.source).toBe('script');
    expect(r.experimentName).toBe('cli');
    expect(r.metrics.loss).toMatchObject({ last: 0.2, min: 0.2, max: 1, count: 5, step: 4 });
    expect(r.metrics.acc).toMatchObject({ last: 0.75, step: 2 });
    expect(r.metrics.weird.last).toBe('NaN');
    expect(r.params).toEqual({ depth: '3' });
    expect(r.tags['lathe.exit_code']).toBe('0');
    expect(r.environment.command?.[0]).toBe(process.execPath);
    expect(r.environment.cwd).toBe(fs.realpathSync(home));
    expect(r.environment.host).toBeTruthy();
    expect(r.environment.appVersion).toBe('0.1.0');
    expect(runs.find((x) => x.name === 'bad-run')!.status).toBe('failed');

    const engine = await createEngine({ home, sample: false });
    try {
      const out = await invoke(engine, 'runs.artifacts.read', { runId: r.id, path: 'stdout.txt' });
      expect(out.content).toContain('plain output line');
      expect(out.content).toContain('lathe.metric loss=1 step=0');
      expect((await invoke(engine, 'runs.artifacts.read', { runId: r.id, path: 'stderr.txt' })).content).toBe('to stderr\n');
    } finally {
      engine.close();
    }
  });

  it('records git commit and dirtiness when run inside a repository', async () => {
    const repo = path.join(home, 'repo');
    fs.mkdirSync(repo);
    const git = (...a: string[]) =>
      new Promise<void>((res, rej) => spawn('git', a, { cwd: repo, stdio: 'ignore' }).on('close', (c) => (c === 0 ? res() : rej(new Error(`git ${a.join(' ')}`)))));
    try {
      await git('init', '-q');
      fs.writeFileSync(path.join(repo, 'a.txt'), 'a');
      await git('add', 'a.txt');
      await git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'init');
    } catch {
      console.log('SKIPPED git part: git is not available');
      return;
    }
    fs.writeFileSync(path.join(repo, 'a.txt'), 'changed');
    const res = await lathe(['run', '-n', 'in-git', '--', process.execPath, '-e', '0'], { cwd: repo });
    expect(res.code).toBe(0);
    const r = (await readRuns()).find((x) => x.name === 'in-git')!;
    expect(r.environment.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(r.environment.gitDirty).toBe(true);
  });

  it('stores stdout live while the command runs, and Ctrl-C marks the run killed', async () => {
    const long = `
      let i = 0;
      setInterval(() => { console.log('lathe.metric tick=' + i + ' step=' + i); i++; }, 50);
    `;
    let sawLive = false;
    let sent = false;
    const res = await lathe(['run', '-n', 'long', '--', process.execPath, '-e', long], {
      onStderr: (text, child) => {
        const m = /tracking run ([0-9a-f]{32})/.exec(text);
        if (!m || sent) return;
        sent = true;
        const runId = m[1];
        // Wait past one flush interval, check the live artifact from a second connection, then Ctrl-C.
        setTimeout(() => {
          const db = new Database(path.join(home, 'lathe.db'), { readonly: true });
          try {
            const row = db.prepare("SELECT size FROM run_artifacts WHERE run_id = ? AND path = 'stdout.txt'").get(runId) as { size: number } | undefined;
            sawLive = (row?.size ?? 0) > 0;
          } finally {
            db.close();
          }
          child.kill('SIGINT');
        }, 2200);
      },
    });
    expect(sawLive).toBe(true);
    expect(res.code).toBe(130);
    const r = (await readRuns()).find((x) => x.name === 'long')!;
    expect(r.status).toBe('killed');
    expect(r.endTime).not.toBeNull();
    expect(r.metrics.tick.count).toBeGreaterThan(10);
    expect(r.tags['lathe.signal']).toBe('SIGINT');
  });

  it('fails cleanly when the command does not exist', async () => {
    const res = await lathe(['run', '-n', 'missing', '--', 'definitely-not-a-command-xyz']);
    expect(res.code).toBe(127);
    expect((await readRuns()).find((x) => x.name === 'missing')!.status).toBe('failed');
  });
});

describe('lathe runs', () => {
  it('lists, filters, sorts, shows, compares, trashes, restores and exports', async () => {
    const list = await lathe(['runs', 'list', '--experiment', 'cli', '--filter', 'metrics.loss < 0.5', '--order-by', 'name desc']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/ok-run/);
    expect(list.stdout).toMatch(/bad-run/);
    expect(list.stdout.indexOf('ok-run')).toBeLessThan(list.stdout.indexOf('bad-run'));
    const json = JSON.parse((await lathe(['runs', 'list', '--filter', 'status = "finished" and params.depth = "3"', '--json'])).stdout);
    expect(json.runs.map((r: { name: string }) => r.name)).toEqual(['ok-run']);
    const id: string = json.runs[0].id;

    const bad = await lathe(['runs', 'list', '--filter', 'metrics.loss <']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/column 15/);

    const show = await lathe(['runs', 'show', id.slice(0, 8)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/params:/);
    expect(show.stdout).toMatch(/stdout\.txt/);

    const other = (await readRuns()).find((r) => r.name === 'bad-run')!.id;
    const cmp = await lathe(['runs', 'compare', id, other, '--all']);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/loss/);

    expect((await lathe(['runs', 'rm', id])).code).toBe(0);
    expect((await lathe(['runs', 'list', '--json'])).stdout).not.toContain(id);
    expect((await lathe(['runs', 'list', '--deleted', '--json'])).stdout).toContain(id);
    expect((await lathe(['runs', 'restore', id])).code).toBe(0);

    const csv = await lathe(['runs', 'export', '--experiment', 'cli', '--format', 'csv']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id,name,status,experiment,source,start_time,end_time,duration_ms,params\.depth,metrics\.acc,metrics\.loss,metrics\.weird/);
    expect(lines).toHaveLength(3);
    expect((await lathe(['runs', 'show', 'ffffffff'])).code).toBe(1);
  });
});

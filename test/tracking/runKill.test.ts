import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GRACE_MS } from '../../src/main/cli/childWatchdog';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine } from '../../src/main/engine/engine';
import { requireCliBundle } from '../cliBundle';
import { tempDir } from '../helpers';

/**
 * `lathe run -- cmd` killed with SIGKILL (issue 8): the command and what it started must die with
 * it, and the run must not stay `running` forever: the next engine start fails it as interrupted.
 * The real CLI in a real process (the built bundle run by node directly, so the pid killed is Lathe's
 * own, not a wrapper's), a real shell script that starts a grandchild, a real workspace.
 */

let bundle: string;
beforeAll(() => {
  bundle = requireCliBundle();
});
const dirs: string[] = [];
const spawned: ChildProcess[] = [];
const strays: number[] = [];

afterEach(() => {
  for (const c of spawned.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Alive and not a zombie (an orphan's zombie lingers where pid 1 does not reap). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

function startLathe(home: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [bundle, ...args], {
    cwd: home,
    env: { ...process.env, LATHE_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out };
}

describe.skipIf(process.platform === 'win32')('lathe run killed with SIGKILL', () => {
  it('takes its command (and the command\'s own child) down within seconds, and the next start fails the run', async () => {
    const home = tempDir('lathe-runkill-');
    dirs.push(home);
    const script = path.join(home, 'long.sh');
    // The script is the command; `sleep` is a grandchild that only a process-group kill reaches.
    fs.writeFileSync(script, 'echo "shell $$"\nsleep 300 &\necho "sleeper $!"\nwait\n');
    const { child, output } = startLathe(home, ['run', '-n', 'doomed', '--', 'sh', script]);
    await until('the script to start', () => /sleeper \d+/.test(output()), 60_000);
    const shellPid = Number(/shell (\d+)/.exec(output())![1]);
    const sleeperPid = Number(/sleeper (\d+)/.exec(output())![1]);
    strays.push(shellPid, sleeperPid);
    expect(running(shellPid) && running(sleeperPid)).toBe(true);

    child.kill('SIGKILL');
    const ms = await until('the command to die with lathe', () => !running(shellPid) && !running(sleeperPid), 5000);
    console.log(`lathe run SIGKILLed: its command and the command's child were gone ${ms} ms later`);

    const engine = await createEngine({ home, sample: false });
    try {
      const run = (await invoke(engine, 'runs.search', { query: 'name = "doomed"' })).runs[0];
      expect(run.status).toBe('failed');
      expect(run.tags['lathe.error']).toMatch(/^interrupted: the Lathe process running it \(pid \d+ on .+\) stopped before the command ended \(its command ran as pid \d+\)$/);
      expect(engine.db.prepare('SELECT count(*) FROM run_owners').pluck().get()).toBe(0);
    } finally {
      engine.close();
    }
  }, 90_000);

  it('a command that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const home = tempDir('lathe-runkill-');
    dirs.push(home);
    const script = path.join(home, 'stubborn.sh');
    // `trap '' TERM` is inherited by the sleeper: only SIGKILL ends either of them.
    fs.writeFileSync(script, 'trap "" TERM\necho "shell $$"\nsleep 300 &\necho "sleeper $!"\nwait\n');
    const { child, output } = startLathe(home, ['run', '-n', 'stubborn', '--', 'sh', script]);
    await until('the script to start', () => /sleeper \d+/.test(output()), 60_000);
    const pids = [Number(/shell (\d+)/.exec(output())![1]), Number(/sleeper (\d+)/.exec(output())![1])];
    strays.push(...pids);
    child.kill('SIGKILL');
    const ms = await until('SIGKILL after the grace period', () => pids.every((p) => !running(p)), GRACE_MS + 4000);
    console.log(`a command ignoring SIGTERM was SIGKILLed ${ms} ms after lathe run died (grace ${GRACE_MS} ms)`);
    expect(ms).toBeGreaterThanOrEqual(GRACE_MS - 500);
  }, 90_000);

  it('a run whose lathe is alive is left running by another start; one that ends normally releases its owner', async () => {
    const home = tempDir('lathe-runkill-');
    dirs.push(home);
    const { child, output } = startLathe(home, ['run', '-n', 'alive', '--', 'sh', '-c', 'echo ready; sleep 300']);
    await until('the command to start', () => output().includes('ready'), 60_000);
    const other = await createEngine({ home, sample: false });
    try {
      expect((await invoke(other, 'runs.search', { query: 'name = "alive"' })).runs[0].status).toBe('running');
    } finally {
      other.close();
    }
    child.kill('SIGTERM'); // a kill Lathe sees: the command is stopped and the run marked killed
    await new Promise((r) => child.once('exit', r));

    const done = startLathe(home, ['run', '-n', 'quick', '--', 'sh', '-c', 'echo fine']);
    const code = await new Promise((r) => done.child.once('exit', r));
    expect(code).toBe(0);
    const engine = await createEngine({ home, sample: false });
    try {
      const runs = await invoke(engine, 'runs.search', {});
      const status = Object.fromEntries(runs.runs.map((r) => [r.name, r.status]));
      expect(status).toMatchObject({ alive: 'killed', quick: 'finished' });
      expect(engine.db.prepare('SELECT count(*) FROM run_owners').pluck().get()).toBe(0);
    } finally {
      engine.close();
    }
  }, 90_000);
});

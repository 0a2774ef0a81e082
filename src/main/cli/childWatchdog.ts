import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Makes a command die with the `lathe run` that started it, even when that process is SIGKILLed
 * (which no handler in it can see). Node has no prctl(PR_SET_PDEATHSIG), and that is Linux-only
 * anyway, so the portable way is a tiny watchdog process:
 *
 * - The command runs in its own process group (POSIX: `detached`, i.e. setsid), so the watchdog can
 *   signal the whole tree it makes (`sh -c`, a Python launcher and its workers) with one kill(-pgid).
 *   In its own session the terminal's job control does not stop it when it reads stdin.
 * - The watchdog is a second small Node process, also in its own session (so a terminal hangup or a
 *   Ctrl-C to Lathe's group does not take it along), whose stdin is a pipe from `lathe run`. The
 *   kernel closes that pipe when `lathe run` exits for any reason, SIGKILL included; the watchdog
 *   sees end-of-file, sends SIGTERM to the command's group, and SIGKILL after GRACE_MS if it is
 *   still there. It also watches its parent pid, in case the pipe outlives it.
 * - When the command ends normally, `lathe run` writes "done" and closes the pipe: the watchdog exits
 *   without touching anything.
 *
 * On Windows the tree is ended with `taskkill /T /F` (no process groups to signal).
 * The watchdog's code is a string run with `node -e` on purpose: it must start in milliseconds, with
 * no loader, no bundle and no engine, identically from the sources and from dist/.
 */

export const GRACE_MS = 2000;

const WATCHDOG = `/* lathe run: watchdog of the command's process group */
const pid = Number(process.argv[1]);
const group = process.argv[2] === 'group';
const grace = Number(process.argv[3]);
const parent = process.ppid;
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
let done = false;
let ending = false;
const alive = () => { try { process.kill(group ? -pid : pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const signal = (sig) => {
  if (process.platform === 'win32') {
    require('child_process').spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore' });
    return;
  }
  try { process.kill(group ? -pid : pid, sig); } catch {}
};
const end = () => {
  if (ending) return;
  ending = true;
  if (done || !alive()) process.exit(0);
  signal('SIGTERM');
  const started = Date.now();
  setInterval(() => {
    if (!alive()) process.exit(0);
    if (Date.now() - started > grace) { signal('SIGKILL'); process.exit(0); }
  }, 50);
};
process.stdin.on('data', (d) => { if (String(d).includes('done')) done = true; });
process.stdin.on('end', end);
process.stdin.on('close', end);
process.stdin.on('error', end);
setInterval(() => { if (process.ppid !== parent) end(); }, 500);
`;

export interface Watchdog {
  /** The command ended on its own: stop the watchdog without signalling anything. */
  release(): void;
}

/** Whether commands get their own process group (all but Windows). */
export const OWN_GROUP = process.platform !== 'win32';

/** Starts the watchdog for `child` (spawned with `detached: OWN_GROUP`). */
export function watchChild(child: ChildProcess): Watchdog {
  if (child.pid === undefined) return { release() {} };
  const dog = spawn(process.execPath, ['-e', WATCHDOG, String(child.pid), OWN_GROUP ? 'group' : 'pid', String(GRACE_MS)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: OWN_GROUP,
    windowsHide: true,
    // No NODE_OPTIONS: a loader or a heap flag meant for Lathe has no business in the watchdog.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  dog.on('error', () => {}); // without a watchdog the command still runs; only the SIGKILL case loses
  dog.stdin?.on('error', () => {});
  dog.unref();
  return {
    release() {
      if (dog.stdin && !dog.stdin.destroyed) dog.stdin.end('done\n');
    },
  };
}

/** Sends `sig` to the command and everything it started. */
export function signalChild(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (OWN_GROUP) process.kill(-child.pid, sig);
    else child.kill(sig);
  } catch {
    // Already gone.
  }
}

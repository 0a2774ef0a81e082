import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Makes a command die with the `lathe run` that started it, even when that process is SIGKILLed
 * (which no handler in it can see). Node has no prctl(PR_SET_PDEATHSIG), and that is Linux-only
 * anyway, so the portable way is a tiny watchdog process:
 *
 * - The command runs in its own process group (POSIX: `detached`, i.e. setsid), so the watchdog can
 *   signal the whole tree it makes (`sh -c`, a Python launcher and its workers) with one kill(-pgid).
 *   In its own session the terminal's job control does not stop it when it reads stdin.
 * - The watchdog is a few lines of POSIX `sh`, also in its own session (so a terminal hangup or a
 *   Ctrl-C to Lathe's group does not take it along; it ignores those signals too), blocked reading a
 *   pipe from `lathe run`. The kernel closes that pipe when `lathe run` exits for any reason, SIGKILL
 *   included; `read` returns, and the watchdog sends SIGTERM to the command's group, then SIGKILL
 *   after GRACE_MS if anything is left. The pipe cannot leak into the command: it is made after the
 *   command is spawned, and Node opens it close-on-exec.
 * - When the command ends normally, `lathe run` writes "done": the watchdog exits without signalling.
 *
 * `sh` rather than Node, so it starts in a millisecond and works the same under Node, from dist/ and
 * under the desktop app's `--cli` mode (where process.execPath is the app, not Node).
 * Windows has neither process groups nor `sh`: there the command is not watched (if `lathe run` is
 * killed hard, the command keeps running), and the run is still failed at the next start.
 */

export const GRACE_MS = 2000;
const POLL_S = 0.05;

// $1: the command's process group id; $2: how many POLL_S ticks to wait before SIGKILL.
const WATCHDOG = `
trap '' INT TERM HUP
IFS= read -r line
[ "$line" = done ] && exit 0
kill -TERM "-$1" 2>/dev/null || exit 0
n=0
while [ "$n" -lt "$2" ]; do
  kill -0 "-$1" 2>/dev/null || exit 0
  sleep ${POLL_S}
  n=$((n + 1))
done
kill -KILL "-$1" 2>/dev/null
exit 0
`;

/** Whether commands get their own process group and a watchdog (all but Windows). */
export const OWN_GROUP = process.platform !== 'win32';

export interface Watchdog {
  /** The command ended on its own: stop the watchdog without signalling anything. */
  release(): void;
}

/** Starts the watchdog for `child` (spawned with `detached: OWN_GROUP`, so its pid is its group id). */
export function watchChild(child: ChildProcess): Watchdog {
  if (!OWN_GROUP || child.pid === undefined) return { release() {} };
  const ticks = Math.ceil(GRACE_MS / 1000 / POLL_S);
  const dog = spawn('/bin/sh', ['-c', WATCHDOG, 'lathe-run-watchdog', String(child.pid), String(ticks)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
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

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Who a process is, beyond its pid: pids are reused, so "pid 4242 is alive" does not say the Lathe
 * process that owned a run is. The start identity is the kernel's start time of that pid (Linux:
 * `/proc/<pid>/stat` field 22, ticks since boot, with the boot id; macOS and other Unixes: `ps -o
 * lstart`). Two processes with the same pid never share it. '' where the platform gives none
 * (Windows): callers then fall back to the pid alone.
 */
export function processStartIdentity(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return null;
    }
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie (Z) or dying (X) process has ended; only its parent has not reaped it yet.
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return `linux:${bootId()}:${fields[19]}`;
  }
  if (process.platform === 'win32') return processAlive(pid) ? '' : null;
  try {
    const out = execFileSync('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const [state, ...started] = out.split(/\s+/);
    return out === '' || state.startsWith('Z') ? null : `ps:${started.join(' ')}`;
  } catch {
    return null; // ps exits 1 when there is no such process
  }
}

let boot: string | undefined;
function bootId(): string {
  if (boot === undefined) {
    try {
      boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      boot = '';
    }
  }
  return boot;
}

export function processAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process recorded as (pid, started) on `host` is still that process, as far as this host can tell. */
export function sameProcessAlive(owner: { pid: number; host: string; started: string }, thisHost: string): boolean | 'unknown' {
  if (owner.host !== thisHost) return 'unknown';
  const now = processStartIdentity(owner.pid);
  if (now === null) return false;
  if (owner.started === '' || now === '') return processAlive(owner.pid);
  return now === owner.started;
}

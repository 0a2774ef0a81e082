import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Small helpers shared by the benchmarks: timing, medians, and one line per result. */

export async function time<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface BenchResult {
  name: string;
  value: string;
  /** measured / baseline (or measured / limit for absolute targets) */
  ratio?: number;
  target: string;
  pass: boolean;
}

const results: BenchResult[] = [];

export function report(r: BenchResult): void {
  results.push(r);
  const ratio = r.ratio === undefined ? '' : `  ratio ${r.ratio.toFixed(2)}`;
  console.log(`${r.pass ? 'PASS' : 'MISS'}  ${r.name}: ${r.value}${ratio}  (target ${r.target})`);
}

export function summary(): BenchResult[] {
  const missed = results.filter((r) => !r.pass);
  console.log(`\n${results.length - missed.length} of ${results.length} targets met${missed.length ? `; missed: ${missed.map((m) => m.name).join(', ')}` : ''}`);
  return results;
}

/** CPU milliseconds of this process's waited-for children (/proc/self/stat cutime + cstime, in clock
 * ticks of 10 ms), null off Linux: what a spawned command cost, whatever else the machine was doing. */
export function childCpuMs(): number | null {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs a command to its end and returns its wall time and CPU time (the child's user + system, null
 * off Linux); throws, naming the command and quoting its stderr, when it exits non-zero.
 */
export function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; cpuMs: number | null } {
  const c0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  const c1 = childCpuMs();
  if (r.status !== 0) throw new Error(`${[command, ...args].join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpuMs: c0 === null || c1 === null ? null : c1 - c0 };
}

/** One thread of this process: its name (/proc/self/task/<tid>/comm: node's own, libuv's pool, V8's platform workers) and CPU seconds (utime + stime, clock ticks of 1/100 s). */
export interface ThreadCpu {
  tid: number;
  name: string;
  cpuS: number;
}

/** A thread's stat, or null when it has ended (or off Linux). */
export function threadCpu(tid: number | string): ThreadCpu | null {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { tid: Number(tid), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuS: (Number(f[11]) + Number(f[12])) / 100 };
  } catch {
    return null;
  }
}

/** Milliseconds a thread has waited for a CPU on a run queue (Linux schedstat), null when it has ended. */
export function threadWaitMs(tid: number | string): number | null {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return null;
  }
}

/** `read` for every thread of this process now, by tid (empty off Linux; threads that end meanwhile are left out). */
export function perThread<T>(read: (tid: string) => T | null): Map<number, T> {
  const out = new Map<number, T>();
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    const v = read(tid);
    if (v !== null) out.set(Number(tid), v);
  }
  return out;
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

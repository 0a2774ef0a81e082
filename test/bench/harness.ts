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

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

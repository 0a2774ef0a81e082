import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { FEATURES, modelP, rng, row } from '../monitoring/synthetic';
import { trainRealModel } from '../monitoring/fixture';
import { perThread, report, threadCpu, type ThreadCpu } from './harness';

/**
 * Ingest alone (also the last part of monitoring.bench.ts): `BENCH_ONLY=monitorIngest npm run bench`
 * prints the issue's number (rows/s wall, 12 features, target >= 100k) with rows per CPU-second and
 * the load average beside it; `tsx test/bench/monitorIngest.bench.ts [rows]` prints one JSON line of
 * the same (for comparing two trees back to back, or with INGEST_PROFILE for a CPU profile).
 * Two logs of `rows` each go in, one after the other, as a serving process's logs arrive: the first
 * ingest of a process (`first`: a fresh parse worker, nothing compiled yet) and the next one
 * (`next`: the steady state, on the warm parse worker), both reported, each named.
 */
/** INGEST_PROFILE=<file>: a CPU profile of the ingest alone (main thread), for chrome://inspect or a script. */
async function startProfile(): Promise<(out: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (out) => {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(out, JSON.stringify(profile));
    session.disconnect();
  };
}

export interface IngestMeasure {
  rows: number;
  /** This process's CPU time (process.cpuUsage): on a shared machine the wall clock mostly measures the wait for a core. */
  cpuS: number;
  wallS: number;
  /** CPU seconds of the main (ingest) thread alone, from /proc (Linux); null elsewhere. */
  mainCpuS: number | null;
  /** CPU seconds by thread (Linux): each live thread sampled every 50 ms during the ingest, so a thread that ended (the parse worker) keeps its last sample. */
  threads: ThreadCpu[];
  windows: number;
  rawSegments: number;
  fileBytes: number;
}

/** The first ingest of a process and the next one (the steady state: parse worker and code warm). */
export interface IngestRuns {
  first: IngestMeasure;
  next: IngestMeasure;
  /** JSON.parse alone of the next log's lines on one thread, after the ingest: the host's speed in this run (it varies by a third here from hour to hour). */
  parseOnlyRowsPerS: number;
}

/** A fresh workspace at `home` with a real 12-feature model `name` trained (quietly) and its reference profile built: what the monitoring benches ingest into. */
export async function monitoredModel(dir: string, home: string, name: string): Promise<Engine> {
  const engine = await createEngine({ home, sample: false });
  const quiet = console.warn;
  try {
    console.warn = () => {};
    await trainRealModel(engine, dir, name, FEATURES);
    console.warn = quiet;
    await invoke(engine, 'monitor.reference', { ref: `${name}@1` });
    return engine;
  } catch (e) {
    console.warn = quiet;
    engine.close();
    throw e;
  }
}

/** Trains a 12-feature model in `dir`, builds its reference, and times `monitor.ingest` of two logs of `rows` logged predictions each (the second two days later, other ids). */
export async function ingestLogs(dir: string, rows: number): Promise<IngestRuns> {
  const engine = await monitoredModel(dir, path.join(dir, 'ingest-ws'), 'bench');
  try {
    const first = await timedIngest(engine, writeLog(dir, rows, 0), rows, null);
    const nextLog = writeLog(dir, rows, 1);
    const next = await timedIngest(engine, nextLog, rows, process.env.INGEST_PROFILE ?? null);
    return { first, next, parseOnlyRowsPerS: parseOnlyRate(nextLog) };
  } finally {
    engine.close();
  }
}

async function timedIngest(engine: Engine, file: string, rows: number, profileTo: string | null): Promise<IngestMeasure> {
  const profiler = profileTo ? await startProfile() : null;
  const m0 = mainThreadCpuS();
  const sampler = new ThreadSampler();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await invoke(engine, 'monitor.ingest', { ref: 'bench', files: [file] });
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const m1 = mainThreadCpuS();
  const threads = sampler.stop();
  if (profiler) await profiler(profileTo!);
  if (res.accepted !== rows) throw new Error(`accepted ${res.accepted} of ${rows}`);
  return { rows, cpuS: (c.user + c.system) / 1e6, wallS, mainCpuS: m0 !== null && m1 !== null ? m1 - m0 : null, threads, windows: res.windows.length, rawSegments: res.rawSegments, fileBytes: fs.statSync(file).size };
}

/** Rows a second of JSON.parse alone over a log's lines (best of 3): the least any ingest of them must do, on this host now. */
function parseOnlyRate(file: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  let best = Infinity;
  let versions = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (const l of lines) versions += (JSON.parse(l) as { version: number }).version;
    best = Math.min(best, performance.now() - t0);
  }
  if (versions !== 3 * lines.length) throw new Error('the log did not parse as written');
  return Math.round(lines.length / (best / 1000));
}

/**
 * The log the ingest reads, written by a function of its own so that its 300k strings are garbage
 * before the ingest starts (held by the caller's frame they were ~100 MB of old generation that every
 * mark of the main thread's heap during the ingest walked again).
 */
export function writeLog(dir: string, rows: number, part: number, model = 'bench', name = `ingest-${part}`): string {
  const rr = rng(5 + part);
  const start = Date.UTC(2026, 10, 1) + part * 48 * 3_600_000;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const o = row(rr);
    const p = modelP(o);
    // Ids as the serving export makes them (random UUIDs): sequential ids would flatter a text-keyed index.
    lines.push(JSON.stringify({ requestId: uuidLike(rr), time: start + Math.floor((i / rows) * 48 * 3_600_000), model, version: 1, alias: 'champion', features: o, output: { prediction: p >= 0.5 ? 'yes' : 'no', probabilities: { no: 1 - p, yes: p } }, latencyMs: 0.4 }));
  }
  const file = path.join(dir, `${name}.ndjson`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * The main thread's CPU seconds: with the parse worker, the process's CPU time is two threads' and
 * the wall time on an idle machine is bound by the busier one.
 */
function mainThreadCpuS(): number | null {
  return threadCpu(process.pid)?.cpuS ?? null;
}

const taskCpu = () => perThread(threadCpu);

/** Every thread's CPU during a span: the first and last sample of each thread seen (threads started during the span count from 0). */
class ThreadSampler {
  private readonly first = taskCpu();
  private readonly last = new Map(this.first);
  private readonly timer = setInterval(() => this.sample(), 50);
  private sample(): void {
    for (const [tid, t] of taskCpu()) this.last.set(tid, t);
  }
  stop(): ThreadCpu[] {
    clearInterval(this.timer);
    this.sample();
    const out: ThreadCpu[] = [];
    for (const [tid, t] of this.last) {
      const cpuS = t.cpuS - (this.first.get(tid)?.cpuS ?? 0);
      if (cpuS > 0) out.push({ tid, name: t.name + (tid === process.pid ? ' (main)' : this.first.has(tid) ? '' : ' (new)'), cpuS: Math.round(cpuS * 100) / 100 });
    }
    return out.sort((a, b) => b.cpuS - a.cpuS);
  }
}

/** A seeded random UUID (version 4 layout), so every run ingests the same ids. */
function uuidLike(r: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(r() * 4)]}${hex(3)}-${hex(12)}`;
}

/** The issue's line: rows/s wall against 100k in the steady state (the first ingest of a process beside it), with CPU-seconds and the machine's load (1-minute average at start and end). */
export function reportIngest(m: IngestRuns, load: [number, number]): void {
  const wall = m.next.rows / m.next.wallS;
  const one = (x: IngestMeasure) =>
    `${Math.round(x.rows / x.wallS)} rows/s wall, ${Math.round(x.rows / x.cpuS)} rows per CPU-second of this process${x.mainCpuS ? ` (its main thread alone ${Math.round(x.rows / x.mainCpuS)}: the parse worker and the runtime's threads take the rest)` : ''} (${x.windows} windows, ${x.rawSegments} raw appends, ${(x.fileBytes / 1024 / 1024).toFixed(0)} MB of NDJSON)`;
  report({
    name: `ingest ${m.next.rows} prediction records (12 features) into windows`,
    value: `next log (steady state, warm parse worker): ${one(m.next)}; first log of the process (cold): ${one(m.first)}; JSON.parse alone of the same lines on one thread: ${m.parseOnlyRowsPerS} rows/s (the host's speed now; the ingest is ${(wall / m.parseOnlyRowsPerS).toFixed(2)}x of it); load ${load[0].toFixed(1)} -> ${load[1].toFixed(1)} on ${os.cpus().length} cores`,
    ratio: wall / 100_000,
    target: '>= 100k rows/s wall',
    pass: wall >= 100_000,
  });
}

/** `BENCH_ONLY=monitorIngest npm run bench`. */
export async function benchMonitorIngest(dir: string, opts: { rows: number }): Promise<void> {
  const l0 = os.loadavg()[0];
  const m = await ingestLogs(dir, opts.rows);
  reportIngest(m, [l0, os.loadavg()[0]]);
}

const line = (r: IngestMeasure) => ({ cpuS: r.cpuS, wallS: r.wallS, windows: r.windows, rowsPerCpuS: Math.round(r.rows / r.cpuS), rowsPerWallS: Math.round(r.rows / r.wallS), rowsPerMainCpuS: r.mainCpuS ? Math.round(r.rows / r.mainCpuS) : null, threads: r.threads.map((t) => `${t.name}:${t.cpuS}`).join(' ') });

if (process.argv[1] && /monitorIngest\.bench\.ts$/.test(process.argv[1])) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-ingest-'));
  const load = os.loadavg()[0];
  const rows = Number(process.argv[2] ?? '100000');
  ingestLogs(dir, rows)
    .then((r) => console.log(JSON.stringify({ rows, next: line(r.next), first: line(r.first), parseOnlyRowsPerS: r.parseOnlyRowsPerS, load: [load, os.loadavg()[0]] })))
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

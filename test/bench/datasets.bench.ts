import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { buildMain } from '../../scripts/build-main.mjs';
import { createEngine } from '../../src/main/engine/engine';
import { childCpuMs, mb, median, report, time, timeCommand } from './harness';

/**
 * Dataset targets from the foundation issue, each against a baseline measured in this same run:
 * import vs `sha256sum` and DuckDB's `SUMMARIZE` (its peak memory: importMemory.bench.ts), dedup share of appended / edited versions, profile and diff vs one
 * papaparse pass, and random row pages on a 1M-row version.
 */

const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo', 'Emperor', 'King'];

/** A deterministic CSV of `rows` rows (~85 bytes each): id, 2 categories, 4 numbers, a flag, a date. */
export function writeCsv(file: string, rows: number, seed = 1): void {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'id,species,island,beak_mm,depth_mm,flipper_mm,mass_g,tagged,seen\n');
  const batch: string[] = [];
  for (let i = 0; i < rows; i++) {
    batch.push(
      `${i},${SPECIES[Math.floor(rnd() * 5)]},Isle${Math.floor(rnd() * 20)},${(30 + rnd() * 30).toFixed(2)},${(13 + rnd() * 9).toFixed(2)},${Math.floor(170 + rnd() * 60)},${Math.floor(2700 + rnd() * 3600)},${rnd() < 0.5},2024-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}\n`,
    );
    if (batch.length === 10_000) {
      fs.writeSync(fd, batch.join(''));
      batch.length = 0;
    }
  }
  fs.writeSync(fd, batch.join(''));
  fs.closeSync(fd);
}

/**
 * DuckDB's `SUMMARIZE` of the same CSV (it only profiles: no store, no row index), through
 * `@duckdb/node-api` (a devDependency for this baseline only), else the `duckdb` CLI, else null.
 */
async function duckdbSummarizeMs(file: string): Promise<{ ms: number; cpuMs: number; via: string } | null> {
  const sql = `SUMMARIZE SELECT * FROM read_csv('${file.replaceAll("'", "''")}')`;
  try {
    const { DuckDBInstance, version } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      await conn.runAndReadAll(sql); // warm-up (extension load, page cache)
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await conn.runAndReadAll(sql);
      const c = process.cpuUsage(c0);
      return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, via: `@duckdb/node-api, DuckDB ${version()}, in process, all cores` };
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  } catch {
    const probe = spawnSync('duckdb', ['-c', 'select 1']);
    if (probe.status !== 0) return null;
    const c0 = childCpuMs() ?? 0;
    const t0 = performance.now();
    const r = spawnSync('duckdb', ['-c', sql]);
    if (r.status !== 0) return null;
    return { ms: performance.now() - t0, cpuMs: (childCpuMs() ?? 0) - c0, via: 'the duckdb CLI' };
  }
}

const CLI = fileURLToPath(new URL('../../dist/main/cli.cjs', import.meta.url));

/** Wall and CPU time of `lathe data add big <file>` through the bundled CLI in a workspace that exists. */
function cliDataAddMs(home: string, file: string): { ms: number; cpuMs: number | null } {
  const env = { ...process.env, LATHE_HOME: home };
  timeCommand(process.execPath, [CLI, 'data', 'list'], env);
  return timeCommand(process.execPath, [CLI, 'data', 'add', 'big', file], env);
}

let shaCpuMs: number | null = null;

function sha256sumMs(file: string): number {
  const { ms, cpuMs } = timeCommand('sha256sum', [file]);
  if (cpuMs !== null) shaCpuMs = cpuMs;
  return ms;
}

/** The 1-minute load average and the CPU time behind a wall-clock number: on a busy machine the ratio is noise, the CPU is not. */
function context(cpuMs: number): string {
  return `load ${os.loadavg()[0].toFixed(1)}; CPU ${cpuMs.toFixed(0)} ms${shaCpuMs === null ? '' : ` vs sha256sum ${shaCpuMs.toFixed(0)} ms`}`;
}

/** `fn`'s wall time and the CPU time of this process (every thread: the import's workers too). */
async function withCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, cpuMs: (c.user + c.system) / 1000 };
}

export async function benchDatasets(dir: string, opts: { bigRows: number; millionRows: number }): Promise<void> {
  await buildMain({ only: ['cli', 'worker-analyze', 'worker-hash'], quiet: true });
  const home = path.join(dir, 'home');
  const engine = await createEngine({ home, sample: false, door: 'test' });
  try {
    // --- import vs sha256sum and DuckDB's SUMMARIZE (after a half-size import that warms the code) ---
    const big = path.join(dir, 'big.csv');
    writeCsv(big, opts.bigRows);
    const half = path.join(dir, 'half.csv');
    writeCsv(half, Math.round(opts.bigRows / 2), 3);
    const size = fs.statSync(big).size;
    sha256sumMs(big); // warm the page cache for both sides alike
    const shaMs = median([sha256sumMs(big), sha256sumMs(big), sha256sumMs(big)]);
    await engine['datasets.add']({ name: 'half', path: half, message: '' }); // warms the analysis code as a user's earlier imports did
    const { value: add, cpuMs: addCpu } = await withCpu(() => time(() => engine['datasets.add']({ name: 'big', path: big, message: '' })));
    report({ name: `add a ${mb(size)} CSV`, value: `${add.ms.toFixed(0)} ms vs sha256sum ${shaMs.toFixed(0)} ms (${context(addCpu)})`, ratio: add.ms / shaMs, target: '<= 3x', pass: add.ms / shaMs <= 3 });
    const duck = await duckdbSummarizeMs(big);
    if (duck) {
      const ratio = add.ms / duck.ms;
      report({ name: `add a ${mb(size)} CSV vs DuckDB SUMMARIZE (via ${duck.via})`, value: `${add.ms.toFixed(0)} ms vs ${duck.ms.toFixed(0)} ms (load ${os.loadavg()[0].toFixed(1)}; DuckDB CPU ${duck.cpuMs.toFixed(0)} ms)`, ratio, target: '<= 0.5x', pass: ratio <= 0.5 });
    } else {
      console.log('SKIP  add vs DuckDB SUMMARIZE: neither @duckdb/node-api nor a duckdb CLI is installed');
    }
    // The same add as a user runs it from the shell: the bundled CLI in a fresh process (its start and the
    // workspace's opening included), into a workspace made beforehand (its first command seeds the sample).
    const cli = cliDataAddMs(path.join(dir, 'cli-home'), big);
    report({
      name: `\`lathe data add\` of the same CSV, whole process (bundled CLI)`,
      value: `${cli.ms.toFixed(0)} ms vs sha256sum ${shaMs.toFixed(0)} ms${duck ? ` and DuckDB ${duck.ms.toFixed(0)} ms (${(cli.ms / duck.ms).toFixed(2)}x)` : ''} (load ${os.loadavg()[0].toFixed(1)}; CPU ${cli.cpuMs?.toFixed(0) ?? '?'} ms)`,
      ratio: cli.ms / shaMs,
      target: '<= 3x',
      pass: cli.ms / shaMs <= 3,
    });
    const again = await time(() => engine['datasets.add']({ name: 'big', path: big, message: '' }));
    report({ name: 'add it again unchanged', value: `${again.ms.toFixed(0)} ms`, ratio: again.ms / shaMs, target: '<= 1.2x', pass: again.ms / shaMs <= 1.2 });

    // --- dedup: append 1%, edit a contiguous 1% block ---
    const text = fs.readFileSync(big, 'utf8');
    const lines = text.split('\n');
    const appended = path.join(dir, 'appended.csv');
    const extra = Math.floor(lines.length / 100);
    fs.writeFileSync(appended, text + lines.slice(1, 1 + extra).join('\n') + '\n');
    const a = await engine['datasets.add']({ name: 'big', path: appended, message: 'append 1%' });
    report({ name: 'append 1% of rows: new bytes stored', value: mb(a.version.storedBytes), ratio: a.version.storedBytes / size, target: '<= 5% of the file', pass: a.version.storedBytes / size <= 0.05 });
    const edited = path.join(dir, 'edited.csv');
    const startLine = Math.floor(lines.length / 2);
    const editedLines = lines.map((l, i) => (i >= startLine && i < startLine + extra && l ? l.replace(/,(true|false),/, ',maybe,') : l));
    fs.writeFileSync(edited, editedLines.join('\n'));
    const e = await engine['datasets.add']({ name: 'big', path: edited, message: 'edit a 1% block' });
    report({ name: 'edit a contiguous 1% block: new bytes stored', value: mb(e.version.storedBytes), ratio: e.version.storedBytes / size, target: '<= 5% of the file', pass: e.version.storedBytes / size <= 0.05 });

    // --- 1M rows: profile (at import) and diff vs one papaparse pass; page latency ---
    const m1 = path.join(dir, 'million.csv');
    const m2 = path.join(dir, 'million-v2.csv');
    writeCsv(m1, opts.millionRows, 7);
    const mText = fs.readFileSync(m1, 'utf8');
    const mLines = mText.split('\n');
    for (let i = 1000; i < 1100; i++) mLines[i] = mLines[i].replace(/,(true|false),/, ',maybe,');
    fs.writeFileSync(m2, mLines.join('\n') + mLines.slice(1, 1001).map((l) => l.replace(/^\d+/, (n) => String(Number(n) + 5_000_000))).join('\n') + '\n');
    const parse = await time(() => Papa.parse(fs.readFileSync(m1, 'utf8'), { header: false, dynamicTyping: true, skipEmptyLines: true }).data.length);
    const v1 = await time(() => engine['datasets.add']({ name: 'million', path: m1, message: '' }));
    report({ name: `import + profile ${opts.millionRows} rows`, value: `${v1.ms.toFixed(0)} ms vs papaparse ${parse.ms.toFixed(0)} ms`, ratio: v1.ms / parse.ms, target: '<= 10x', pass: v1.ms / parse.ms <= 10 });
    await engine['datasets.add']({ name: 'million', path: m2, message: 'v2' });
    const diff = await time(() => engine['datasets.diff']({ from: 'million@v1', to: 'million@v2' }));
    report({ name: `diff two ${opts.millionRows}-row versions (by content)`, value: `${diff.ms.toFixed(0)} ms (+${diff.value.rows.added} -${diff.value.rows.removed})`, ratio: diff.ms / parse.ms, target: '<= 10x papaparse', pass: diff.ms / parse.ms <= 10 });
    const keyed = await time(() => engine['datasets.diff']({ from: 'million@v1', to: 'million@v2', key: 'id' }));
    report({ name: `diff two ${opts.millionRows}-row versions (key id)`, value: `${keyed.ms.toFixed(0)} ms (~${keyed.value.rows.modified})`, ratio: keyed.ms / parse.ms, target: '<= 10x papaparse', pass: keyed.ms / parse.ms <= 10 });

    const pageTimes: number[] = [];
    let x = 42;
    for (let i = 0; i < 100; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const offset = x % (opts.millionRows - 100);
      pageTimes.push((await time(() => engine['datasets.rows']({ ref: 'million@v1', offset, limit: 100 }))).ms);
    }
    const med = median(pageTimes);
    report({ name: `random page of 100 rows on ${opts.millionRows} rows (median of 100)`, value: `${med.toFixed(1)} ms`, ratio: med / 50, target: '< 50 ms', pass: med < 50 });
  } finally {
    engine.close();
  }
}

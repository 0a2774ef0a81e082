import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine } from '../../src/main/engine/engine';
import { trainPenguinRun } from '../registry/fixtures';
import { childCpuMs, mb, median, report, time } from './harness';

/**
 * Registry targets: bundle export and import of ~1 GB of objects (at BENCH_SCALE=1), each within 2x of
 * `tar` creating and extracting the same files; ONNX export (with its onnxruntime check) under 2 s.
 */
/** Bytes this process has caused to be written to disk so far (/proc/self/io), null off Linux. */
function writtenBytes(): number | null {
  try {
    return Number(/write_bytes: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))?.[1]);
  } catch {
    return null;
  }
}

/** Wall ms, CPU ms of this process (every thread), MB written, of one awaited step. */
async function measured(fn: () => Promise<unknown>): Promise<{ ms: number; cpu: number; written: number | null }> {
  const w0 = writtenBytes();
  const c0 = process.cpuUsage();
  const { ms } = await time(fn);
  const c = process.cpuUsage(c0);
  const w1 = writtenBytes();
  return { ms, cpu: (c.user + c.system) / 1000, written: w0 === null || w1 === null ? null : (w1 - w0) / 1024 ** 2 };
}

/** The same for a spawned command: CPU of the waited-for child. */
async function measuredChild(fn: () => unknown): Promise<{ ms: number; cpu: number }> {
  const c0 = childCpuMs() ?? 0;
  const { ms } = await time(fn);
  return { ms, cpu: (childCpuMs() ?? 0) - c0 };
}

const cpuLine = (xs: { cpu: number; written?: number | null }[]) =>
  `CPU ${Math.round(median(xs.map((x) => x.cpu)))} ms${xs[0]?.written != null ? `, wrote ${Math.round(median(xs.map((x) => x.written as number)))} MB` : ''}`;

export async function benchBundles(dir: string, opts: { bytes: number }): Promise<void> {
  const src = path.join(dir, 'bundle-src');
  fs.mkdirSync(src, { recursive: true });
  const fileSize = 32 * 1024 * 1024;
  const count = Math.max(1, Math.round(opts.bytes / fileSize));
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(src, `part-${i}.bin`), randomBytes(fileSize)); // incompressible, no dedup

  const a = await createEngine({ home: path.join(dir, 'bundle-a'), sample: false, door: 'test' });
  const b = await createEngine({ home: path.join(dir, 'bundle-b'), sample: false, door: 'test' });
  try {
    const run = await invoke(a, 'runs.create', { experiment: 'bench', name: 'bundle-bench' });
    for (let i = 0; i < count; i++) await a.tracking.runs.putArtifactFile(run.id, `data/part-${i}.bin`, path.join(src, `part-${i}.bin`));
    await invoke(a, 'runs.update', { id: run.id, status: 'finished' });
    const total = count * fileSize;

    // Baseline: tar creating and extracting the same files (page cache warm for both sides). Every timed
    // step starts with nothing dirty in the page cache (an untimed `sync` first): tar does not fsync, so
    // without it the gigabyte tar left behind is written out during the next step (Lathe's fsyncs and
    // writes waited for it, and whichever ran after tar was charged for tar's writes).
    const settle = () => spawnSync('sync');
    const tarFile = path.join(dir, 'base.tar');
    const tarOut = path.join(dir, 'tar-out');
    const tarCreate: number[] = [];
    const tarExtract: number[] = [];
    const tarCpu: { c: { cpu: number }[]; x: { cpu: number }[] } = { c: [], x: [] };
    for (let k = 0; k < 2; k++) {
      fs.rmSync(tarFile, { force: true });
      fs.rmSync(tarOut, { recursive: true, force: true });
      fs.mkdirSync(tarOut);
      settle();
      const c = await measuredChild(() => spawnSync('tar', ['-cf', tarFile, '-C', src, '.']));
      tarCreate.push(c.ms);
      tarCpu.c.push(c);
      settle();
      const x = await measuredChild(() => spawnSync('tar', ['-xf', tarFile, '-C', tarOut]));
      tarExtract.push(x.ms);
      tarCpu.x.push(x);
    }
    // For reference only (not the target): tar plus an fsync of what it wrote. Lathe's export and import
    // no longer wait for an fsync either (issue 14: background sync; an import's pack is journalled
    // until it is on disk and rolled back at the next start if a crash tore it).
    const durable: { c: number; x: number } = { c: 0, x: 0 };
    {
      fs.rmSync(tarFile, { force: true });
      fs.rmSync(tarOut, { recursive: true, force: true });
      fs.mkdirSync(tarOut);
      settle();
      durable.c = (await time(() => spawnSync('sh', ['-c', 'tar -cf "$1" -C "$2" . && sync "$1"', 'sh', tarFile, src]))).ms;
      settle();
      durable.x = (await time(() => spawnSync('sh', ['-c', 'tar -xf "$1" -C "$2" && sync "$2" "$2"/*', 'sh', tarFile, tarOut]))).ms;
    }
    const out = path.join(dir, 'bench.lathe');
    const exp: number[] = [];
    const imp: number[] = [];
    const expCpu: { cpu: number; written: number | null }[] = [];
    const impCpu: { cpu: number; written: number | null }[] = [];
    // The import returns before its pack is on disk (issue 14): how much later the background sync ends.
    const flushed: number[] = [];
    const importInto = async (e: typeof b) => {
      const t0 = performance.now();
      const m = await measured(() => invoke(e, 'bundle.import', { file: out }));
      imp.push(m.ms);
      impCpu.push(m);
      await e.store.deferred.settle();
      flushed.push(performance.now() - t0);
    };
    for (let k = 0; k < 2; k++) {
      fs.rmSync(out, { force: true });
      settle();
      const m = await measured(() => invoke(a, 'bundle.export', { out, runs: 'name = "bundle-bench"' }));
      exp.push(m.ms);
      expCpu.push(m);
      settle();
      if (k === 0) {
        await importInto(b);
      } else {
        // A fresh workspace each time: the second import into the same one would be a no-op.
        const c = await createEngine({ home: path.join(dir, `bundle-c${k}`), sample: false, door: 'test' });
        settle();
        await importInto(c);
        c.close();
      }
    }
    const e = median(exp);
    const t = median(tarCreate);
    report({ name: `bundle export of ${mb(total)}`, value: `${Math.round(e)} ms vs tar -c ${Math.round(t)} ms`, ratio: e / t, target: '<= 2x tar', pass: e / t <= 2 });
    console.log(`      (reference: tar -c + fsync ${Math.round(durable.c)} ms, export ${(e / durable.c).toFixed(2)}x that; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`      (export ${cpuLine(expCpu)}; tar -c ${cpuLine(tarCpu.c)})`);
    const i = median(imp);
    const x = median(tarExtract);
    report({ name: `bundle import of ${mb(total)} (hash-checked, stored)`, value: `${Math.round(i)} ms vs tar -x ${Math.round(x)} ms`, ratio: i / x, target: '<= 2x tar', pass: i / x <= 2 });
    console.log(`      (reference: tar -x + fsync ${Math.round(durable.x)} ms, import ${(i / durable.x).toFixed(2)}x that; on disk (background sync done) ${Math.round(median(flushed))} ms after the call began; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`      (import ${cpuLine(impCpu)}; tar -x ${cpuLine(tarCpu.x)})`);

    const { runId } = await trainPenguinRun(a, { name: 'sample-mlp' });
    await invoke(a, 'models.register', { runId, name: 'penguins-sample' });
    const onnx: number[] = [];
    for (let k = 0; k < 3; k++) onnx.push((await time(() => invoke(a, 'export.run', { ref: 'penguins-sample', format: 'onnx', out: path.join(dir, `onnx-${k}`) }))).ms);
    const o = median(onnx);
    report({ name: 'ONNX export of the sample model (with the onnxruntime check)', value: `${Math.round(o)} ms`, ratio: o / 2000, target: '< 2000 ms', pass: o < 2000 });
  } finally {
    a.close();
    b.close();
  }
}

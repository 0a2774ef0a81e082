import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDatasets } from './datasets.bench';
import { benchEvaluation } from './evaluation.bench';
import { benchBundles } from './bundles.bench';
import { benchCli } from './cli.bench';
import { summary } from './harness';
import { benchSweeps } from './sweeps.bench';
import { benchPipelines } from './pipelines.bench';
import { benchMonitoring } from './monitoring.bench';
import { benchTracking } from './tracking.bench';
import { benchTraining } from './training.bench';
import { benchUi } from './ui.bench';

/**
 * `npm run bench`: every speed and storage target, printed as a ratio against a baseline measured in
 * this same run on this same machine. `BENCH_SCALE=0.1` runs a quick, smaller version.
 */
async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-'));
  console.log(`Lathe bench (scale ${scale}) on ${os.cpus().length} cores, Node ${process.versions.node}; scratch ${dir}\n`);
  try {
    console.log('# CLI start');
    await benchCli(dir, { runs: 1000, rounds: 15 });
    console.log('\n# datasets');
    // 2.35M rows ~ 200 MB
    await benchDatasets(dir, { bigRows: Math.round(2_350_000 * scale), millionRows: Math.round(1_000_000 * Math.min(1, scale * 2)) });
    console.log('\n# tracking');
    await benchTracking(dir, { points: Math.round(1_000_000 * Math.max(scale, 0.2)), runs: Math.round(10_000 * Math.max(scale, 0.2)) });
    console.log('\n# training');
    await benchTraining(dir, { rows: Math.round(20_000 * Math.max(scale, 0.25)), epochs: 4 });
    console.log('\n# registry (bundles, ONNX export)');
    await benchBundles(dir, { bytes: Math.round(1024 ** 3 * scale) });
    console.log('\n# UI (Chromium)');
    await benchUi(dir, { runs: Math.round(10_000 * Math.max(scale, 0.2)), points: Math.round(1_000_000 * Math.max(scale, 0.2)) });
    console.log('\n# evaluation');
    await benchEvaluation({ rows: 10_000, resamples: 1000 });
    await benchSweeps(dir, { epochs: Math.max(5, Math.round(30 * Math.min(1, scale * 2))) });
    await benchPipelines(dir, { rows: 10_000, resamples: 1000 });
    console.log('\n# monitoring');
    await benchMonitoring(dir, { rows: Math.round(1_000_000 * scale), cols: 50, refRows: Math.round(100_000 * Math.max(scale, 0.1)), ingestRows: Math.round(300_000 * Math.max(scale, 0.2)) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const results = summary();
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}

void main();

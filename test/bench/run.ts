import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDatasets } from './datasets.bench';
import { benchImportMemory } from './importMemory.bench';
import { benchEvaluation } from './evaluation.bench';
import { benchBundles } from './bundles.bench';
import { benchCli } from './cli.bench';
import { summary } from './harness';
import { benchSweeps } from './sweeps.bench';
import { benchPipelines } from './pipelines.bench';
import { benchMonitoring } from './monitoring.bench';
import { benchMonitorIngest } from './monitorIngest.bench';
import { benchMonitorRaw } from './monitorRaw.bench';
import { benchTracking } from './tracking.bench';
import { benchTraining } from './training.bench';
import { benchUi } from './ui.bench';
import { benchMonitorScreen } from './monitorScreen.bench';

/**
 * `npm run bench`: every speed and storage target, printed as a ratio against a baseline measured in
 * this same run on this same machine. `BENCH_SCALE=0.1` runs a quick, smaller version;
 * `BENCH_ONLY=datasets,bundles,sweeps` runs only those sections (cli, datasets, tracking, training, bundles, ui, evaluation, sweeps, pipelines, monitoring, monitorRaw, monitorIngest, monitorScreen; the Monitor screen also runs with ui).
 */
async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((x) => x.trim())) : null;
  const want = (section: string) => only === null || only.has(section);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-'));
  console.log(`Lathe bench (scale ${scale}) on ${os.cpus().length} cores, Node ${process.versions.node}; scratch ${dir}\n`);
  try {
    if (want('cli')) console.log('# CLI start');
    if (want('cli')) await benchCli(dir, { runs: 1000, rounds: 15 });
    if (want('datasets')) console.log('\n# datasets');
    // 2.35M rows ~ 200 MB
    if (want('datasets')) await benchDatasets(dir, { bigRows: Math.round(2_350_000 * scale), millionRows: Math.round(1_000_000 * Math.min(1, scale * 2)) });
    if (want('datasets')) benchImportMemory(dir, { bigRows: Math.round(2_350_000 * scale), rounds: 3 });
    if (want('tracking')) console.log('\n# tracking');
    if (want('tracking')) await benchTracking(dir, { points: Math.round(1_000_000 * Math.max(scale, 0.2)), runs: Math.round(10_000 * Math.max(scale, 0.2)) });
    if (want('training')) console.log('\n# training');
    if (want('training')) await benchTraining(dir, { rows: Math.round(20_000 * Math.max(scale, 0.25)), epochs: 4 });
    if (want('bundles')) console.log('\n# registry (bundles, ONNX export)');
    if (want('bundles')) await benchBundles(dir, { bytes: Math.round(1024 ** 3 * scale) });
    if (want('ui')) console.log('\n# UI (Chromium)');
    if (want('ui')) await benchUi(dir, { runs: Math.round(10_000 * Math.max(scale, 0.2)), points: Math.round(1_000_000 * Math.max(scale, 0.2)) });
    if (want('ui') || only?.has('monitorScreen')) await benchMonitorScreen(dir);
    if (want('evaluation')) console.log('\n# evaluation');
    if (want('evaluation')) await benchEvaluation({ rows: 10_000, resamples: 1000 });
    if (want('sweeps')) await benchSweeps(dir, { epochs: Math.max(5, Math.round(30 * Math.min(1, scale * 2))) });
    if (want('pipelines')) await benchPipelines(dir, { rows: 10_000, resamples: 1000 });
    if (want('monitoring')) console.log('\n# monitoring');
    if (want('monitoring')) await benchMonitoring(dir, { rows: Math.round(1_000_000 * scale), cols: 50, refRows: Math.round(100_000 * Math.max(scale, 0.1)), ingestRows: Math.round(300_000 * Math.max(scale, 0.2)) });
    // The raw logged rows at a million rows: JavaScript over NDJSON against DuckDB and Parquet (information for a choice, no target).
    if (want('monitorRaw')) console.log('\n# monitoring: raw rows (landing NDJSON, sealed Parquet parts, the join a dataset is made from)');
    if (want('monitorRaw')) await benchMonitorRaw(dir, { rows: Math.round(1_000_000 * scale) });
    // The ingest alone (also the last part of monitoring), only when asked: BENCH_ONLY=monitorIngest.
    if (only?.has('monitorIngest')) console.log('\n# monitoring ingest');
    if (only?.has('monitorIngest')) await benchMonitorIngest(dir, { rows: Math.round(300_000 * Math.max(scale, 0.2)) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const results = summary();
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}

void main();

import fs from 'node:fs';
import path from 'node:path';
import type { EngineApi } from '../../../shared/contract';
import type { CellValue } from '../../../shared/datasets';
import { invoke } from '../dispatch';
import { resourcesDir } from '../resources';

/**
 * The sample project's production history (issue 11 item 10): a champion trained on the sample
 * penguins (shipped as a registry bundle with its reference profile, imported at seed time), three days of hourly requests replayed through its predictor (`models.predict`, the
 * registry's forward pass) and ingested through the same path as a serving log, with a known shift
 * (heavier birds, +900 g) from hour 48 on and labels for the first two days. A new user opens Monitor
 * and sees drift, estimated vs realized accuracy and a firing alert. Deterministic: a fixed model, a
 * fixed walk over the rows, times on whole hours ending with the last complete one.
 */
export const SAMPLE_MODEL = 'penguins-sample';
export const SAMPLE_SHIFTED = 'Body Mass (g)';
const HOURS = 72;
const PER_HOUR = 40;
const SHIFT_FROM = 48;
const LABELLED_HOURS = 48;
const HOUR = 3_600_000;

/** The sample's complete rows as objects (header names are the model's feature names). */
function penguinRows(): Record<string, CellValue>[] {
  const [head, ...lines] = fs.readFileSync(path.join(resourcesDir(), 'sample', 'penguins.csv'), 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines
    .map((l) => l.split(','))
    .filter((cells) => cells.length === cols.length && cells.every((c) => c !== '' && c !== 'NA'))
    .map((cells) => Object.fromEntries(cols.map((c, i) => [c, Number.isFinite(Number(cells[i])) ? Number(cells[i]) : cells[i]])));
}

/** Where the sample champion ships: a registry bundle (model, run, reference profile, alias). */
export function sampleChampionBundle(): string {
  return path.join(resourcesDir(), 'sample', 'penguins-champion.lathe');
}

/**
 * Trains and registers the sample champion in a workspace holding the sample dataset, and writes the
 * bundle the sample project imports (`npx tsx scripts/make-sample-champion.ts` regenerates it): so a
 * new workspace gets the champion in milliseconds instead of a training.
 */
export async function trainSampleChampion(engine: EngineApi, out: string): Promise<void> {
  const { jobId, runId } = await invoke(engine, 'training.start', {
    spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', experiment: 'sample-monitoring', name: 'sample-champion', hyperparameters: { epochs: 30 } },
  });
  const job = await invoke(engine, 'training.wait', { jobId });
  if (job.state !== 'done') throw new Error(`the sample champion did not train (${job.state}: ${job.error?.message ?? 'no error'})`);
  const v = await invoke(engine, 'models.register', { runId, name: SAMPLE_MODEL, description: 'Sample: a penguin species classifier with three days of replayed production traffic (see Monitor).' });
  await invoke(engine, 'models.alias', { ref: `${SAMPLE_MODEL}@${v.number}`, alias: 'champion', reason: 'sample project' });
  await invoke(engine, 'monitor.reference', { ref: `${SAMPLE_MODEL}@${v.number}` });
  await invoke(engine, 'bundle.export', { out, models: [SAMPLE_MODEL], withData: false, gzip: true });
}

/** Imports the sample champion and replays its production history (see the top of this file). */
export async function seedSampleHistory(engine: EngineApi, now = Date.now()): Promise<{ model: string; requests: number; labels: number }> {
  await invoke(engine, 'bundle.import', { file: sampleChampionBundle() });
  const v = await invoke(engine, 'models.show', { ref: `${SAMPLE_MODEL}@champion` });
  // Reading the imported profile first gives the monitor the default rules a profile implies (accuracy, multivariate).
  await invoke(engine, 'monitor.reference', { ref: `${SAMPLE_MODEL}@${v.number}` });
  // A rule on the shifted feature itself, so the sample shows a firing alert whatever the share.
  await invoke(engine, 'monitor.setRule', { model: SAMPLE_MODEL, rule: { series: `feature.${SAMPLE_SHIFTED}.drift`, op: '>=', threshold: 1, forWindows: 2, resolveAfter: 3, severity: 'warning', name: 'Body mass drift' } });

  const rows = penguinRows();
  // Whole hours ending with the last complete one (no request in the future).
  const start = Math.floor(now / HOUR) * HOUR - HOURS * HOUR;
  const records: unknown[] = [];
  const labels: { requestId: string; label: string }[] = [];
  const served: { h: number; i: number; species: CellValue; features: Record<string, CellValue> }[] = [];
  for (let h = 0; h < HOURS; h++) {
    // A fixed walk over the rows; from SHIFT_FROM on every bird weighs 900 g more.
    for (let i = 0; i < PER_HOUR; i++) {
      const { Species: species, ...f } = rows[(h * 61 + i * 7) % rows.length];
      served.push({ h, i, species, features: h >= SHIFT_FROM ? { ...f, [SAMPLE_SHIFTED]: Number(f[SAMPLE_SHIFTED]) + 900 } : f });
    }
  }
  const out = await invoke(engine, 'models.predict', { ref: `${SAMPLE_MODEL}@${v.number}`, rows: served.map((s) => s.features) });
  const classes = out.labels ?? [];
  served.forEach((s, k) => {
    const requestId = `sample-${s.h}-${s.i}`;
    records.push({
      requestId,
      time: new Date(start + s.h * HOUR + Math.floor((s.i / PER_HOUR) * HOUR)).toISOString(),
      model: SAMPLE_MODEL,
      version: v.number,
      alias: 'champion',
      features: s.features,
      output: { prediction: out.predictions[k], probabilities: Object.fromEntries(classes.map((l, j) => [l, out.probabilities?.[k]?.[j] ?? 0])) },
      latencyMs: 0.8,
    });
    if (s.h < LABELLED_HOURS) labels.push({ requestId, label: String(s.species) });
  });
  const ingested = await invoke(engine, 'monitor.ingest', { ref: SAMPLE_MODEL, records });
  const joined = await invoke(engine, 'monitor.labels', { ref: SAMPLE_MODEL, labels });
  return { model: SAMPLE_MODEL, requests: ingested.accepted, labels: joined.matched };
}

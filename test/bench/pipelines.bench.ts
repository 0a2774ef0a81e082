import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine } from '../../src/main/engine/engine';
import { pairedBootstrap, seededRandom } from '../../src/main/engine/pipelines/pairedBootstrap';
import { seedSamplePipeline } from '../../src/main/engine/sample';
import { median, report, time } from './harness';

/**
 * Pipelines (issue 12): a re-run of the 9-stage penguins loop with nothing changed (key lookups and
 * output checks only; the first, real run is the baseline), a new version of a watched dataset to its
 * pipeline run starting, and the gate's paired bootstrap on 10k rows x 1000 resamples.
 */
export async function benchPipelines(dir: string, opts: { rows: number; resamples: number }): Promise<void> {
  console.log('\n# pipelines');
  const engine = await createEngine({ home: path.join(dir, 'pipelines'), door: 'test', sample: false });
  try {
    const loop = seedSamplePipeline(engine);
    await invoke(engine, 'datasets.add', { name: 'penguins-field', path: path.join(loop, 'penguins-field-v1.csv') });
    const first = await time(() => invoke(engine, 'pipelines.run', { name: 'penguins-loop' }));
    if (first.value.state !== 'succeeded') throw new Error(`bench pipeline ${first.value.state}: ${first.value.error ?? ''}`);
    const stages = first.value.stages.length;
    const reruns: number[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await time(() => invoke(engine, 'pipelines.run', { name: 'penguins-loop' }));
      if (r.value.stages.some((s) => s.state !== 'cached')) throw new Error('bench: a no-change re-run ran a stage');
      reruns.push(r.ms);
    }
    const m = median(reruns);
    report({ name: `no-change re-run of a ${stages}-stage pipeline`, value: `${m.toFixed(1)} ms (first run ${(first.ms / 1000).toFixed(1)} s)`, ratio: m / first.ms, target: '< 100 ms', pass: m < 100 });

    // New version of a watched dataset -> its pipeline run started.
    const work = path.join(dir, 'pipelines-watch');
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, 'p.yaml'), 'name: watch\ntriggers: [{ kind: dataset, name: w }]\nstages:\n  note: { type: command, run: node -e "0" }\n');
    engine.pipelines.saveFile(path.join(work, 'p.yaml'));
    fs.writeFileSync(path.join(work, 'w.csv'), 'a\n0\n');
    await invoke(engine, 'datasets.add', { name: 'w', path: path.join(work, 'w.csv') });
    engine.pipelines.startTriggers({ tickMs: 60_000 });
    const latencies: number[] = [];
    const adds: number[] = [];
    for (let i = 1; i <= 5; i++) {
      fs.appendFileSync(path.join(work, 'w.csv'), `${i}\n`);
      const started = new Promise<number>((resolve) => {
        const off = engine.events.subscribe((ev) => {
          if (ev.type === 'pipelines.changed' && ev.data.name === 'watch' && ev.data.state === 'running') {
            off();
            resolve(performance.now());
          }
        });
      });
      const t0 = performance.now();
      await invoke(engine, 'datasets.add', { name: 'w', path: path.join(work, 'w.csv') });
      const added = performance.now();
      const t1 = await started;
      adds.push(added - t0);
      latencies.push(t1 - t0);
      for (const r of engine.pipelines.history('watch', 10)) await engine.pipelines.wait(r.id);
    }
    const lat = median(latencies);
    report({ name: 'new dataset version -> pipeline run started', value: `${lat.toFixed(1)} ms from the import call (the import itself ${median(adds).toFixed(0)} ms)`, ratio: lat / median(adds), target: '< 1000 ms', pass: lat < 1000 });
  } finally {
    engine.close();
  }

  // The gate's paired bootstrap; baseline: the same number of plain passes over the differences.
  const rand = seededRandom(1);
  const d = new Float64Array(opts.rows).map(() => (rand() < 0.1 ? 1 : rand() < 0.05 ? -1 : 0));
  const boot = median(await Promise.all([0, 1, 2].map(async (s) => (await time(() => pairedBootstrap(d, { resamples: opts.resamples, confidence: 0.95, seed: s }))).ms)));
  const base = (
    await time(() => {
      let acc = 0;
      for (let b = 0; b < opts.resamples; b++) for (let i = 0; i < d.length; i++) acc += d[i];
      return acc;
    })
  ).ms;
  report({ name: `gate paired bootstrap, ${opts.rows} rows x ${opts.resamples} resamples`, value: `${boot.toFixed(0)} ms (plain passes ${base.toFixed(0)} ms)`, ratio: boot / base, target: '< 1000 ms', pass: boot < 1000 });
}

if (process.argv[1]?.endsWith('pipelines.bench.ts')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-pipe-'));
  benchPipelines(dir, { rows: 10_000, resamples: 1000 })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

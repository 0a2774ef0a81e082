import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMain } from '../../scripts/build-main.mjs';
import { createEngine } from '../../src/main/engine/engine';
import { median, report, timeCommand } from './harness';
import { seedRuns } from './seedRuns';

/**
 * CLI start times, the way the README runs it (`lathe` on the PATH is bin/lathe.cjs), against Node's own
 * start (`node -e 0`) measured in the same rounds: the targets are absolute (--version < 150 ms, runs
 * list < 300 ms), and the overhead over Node says how much of that is ours on a busy machine.
 * Commands are interleaved round by round so that load from elsewhere hits them alike, and each one's CPU
 * time (Linux) is printed beside its wall time: on a busy machine the wall time is mostly waiting for a core.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// package.json's bin (what `npm link` puts on the PATH); bin/lathe.mjs, the old entry, runs it through an ES module.
const BIN = path.join(ROOT, 'bin', 'lathe.cjs');

/** Wall and CPU (the child's user + system, null off Linux) milliseconds of one run. */
function timeOnce(args: string[], env: NodeJS.ProcessEnv): { ms: number; cpu: number | null } {
  const { ms, cpuMs } = timeCommand(process.execPath, args, env);
  return { ms, cpu: cpuMs };
}

export async function benchCli(dir: string, opts: { runs: number; rounds: number }): Promise<void> {
  await buildMain({ only: ['cli', 'worker-analyze', 'worker-train', 'worker-evaluate'], quiet: true });
  const home = path.join(dir, 'cli-home');
  const engine = await createEngine({ home, sample: false });
  await seedRuns(engine, 'cli-bench', opts.runs);
  engine.close();
  const env = { ...process.env, LATHE_HOME: home };

  const cases = {
    node: ['-e', '0'],
    version: [BIN, '--version'],
    runsList: [BIN, 'runs', 'list'],
    bundleNoCache: [path.join(ROOT, 'dist', 'main', 'cli.cjs'), 'runs', 'list'],
  } satisfies Record<string, string[]>;
  timeOnce(cases.runsList, env); // writes the code cache, as a user's first command does
  const times: Record<keyof typeof cases, number[]> = { node: [], version: [], runsList: [], bundleNoCache: [] };
  const cpu: Record<keyof typeof cases, number[]> = { node: [], version: [], runsList: [], bundleNoCache: [] };
  const load = os.loadavg()[0];
  for (let round = 0; round < opts.rounds; round++) {
    for (const [name, args] of Object.entries(cases) as [keyof typeof cases, string[]][]) {
      const t = timeOnce(args, env);
      times[name].push(t.ms);
      if (t.cpu !== null) cpu[name].push(t.cpu);
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<keyof typeof cases, number>;
  // CPU in 10 ms ticks; the median, like the wall times (a round that rebuilt a stale bundle is an outlier).
  const c = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v.length ? median(v) : NaN])) as Record<keyof typeof cases, number>;
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const viaTsx = fs.existsSync(tsx) ? median([0, 1, 2].map(() => timeOnce(['--import', tsx, path.join(ROOT, 'src', 'main', 'cli', 'main.ts'), 'runs', 'list'], env).ms)) : NaN;

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const cpuOf = (k: keyof typeof cases) => (Number.isNaN(c[k]) ? '' : `; CPU ${ms(c[k])}, ${ms(c[k] - c.node)} over node's`);
  console.log(`node -e 0: ${ms(m.node)} (median of ${opts.rounds}; CPU ${ms(c.node)}); ${opts.runs} runs in the workspace; load average ${load.toFixed(2)} -> ${os.loadavg()[0].toFixed(2)}`);
  report({
    name: 'lathe --version',
    value: `${ms(m.version)} (${ms(m.version - m.node)} over node -e 0${cpuOf('version')})`,
    ratio: m.version / m.node,
    target: '< 150 ms',
    pass: m.version < 150,
  });
  report({
    name: 'lathe runs list',
    value: `${ms(m.runsList)} (${ms(m.runsList - m.node)} over node -e 0${cpuOf('runsList')}; bundle without code cache ${ms(m.bundleNoCache)}; sources through tsx ${ms(viaTsx)})`,
    ratio: m.runsList / m.node,
    target: '< 300 ms',
    pass: m.runsList < 300,
  });
}

import { invoke } from '../dispatch';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';
import type { StageOf } from '../../../shared/pipelines';
import { parseMetricLine } from '../tracking/metricLines';
import type { StageContext, StageResult } from './context';
import { dataHash, resolveData } from './dataRefs';

/**
 * `command`: any program, tracked like `lathe run` (a run with its stdout/stderr as artifacts and
 * metric lines logged), run on the compute queue. Its cache inputs are its declared deps (files by
 * content, `dataset:<ref>` by version id) and code files; its declared outs are hashed and kept as
 * the run's artifacts, and a missing or changed out makes the next run execute it again.
 */

const MAX_LOG = 256 * 1024;

export async function commandInputs(def: StageOf<'command'>, ctx: StageContext): Promise<Record<string, string>> {
  const inputs: Record<string, string> = {};
  for (const dep of def.deps) {
    if (dep.startsWith('dataset:')) {
      const ref = dep.slice('dataset:'.length);
      inputs[`data:${ref}`] = dataHash(ctx, ref);
      continue;
    }
    const h = ctx.files.hash(path.resolve(ctx.baseDir, dep));
    if (h === null) throw new LatheError('NOT_FOUND', `stage "${ctx.stage}": the declared dep ${dep} does not exist`, { where: `stages.${ctx.stage}.deps`, hint: `Looked in ${ctx.baseDir}.` });
    inputs[`file:${dep}`] = h;
  }
  for (const file of def.code) {
    const h = ctx.files.hash(path.resolve(ctx.baseDir, file));
    if (h === null) throw new LatheError('NOT_FOUND', `stage "${ctx.stage}": the declared code file ${file} does not exist`, { where: `stages.${ctx.stage}.code` });
    inputs[`code:${file}`] = h;
  }
  return inputs;
}

export async function verifyFiles(ctx: StageContext, files: Record<string, string>): Promise<string | null> {
  for (const [rel, hash] of Object.entries(files)) {
    const now = ctx.files.hash(path.resolve(ctx.baseDir, rel));
    if (now === null) return `output ${rel} is missing`;
    if (now !== hash) return `output ${rel} was changed since it was made`;
  }
  return null;
}

export async function runCommandStage(def: StageOf<'command'>, ctx: StageContext): Promise<StageResult> {
  const api = ctx.deps.api;
  const datasets = def.deps.filter((d) => d.startsWith('dataset:')).map((d) => resolveData(ctx, d.slice(8)).version.id);
  const run = await invoke(api, 'runs.create', {
    experiment: `pipeline-${ctx.pipeline}`,
    name: `${ctx.pipeline}/${ctx.stage}`,
    source: 'script',
    params: Object.fromEntries(Object.entries(def.params).map(([k, v]) => [k, String(v)])),
    tags: { 'pipeline.name': ctx.pipeline, 'pipeline.run': ctx.pipelineRun, 'pipeline.stage': ctx.stage },
    inputs: datasets,
  });
  ctx.repo.addLineage('pipeline_run', ctx.pipelineRun, 'run', run.id, 'started');
  const cwd = path.resolve(ctx.baseDir, def.cwd ?? '.');
  const job = ctx.deps.training.queue.submit({
    kind: 'command',
    label: `${ctx.pipeline}/${ctx.stage}`,
    runId: run.id,
    run: (job) => execute(def, ctx, run.id, cwd, job.signal),
  });
  let code: number;
  try {
    code = await job.done;
  } catch (e) {
    await invoke(api, 'runs.update', { id: run.id, status: 'killed' });
    throw e;
  }
  if (code !== 0) {
    await invoke(api, 'runs.update', { id: run.id, status: 'failed' });
    throw new LatheError('INTERNAL', `stage "${ctx.stage}": the command exited with ${code}`, { where: `stages.${ctx.stage}.run`, hint: `Its output is in run ${run.id} (stdout.txt, stderr.txt).` });
  }
  const files: Record<string, string> = {};
  for (const out of def.outs) {
    const abs = path.resolve(ctx.baseDir, out);
    const h = ctx.files.hash(abs);
    if (h === null) {
      await invoke(api, 'runs.update', { id: run.id, status: 'failed' });
      throw new LatheError('INTERNAL', `stage "${ctx.stage}": the command did not write its declared out ${out}`, { where: `stages.${ctx.stage}.outs` });
    }
    await ctx.deps.tracking.runs.artifacts.putFile(run.id, `outs/${out.replace(/\\/g, '/').replace(/^(\.\.\/)+/, '')}`, abs);
    files[out] = h;
  }
  await invoke(api, 'runs.update', { id: run.id, status: 'finished' });
  return { outputs: { run: run.id }, files };
}

function execute(def: StageOf<'command'>, ctx: StageContext, runId: string, cwd: string, signal: AbortSignal): Promise<number> {
  const argv = typeof def.run === 'string' ? [def.run] : def.run;
  const shell = typeof def.run === 'string';
  const runs = ctx.deps.tracking.runs;
  const logger = runs.logger(runId);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let carry = '';
  let logged = 0;
  const onText = (b: Buffer, sink: Buffer[]) => {
    sink.push(b);
    const lines = (carry + b.toString('utf8')).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      const m = parseMetricLine(line);
      if (m?.kind === 'metric') logger.log(m.key, m.value, m.step);
      if (logged < MAX_LOG) {
        ctx.log(line);
        logged += line.length + 1;
      }
    }
  };
  return new Promise<number>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      shell,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LATHE_RUN_ID: runId, LATHE_PIPELINE_RUN: ctx.pipelineRun, LATHE_STAGE: ctx.stage },
    });
    child.stdout.on('data', (b: Buffer) => onText(b, out));
    child.stderr.on('data', (b: Buffer) => onText(b, err));
    const kill = () => child.kill('SIGTERM');
    signal.addEventListener('abort', kill, { once: true });
    const timer = def.timeoutSeconds ? setTimeout(kill, def.timeoutSeconds * 1000) : null;
    child.once('error', (e) => reject(new LatheError('INVALID_INPUT', `stage "${ctx.stage}": could not start ${argv[0]}: ${e.message}`, { where: `stages.${ctx.stage}.run` })));
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', kill);
      if (timer) clearTimeout(timer);
      try {
        logger.flush();
        runs.artifacts.putBuffer(runId, 'stdout.txt', Buffer.concat(out));
        runs.artifacts.putBuffer(runId, 'stderr.txt', Buffer.concat(err));
      } catch {
        // the logs are a convenience; the exit status decides the stage
      }
      if (sig) reject(new LatheError('INTERNAL', `stage "${ctx.stage}": the command was killed (${sig})`, { where: `stages.${ctx.stage}.run` }));
      else resolve(code ?? 1);
    });
  });
}

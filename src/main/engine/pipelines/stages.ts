import { invoke } from '../dispatch';
import fs from 'node:fs';
import path from 'node:path';
import type { ColumnProfile, DatasetProfile, TableProfile } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { StageDef, StageOf, StageType, ValidationCheck } from '../../../shared/pipelines';
import { DatasetsRepo, type VersionRow } from '../db/datasetsRepo';
import { columnPsi } from '../datasets/psi';
import { dataHash, membershipOf, resolveData } from './dataRefs';
import { runCommandStage, commandInputs, verifyFiles } from './commandStage';
import type { StageContext, StageImpl } from './context';
import { canonicalJson, sha256 } from './definition';
import { runGate, verifyGate } from './gateStage';

/** The built-in stage types: what each reads (its cache inputs), does, and publishes. */


const builtin = (ctx: StageContext) => ({ 'code:lathe': ctx.builtinCode.lathe, 'code:backend': ctx.builtinCode.backend });

const datasetStage: StageImpl<StageOf<'dataset'>> = {
  async inputs(def, ctx) {
    if (def.ref) return { [`data:${def.ref}`]: dataHash(ctx, def.ref), ...builtin(ctx) };
    const source = path.resolve(ctx.baseDir, def.import!.path);
    return { [`file:${def.import!.path}`]: folderOrFileHash(ctx, source), ...builtin(ctx) };
  },
  async run(def, ctx) {
    if (def.ref) {
      const d = resolveData(ctx, def.ref);
      ctx.log(`${def.ref} is ${d.name}@v${d.version.number} (${d.version.id.slice(0, 12)})`);
      return { outputs: { version: d.ref } };
    }
    const imp = def.import!;
    const added = await invoke(ctx.deps.api, 'datasets.add', { name: imp.name, path: path.resolve(ctx.baseDir, imp.path), message: `pipeline ${ctx.pipeline} run ${ctx.pipelineRun}`, format: imp.format });
    ctx.log(added.created ? `new version ${imp.name}@v${added.version.number}` : `unchanged: ${imp.name}@v${added.version.number} (${added.note})`);
    return { outputs: { version: `${imp.name}@${added.version.id}` } };
  },
  async verify(def, prev, ctx) {
    try {
      resolveData(ctx, String(prev.outputs.version));
      return null;
    } catch {
      return `output version ${String(prev.outputs.version)} no longer exists`;
    }
  },
};

function folderOrFileHash(ctx: StageContext, source: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch {
    throw new LatheError('NOT_FOUND', `There is no file or folder at ${source}`, { where: source });
  }
  if (st.isFile()) return ctx.files.hash(source) as string;
  const entries = (fs.readdirSync(source, { recursive: true }) as string[]).sort();
  return sha256(entries.map((e) => `${e}\0${ctx.files.hash(path.join(source, e)) ?? 'dir'}`).join('\n'));
}

// validate --------------------------------------------------------------------------------------

function referenceOf(def: StageOf<'validate'>, ctx: StageContext, data: VersionRow, name: string): VersionRow | null {
  if (def.against === 'previous') {
    const repo = new DatasetsRepo(ctx.deps.db);
    const versions = repo.versions(data.dataset_id).filter((v) => v.number < data.number);
    return versions.sort((a, b) => b.number - a.number)[0] ?? null;
  }
  if (def.against === 'champion') {
    if (!def.model) throw new LatheError('INVALID_INPUT', `validate stage "${ctx.stage}": against: champion needs model: <name>`, { where: `stages.${ctx.stage}.model` });
    let trained: { id: string; dataset?: string } | undefined;
    try {
      trained = ctx.deps.registry.models.show(`${def.model}@${def.alias}`).datasets[0];
    } catch {
      return null; // no champion yet: checks against it pass vacuously (said in the log)
    }
    return trained?.dataset ? resolveData(ctx, `${trained.dataset}@${trained.id}`).version : null;
  }
  void name;
  return resolveData(ctx, def.against).version;
}

interface CheckResult {
  check: ValidationCheck['kind'];
  severity: 'blocking' | 'warning';
  ok: boolean;
  message: string;
}

function tableProfile(v: VersionRow): TableProfile | null {
  const p = JSON.parse(v.profile_json) as DatasetProfile;
  return p.kind === 'table' ? p : null;
}

function runCheck(c: ValidationCheck, data: TableProfile, ref: TableProfile | null): Omit<CheckResult, 'check' | 'severity'> {
  const col = (name: string): ColumnProfile | undefined => data.columns.find((x) => x.name === name);
  const missingRate = (x: ColumnProfile) => (x.count + x.missing > 0 ? x.missing / (x.count + x.missing) : 0);
  switch (c.kind) {
    case 'schema': {
      if (!ref) return { ok: true, message: 'no reference to compare the schema with' };
      const now = new Map(data.columns.map((x) => [x.name, x.type]));
      const was = new Map(ref.columns.map((x) => [x.name, x.type]));
      const changes = [
        ...[...was].filter(([n]) => !now.has(n)).map(([n]) => `${n} removed`),
        ...[...now].filter(([n]) => !was.has(n)).map(([n]) => `${n} added`),
        ...[...now].filter(([n, t]) => was.has(n) && was.get(n) !== t).map(([n, t]) => `${n} ${was.get(n)} -> ${t}`),
      ];
      return { ok: changes.length === 0, message: changes.length ? `schema changed: ${changes.join(', ')}` : 'schema unchanged' };
    }
    case 'required': {
      const gone = c.columns.filter((n) => !col(n));
      return { ok: gone.length === 0, message: gone.length ? `missing required column${gone.length > 1 ? 's' : ''}: ${gone.join(', ')}` : 'required columns present' };
    }
    case 'range': {
      const x = col(c.column);
      if (!x) return { ok: false, message: `no column ${c.column}` };
      const lo = typeof x.min === 'number' ? x.min : Number(x.min);
      const hi = typeof x.max === 'number' ? x.max : Number(x.max);
      const bad = (c.min !== undefined && lo < c.min) || (c.max !== undefined && hi > c.max);
      return { ok: !bad, message: `${c.column} spans [${lo}, ${hi}] (allowed [${c.min ?? '-inf'}, ${c.max ?? 'inf'}])` };
    }
    case 'missing': {
      const cols = c.column ? [col(c.column)].filter((x): x is ColumnProfile => !!x) : data.columns;
      if (c.column && cols.length === 0) return { ok: false, message: `no column ${c.column}` };
      const over = cols.filter((x) => missingRate(x) > c.max);
      return { ok: over.length === 0, message: over.length ? `missing rate above ${c.max}: ${over.map((x) => `${x.name} ${missingRate(x).toFixed(3)}`).join(', ')}` : `missing rates at most ${c.max}` };
    }
    case 'categories': {
      const x = col(c.column);
      if (!x) return { ok: false, message: `no column ${c.column}` };
      const seen = (x.top ?? []).map((t) => t.value);
      const unknown = seen.filter((v) => !c.allowed.includes(v));
      const partial = x.distinct > seen.length ? ` (the ${seen.length} most frequent of ${x.distinct} values checked)` : '';
      return { ok: unknown.length === 0, message: unknown.length ? `${c.column} has values outside the allowed set: ${unknown.slice(0, 10).join(', ')}${partial}` : `${c.column} values allowed${partial}` };
    }
    case 'rows': {
      const bad = (c.min !== undefined && data.rows < c.min) || (c.max !== undefined && data.rows > c.max);
      return { ok: !bad, message: `${data.rows} rows (allowed [${c.min ?? 0}, ${c.max ?? 'inf'}])` };
    }
    case 'drift': {
      if (!ref) return { ok: true, message: 'no reference to measure drift against' };
      const names = c.columns ?? data.columns.map((x) => x.name);
      const drifted: string[] = [];
      for (const n of names) {
        const a = ref.columns.find((x) => x.name === n);
        const b = col(n);
        const psi = a && b ? columnPsi(a, b) : undefined;
        if (psi !== undefined && psi > c.maxPsi) drifted.push(`${n} PSI ${psi.toFixed(3)}`);
      }
      return { ok: drifted.length === 0, message: drifted.length ? `drift above PSI ${c.maxPsi}: ${drifted.join(', ')}` : `no column drifts above PSI ${c.maxPsi}` };
    }
  }
}

const validateStage: StageImpl<StageOf<'validate'>> = {
  async inputs(def, ctx) {
    const d = resolveData(ctx, def.data);
    const ref = referenceOf(def, ctx, d.version, d.name);
    return { data: `${d.name}@v${d.version.number} ${d.version.id}`, reference: ref ? `${d.name}@v${ref.number} ${ref.id}` : 'none', ...builtin(ctx) };
  },
  async run(def, ctx) {
    const d = resolveData(ctx, def.data);
    const refRow = referenceOf(def, ctx, d.version, d.name);
    const data = tableProfile(d.version);
    if (!data) throw new LatheError('INVALID_INPUT', `validate stage "${ctx.stage}": ${d.name} is not a table`, { where: `stages.${ctx.stage}.data` });
    const ref = refRow ? tableProfile(refRow) : null;
    ctx.log(`checking ${d.name}@v${d.version.number} against ${refRow ? `v${refRow.number} (${def.against})` : `nothing (${def.against}: none yet)`}`);
    const results: CheckResult[] = def.checks.map((c) => ({ check: c.kind, severity: c.severity, ...runCheck(c, data, ref) }));
    for (const r of results) ctx.log(`${r.ok ? 'ok  ' : r.severity === 'blocking' ? 'FAIL' : 'warn'} ${r.check}: ${r.message}`);
    const blocking = results.filter((r) => !r.ok && r.severity === 'blocking');
    if (blocking.length) {
      throw new LatheError('INVALID_INPUT', `validation failed: ${blocking.map((r) => r.message).join('; ')}`, { where: `stages.${ctx.stage}` });
    }
    return { outputs: { report: sha256(canonicalJson(results)), passed: true, version: d.ref } };
  },
  async verify() {
    return null; // its result is the job record itself
  },
};

// train, sweep, evaluate ----------------------------------------------------------------------------

function verifyRun(ctx: StageContext, runId: string): string | null {
  try {
    const run = ctx.deps.tracking.runs.get(runId);
    if (run.lifecycle === 'deleted') return `output run ${runId.slice(0, 12)} is in the trash`;
    if (run.status !== 'finished') return `output run ${runId.slice(0, 12)} is ${run.status}`;
    const files = ctx.deps.tracking.runs.artifacts.listAll(runId);
    if (!files.some((f) => f.path === 'model/model.json')) return `output run ${runId.slice(0, 12)} has no model artifact`;
    return null;
  } catch {
    return `output run ${runId.slice(0, 12)} no longer exists`;
  }
}

async function waitTraining(ctx: StageContext, jobId: string, runId: string): Promise<void> {
  const onAbort = () => void ctx.deps.training.queue.cancel(jobId);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const job = await ctx.deps.training.wait(jobId);
    if (job.state !== 'done') throw new LatheError('INTERNAL', `training run ${runId} ${job.state}: ${job.error?.message ?? ''}`.trim());
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

const trainStage: StageImpl<StageOf<'train'>> = {
  async inputs(def, ctx) {
    return { data: dataHash(ctx, def.spec.data), ...builtin(ctx) };
  },
  async run(def, ctx) {
    const spec = { ...def.spec, experiment: def.spec.experiment ?? `pipeline-${ctx.pipeline}`, name: def.spec.name ?? `${ctx.pipeline}/${ctx.stage}` };
    const started = await invoke(ctx.deps.api, 'training.start', { spec, priority: 0 });
    ctx.log(`training run ${started.runId} (job ${started.jobId})`);
    await waitTraining(ctx, started.jobId, started.runId);
    return { outputs: { run: started.runId } };
  },
  async verify(_def, prev, ctx) {
    return verifyRun(ctx, String(prev.outputs.run));
  },
};

const sweepStage: StageImpl<StageOf<'sweep'>> = {
  async inputs(def, ctx) {
    const base = def.spec.base as { data?: unknown } | undefined;
    const data = typeof base?.data === 'string' ? base.data : null;
    return { ...(data ? { data: dataHash(ctx, data) } : {}), ...builtin(ctx) };
  },
  async run(def, ctx) {
    const sweep = await invoke(ctx.deps.api, 'sweeps.start', { spec: def.spec as never });
    ctx.log(`sweep ${sweep.id}: ${sweep.trials.length} trials`);
    const onAbort = () => void ctx.deps.sweeps.cancel(sweep.id);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const done = await ctx.deps.sweeps.wait(sweep.id);
      if (!done.best?.runId) throw new LatheError('INTERNAL', `sweep ${sweep.id} ${done.status} without a best trial${done.error ? `: ${done.error}` : ''}`);
      ctx.log(`best: trial ${done.best.trial} (run ${done.best.runId}) objective ${done.best.objective}`);
      return { outputs: { run: done.best.runId, sweep: sweep.id } };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  },
  async verify(_def, prev, ctx) {
    return verifyRun(ctx, String(prev.outputs.run));
  },
};

/**
 * `split: test|validation`: the version the run trained on (`name@<version id>`) and its recorded split
 * membership, whose hash joins the cache key, so a re-split of the same run id can never hit.
 */
function heldOut(ctx: StageContext, runId: string, split: string): { ref: string; membership: string } {
  const run = ctx.deps.tracking.runs.get(runId);
  const m = membershipOf(ctx, runId);
  if (!m) {
    throw new LatheError('INVALID_INPUT', `evaluate stage "${ctx.stage}": run ${run.name} recorded no split, so its ${split} rows are not known`, {
      where: `stages.${ctx.stage}.split`,
      hint: 'Evaluate it on a named dataset version (data: <ref>), or train it again so that it records its split.',
    });
  }
  const name = (run.params.data ?? '').split('@')[0];
  return { ref: resolveData(ctx, `${name}@${m.versionId}`).ref, membership: m.sha256 };
}

/** The dataset ref the stage evaluates on: the one named, or the run's training version for a split. */
function evaluationData(def: StageOf<'evaluate'>, ctx: StageContext): string {
  return def.split ? heldOut(ctx, def.run, def.split).ref : (def.data as string);
}

const evaluateStage: StageImpl<StageOf<'evaluate'>> = {
  async inputs(def, ctx) {
    if (!def.split) return { run: def.run, data: dataHash(ctx, def.data as string), ...builtin(ctx) };
    const h = heldOut(ctx, def.run, def.split);
    return { run: def.run, data: dataHash(ctx, h.ref), split: def.split, membership: h.membership, ...builtin(ctx) };
  },
  async run(def, ctx) {
    const data = evaluationData(def, ctx);
    const e = await invoke(ctx.deps.api, 'evaluation.run', { runId: def.run, data, split: def.split, cost: def.cost, positive: def.positive, sliceTop: 10 });
    const h = Object.entries(e.report.headline)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${v === null ? '-' : v.toFixed(4)}`)
      .join(' ');
    ctx.log(`evaluation ${e.id} on ${e.dataRef}${e.report.selection ? ` (${e.report.selection.summary})` : ''}: ${h}`);
    return { outputs: { evaluation: e.id, run: def.run } };
  },
  async verify(_def, prev, ctx) {
    try {
      await invoke(ctx.deps.api, 'evaluation.get', { id: String(prev.outputs.evaluation) });
      return null;
    } catch {
      return `output evaluation ${String(prev.outputs.evaluation).slice(0, 12)} no longer exists`;
    }
  },
};

// register, promote, export -------------------------------------------------------------------------

const registerStage: StageImpl<StageOf<'register'>> = {
  async inputs(def) {
    return { run: def.run, ...(def.gate ? { gate: def.gate } : {}) };
  },
  async run(def, ctx) {
    const v = await invoke(ctx.deps.api, 'models.register', { runId: def.run, name: def.model, description: def.description || `pipeline ${ctx.pipeline} run ${ctx.pipelineRun}` });
    ctx.repo.addLineage('pipeline_run', ctx.pipelineRun, 'model_version', v.id, 'registered');
    if (def.gate) ctx.repo.addLineage('gate_decision', def.gate, 'model_version', v.id, 'approved');
    ctx.log(`registered ${v.model}@${v.number}`);
    return { outputs: { version: `${v.model}@${v.number}`, versionId: v.id } };
  },
  async verify(_def, prev, ctx) {
    try {
      const v = ctx.deps.registry.models.show(String(prev.outputs.version));
      return v.id === prev.outputs.versionId ? null : `model version ${String(prev.outputs.version)} is not the one registered`;
    } catch {
      return `model version ${String(prev.outputs.version)} no longer exists`;
    }
  },
};

const promoteStage: StageImpl<StageOf<'promote'>> = {
  async inputs(def) {
    return { version: def.version, ...(def.gate ? { gate: def.gate } : {}) };
  },
  async run(def, ctx) {
    const decision = def.gate ? ctx.repo.decision(def.gate) : undefined;
    const reason = `pipeline ${ctx.pipeline} run ${ctx.pipelineRun}${decision ? `, gate ${decision.stage} decision ${decision.id}: ${decision.reason}` : ''}`;
    // The registry's own alias call: one transaction moves the alias and records the move with its reason.
    const { version, move } = await invoke(ctx.deps.api, 'models.alias', { ref: def.version, alias: def.alias, reason: reason.slice(0, 2000) });
    if (decision) ctx.repo.addLineage('gate_decision', decision.id, 'model_version', version.id, `promoted:${def.alias}`);
    ctx.repo.addLineage('pipeline_run', ctx.pipelineRun, 'model_version', version.id, `alias:${def.alias}`);
    ctx.log(move ? `${def.alias} moved from ${move.from ?? '(none)'} to ${move.to}` : `${def.alias} already points at ${version.model}@${version.number}`);
    return { outputs: { version: `${version.model}@${version.number}`, versionId: version.id } };
  },
  async verify(def, prev, ctx) {
    const model = String(prev.outputs.version).split('@')[0];
    try {
      const now = ctx.deps.registry.models.show(`${model}@${def.alias}`);
      return now.id === prev.outputs.versionId ? null : `alias ${def.alias} of ${model} has moved since (now ${model}@${now.number})`;
    } catch {
      return `alias ${def.alias} of ${model} was removed`;
    }
  },
};

const exportStage: StageImpl<StageOf<'export'>> = {
  async inputs(def, ctx) {
    return { version: def.version, ...builtin(ctx) };
  },
  async run(def, ctx) {
    const out = path.resolve(ctx.baseDir, def.out);
    const files: Record<string, string> = {};
    for (const format of def.formats) {
      const rec = await invoke(ctx.deps.api, 'export.run', { ref: def.version, format, out: path.join(out, format), checkRows: 20 });
      for (const f of rec.files) files[path.relative(ctx.baseDir, path.join(rec.outDir, f.path))] = f.sha256;
      ctx.repo.addLineage('pipeline_run', ctx.pipelineRun, 'export', rec.id, 'exported');
      ctx.log(`${format}: ${rec.files.length} files in ${rec.outDir}`);
    }
    return { outputs: { folder: out }, files };
  },
  async verify(_def, prev, ctx) {
    return verifyFiles(ctx, prev.files);
  },
};

const commandStage: StageImpl<StageOf<'command'>> = {
  inputs: commandInputs,
  run: runCommandStage,
  async verify(_def, prev, ctx) {
    return verifyFiles(ctx, prev.files);
  },
};

const gateStage: StageImpl<StageOf<'gate'>> = {
  async inputs(def) {
    return { evaluation: def.evaluation, ...(def.championEvaluation ? { championEvaluation: def.championEvaluation } : {}) };
  },
  run: runGate,
  verify: verifyGate,
};

export const STAGES: { [T in StageType]: StageImpl<StageOf<T>> } = {
  dataset: datasetStage,
  validate: validateStage,
  train: trainStage,
  sweep: sweepStage,
  evaluate: evaluateStage,
  gate: gateStage,
  register: registerStage,
  promote: promoteStage,
  export: exportStage,
  command: commandStage,
};

export function stageImpl(def: StageDef): StageImpl {
  return STAGES[def.type] as unknown as StageImpl;
}

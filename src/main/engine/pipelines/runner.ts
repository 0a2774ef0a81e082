import { toLatheError } from '../../../shared/errors';
import type { StageDef, StageExplanation, StageState } from '../../../shared/pipelines';
import type { PipelineJobRow, PipelineRunRow, PipelinesRepo } from '../db/pipelinesRepo';
import type { Outputs, PipelineDeps, StageContext } from './context';
import { canonicalJson, REF_PATTERN, sha256, type ParsedPipeline } from './definition';
import type { FileHashes } from './fileHashes';
import { stageImpl } from './stages';
import { newId } from '../ids';

/**
 * Runs a pipeline's stages in topological order. Each stage's cache key is the sha256 of its inputs
 * map: its definition, its params, the content hash of every input (dataset version ids, declared
 * files, upstream outputs) and its code (declared code files; Lathe's version and the compute backend
 * for built-ins). A stored job with the same key is served only after its outputs are verified; when a
 * stage runs, the inputs map is compared with its last run's to say why.
 */


export interface RunOptions {
  force: boolean;
  from: string | null;
}

type Substituted = { value: unknown; refs: Record<string, string> };

/** Replaces `${stages.s.outputs.o}` and `${params.p}`: a whole-string reference keeps the value's type. */
export function substitute(value: unknown, outputs: Map<string, Outputs>, params: Record<string, unknown>): Substituted {
  const refs: Record<string, string> = {};
  const lookup = (stage: string | undefined, output: string | undefined, param: string | undefined): unknown =>
    stage !== undefined ? outputs.get(stage)?.[output as string] : params[param as string];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = new RegExp(`^${REF_PATTERN.source}$`).exec(v);
      if (whole) {
        const got = lookup(whole[2], whole[3], whole[4]);
        if (whole[2]) refs[`stages.${whole[2]}.outputs.${whole[3]}`] = String(got);
        return got;
      }
      return v.replace(REF_PATTERN, (_m, _all, s?: string, o?: string, p?: string) => {
        const got = lookup(s, o, p);
        if (s) refs[`stages.${s}.outputs.${o}`] = String(got);
        return String(got);
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), refs };
}

/** Hashes cut to 12 digits; `name@vN <hash>` shown as `name@vN`. */
const short = (h: string) => {
  const labelled = /^(\S+@v\d+) [0-9a-f]{16,}$/.exec(h);
  if (labelled) return labelled[1];
  return h.replace(/[0-9a-f]{16,}/g, (x) => x.slice(0, 12));
};

/** Says which inputs differ between two inputs maps, in words. */
export function explainChange(before: Record<string, string>, after: Record<string, string>): string {
  const parts: string[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[k];
    const b = after[k];
    if (a === b) continue;
    if (a === undefined) parts.push(`input ${k} was added`);
    else if (b === undefined) parts.push(`input ${k} was removed`);
    else if (k === 'definition') parts.push('its definition changed');
    else if (k === 'params') parts.push('its params changed');
    else if (k === 'code:lathe') parts.push(`Lathe's version changed (${a} -> ${b})`);
    else if (k === 'code:backend') parts.push(`the compute backend changed (${a} -> ${b})`);
    else if (k.startsWith('code:')) parts.push(`code file ${k.slice(5)} changed`);
    else if (k.startsWith('file:')) parts.push(`dep ${k.slice(5)} changed`);
    else if (k === 'data' || k.startsWith('data:')) parts.push(`input data ${k === 'data' ? '' : `${k.slice(5)} `}changed (${short(a)} -> ${short(b)})`);
    else if (k === 'reference') parts.push(`the reference it checks against changed (${short(a)} -> ${short(b)})`);
    else if (k.startsWith('stages.')) parts.push(`upstream ${k.split('.')[1]} output ${k.split('.')[3]} changed (${short(a)} -> ${short(b)})`);
    else parts.push(`input ${k} changed (${short(a)} -> ${short(b)})`);
  }
  return parts.length ? `ran because ${parts.join('; ')}` : 'ran (same inputs, but its stored outputs could not be used)';
}

interface StagePlan {
  resolved: StageDef;
  inputs: Record<string, string>;
  key: string;
}

export class PipelineRunner {
  constructor(
    private readonly deps: PipelineDeps,
    private readonly repo: PipelinesRepo,
    private readonly files: FileHashes,
    private readonly builtinCode: () => Promise<{ lathe: string; backend: string }>,
    private readonly onChange: (runId: string, stage?: string, state?: StageState) => void,
  ) {}

  private context(run: PipelineRunRow, stage: string, code: { lathe: string; backend: string }, signal: AbortSignal, log: (l: string) => void): StageContext {
    return { deps: this.deps, repo: this.repo, files: this.files, pipeline: run.pipeline, pipelineRun: run.id, stage, baseDir: run.base_dir, builtinCode: code, signal, log };
  }

  private async plan(name: string, def: StageDef, outputs: Map<string, Outputs>, ctx: StageContext): Promise<StagePlan> {
    const { value, refs } = substitute(def, outputs, def.params);
    const resolved = value as StageDef;
    const impl = stageImpl(resolved);
    const { after: _after, params, ...config } = def;
    void _after;
    const inputs: Record<string, string> = {
      definition: sha256(canonicalJson({ stage: name, ...config })),
      params: sha256(canonicalJson(params)),
      ...refs,
      ...(await impl.inputs(resolved, ctx)),
    };
    return { resolved, inputs, key: sha256(canonicalJson(inputs)) };
  }

  /** Stages forced by --force (all) or --from (that stage and everything downstream of it). */
  private forced(parsed: ParsedPipeline, opts: RunOptions): Set<string> {
    if (opts.force) return new Set(parsed.order);
    if (!opts.from) return new Set();
    const set = new Set([opts.from]);
    for (const s of parsed.order) if (parsed.needs[s].some((n) => set.has(n))) set.add(s);
    return set;
  }

  /** A stored job with this key whose outputs still verify, or the reason none can be used. */
  private async cached(run: PipelineRunRow, stage: string, plan: StagePlan, ctx: StageContext): Promise<{ job: PipelineJobRow | null; why: string | null }> {
    const prev = this.repo.doneByKey(run.pipeline, stage, plan.key);
    if (!prev) return { job: null, why: null };
    const problem = await stageImpl(plan.resolved).verify(plan.resolved, { outputs: JSON.parse(prev.outputs_json) as Outputs, files: JSON.parse(prev.files_json) as Record<string, string> }, ctx);
    return problem ? { job: null, why: `ran because ${problem}` } : { job: prev, why: null };
  }

  private whyRun(run: PipelineRunRow, stage: string, plan: StagePlan, forced: boolean, opts: RunOptions, verifyWhy: string | null): string {
    if (forced) return opts.force ? 'ran because it was forced (--force)' : `ran because the run starts from ${opts.from} (--from)`;
    if (verifyWhy) return verifyWhy;
    const last = this.repo.latestDone(run.pipeline, stage);
    if (!last) return 'ran because it never ran before';
    return explainChange(JSON.parse(last.inputs_json) as Record<string, string>, plan.inputs);
  }

  async execute(run: PipelineRunRow, parsed: ParsedPipeline, opts: RunOptions, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    this.repo.startRun(run.id, now);
    const jobs = new Map<string, PipelineJobRow>();
    this.repo.transaction(() => {
      parsed.order.forEach((stage, position) => {
        const job: PipelineJobRow = {
          id: newId(),
          run_id: run.id,
          pipeline: run.pipeline,
          position,
          stage,
          type: parsed.definition.stages[stage].type,
          state: 'pending',
          key: null,
          why: '',
          inputs_json: '{}',
          outputs_json: '{}',
          files_json: '{}',
          started_at: null,
          ended_at: null,
          error: null,
          log: '',
        };
        this.repo.insertJob(job);
        jobs.set(stage, job);
      });
    });
    this.onChange(run.id);
    const code = await this.builtinCode();
    const forced = this.forced(parsed, opts);
    const outputs = new Map<string, Outputs>();
    const blockedBy = new Map<string, string>();
    for (const stage of parsed.order) {
      const job = jobs.get(stage) as PipelineJobRow;
      const save = (state: StageState, patch: Partial<PipelineJobRow>) => {
        Object.assign(job, patch, { state });
        this.repo.updateJob(job);
        this.onChange(run.id, stage, state);
      };
      const needs = parsed.needs[stage];
      const broken = needs.find((n) => ['failed', 'skipped'].includes(jobs.get(n)?.state ?? ''));
      if (broken || signal.aborted) {
        save('skipped', { why: signal.aborted ? 'skipped: the run was cancelled' : `skipped because ${broken} ${jobs.get(broken as string)?.state}`, ended_at: Date.now() });
        continue;
      }
      const blocker = needs.find((n) => blockedBy.has(n));
      if (blocker) {
        blockedBy.set(stage, blockedBy.get(blocker) as string);
        save('blocked', { why: `blocked: ${blockedBy.get(blocker)}`, ended_at: Date.now() });
        continue;
      }
      const lines: string[] = [];
      const ctx = this.context(run, stage, code, signal, (l) => lines.push(l));
      const started = Date.now();
      try {
        const plan = await this.plan(stage, parsed.definition.stages[stage], outputs, ctx);
        const isForced = forced.has(stage);
        const hit = isForced ? { job: null, why: null } : await this.cached(run, stage, plan, ctx);
        if (hit.job) {
          const out = JSON.parse(hit.job.outputs_json) as Outputs;
          outputs.set(stage, out);
          if (typeof out.blocked === 'string') blockedBy.set(stage, out.blocked);
          save('cached', { key: plan.key, why: `cached (key ${plan.key.slice(0, 12)})`, inputs_json: JSON.stringify(plan.inputs), outputs_json: hit.job.outputs_json, files_json: hit.job.files_json, started_at: started, ended_at: Date.now(), log: hit.job.log });
          continue;
        }
        const why = this.whyRun(run, stage, plan, isForced, opts, hit.why);
        save('running', { key: plan.key, why, inputs_json: JSON.stringify(plan.inputs), started_at: started });
        const result = await stageImpl(plan.resolved).run(plan.resolved, ctx);
        const out: Outputs = result.blocked ? { ...result.outputs, blocked: result.blocked } : result.outputs;
        outputs.set(stage, out);
        if (result.blocked) blockedBy.set(stage, result.blocked);
        save('ran', { outputs_json: JSON.stringify(out), files_json: JSON.stringify(result.files ?? {}), ended_at: Date.now(), log: lines.join('\n') });
      } catch (e) {
        const err = toLatheError(e);
        save('failed', { error: err.message, why: job.why || 'failed before it could run', ended_at: Date.now(), log: [...lines, `error: ${err.message}`].join('\n') });
      }
    }
    const states = [...jobs.values()].map((j) => j.state);
    const state = states.includes('failed') ? 'failed' : signal.aborted ? 'cancelled' : blockedBy.size > 0 ? 'blocked' : 'succeeded';
    const failed = [...jobs.values()].find((j) => j.state === 'failed');
    this.repo.endRun(run.id, state, Date.now(), failed ? `stage ${failed.stage}: ${failed.error}` : blockedBy.size ? [...blockedBy.values()][0] : null);
    this.onChange(run.id);
  }

  /** What a run would do now, stage by stage, without running anything. */
  async explain(run: Pick<PipelineRunRow, 'pipeline' | 'base_dir' | 'id'>, parsed: ParsedPipeline, opts: RunOptions): Promise<StageExplanation[]> {
    const code = await this.builtinCode();
    const forced = this.forced(parsed, opts);
    const outputs = new Map<string, Outputs>();
    const unknown = new Set<string>();
    const blocked = new Map<string, string>();
    const result: StageExplanation[] = [];
    const fake = { ...run, definition_hash: '', definition_json: '', trigger: 'manual', trigger_detail: '', state: 'queued', force: 0, from_stage: null, resume_of: null, created_at: 0, started_at: null, ended_at: null, error: null, owner_pid: 0, owner_host: '' } as PipelineRunRow;
    for (const stage of parsed.order) {
      const type = parsed.definition.stages[stage].type;
      const blocker = parsed.needs[stage].find((n) => blocked.has(n));
      if (blocker) {
        blocked.set(stage, blocked.get(blocker) as string);
        result.push({ stage, type, verdict: 'blocked', key: null, why: `blocked: ${blocked.get(blocker)}` });
        continue;
      }
      const waiting = parsed.needs[stage].find((n) => unknown.has(n));
      if (waiting) {
        unknown.add(stage);
        result.push({ stage, type, verdict: 'unknown', key: null, why: `runs if ${waiting}'s outputs change (decided after ${waiting} runs)` });
        continue;
      }
      const ctx = this.context(fake, stage, code, new AbortController().signal, () => {});
      try {
        const plan = await this.plan(stage, parsed.definition.stages[stage], outputs, ctx);
        const hit = forced.has(stage) ? { job: null, why: null } : await this.cached(fake, stage, plan, ctx);
        if (hit.job) {
          const out = JSON.parse(hit.job.outputs_json) as Outputs;
          outputs.set(stage, out);
          if (typeof out.blocked === 'string') blocked.set(stage, out.blocked);
          result.push({ stage, type, verdict: 'cached', key: plan.key, why: `cached (key ${plan.key.slice(0, 12)})` });
        } else {
          unknown.add(stage);
          result.push({ stage, type, verdict: 'run', key: plan.key, why: this.whyRun(fake, stage, plan, forced.has(stage), opts, hit.why).replace(/^ran because/, 'runs because') });
        }
      } catch (e) {
        unknown.add(stage);
        result.push({ stage, type, verdict: 'run', key: null, why: `runs and would fail: ${toLatheError(e).message}` });
      }
    }
    return result;
  }
}

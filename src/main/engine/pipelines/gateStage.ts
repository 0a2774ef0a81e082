import { invoke } from '../dispatch';
import type { CellValue } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { Evaluation } from '../../../shared/evaluation';
import type { GateRule, StageOf } from '../../../shared/pipelines';
import type { ModelSignature } from '../../../shared/training';
import { checkSignature, parseJsonFile, type ArtifactFiles } from '../registry/artifact';
import { predictWith } from '../registry/predict';
import type { Outputs, StageContext, StageResult } from './context';
import { membershipOf } from './dataRefs';
import { decide, scorableRows, type GateOutcome, type Truth } from './gate';
import { newId } from '../ids';
import { rowsOf } from '../training/membership';

/**
 * The champion gate as a stage: the challenger (the run of an evaluation) and the current champion
 * (the model's alias) both predict the very rows of that evaluation's data version, so the comparison
 * is paired; the decision (inputs, numbers, interval, verdict, reason) is stored and joins lineage.
 */


/** A run's model artifact (docs/TRAINING.md) read from its artifacts, hash-verified by the store. */
export function runArtifactFiles(ctx: StageContext, runId: string): ArtifactFiles {
  const files = new Map(ctx.deps.tracking.runs.artifacts.listAll(runId).map((f) => [f.path, f.blobHash]));
  const read = (p: string) => {
    const h = files.get(`model/${p}`);
    if (!h) throw new LatheError('BAD_FILE', `run ${runId} has no model/${p}`, { where: 'run' });
    return ctx.deps.store.readBlob(h);
  };
  const modelJson = parseJsonFile(read('model.json'), 'model/model.json');
  const paths = ((modelJson.weightsManifest ?? []) as { paths?: string[] }[]).flatMap((g) => g.paths ?? []);
  return {
    modelJson,
    weights: Buffer.concat((paths.length ? paths : ['weights.bin']).map(read)),
    preprocessing: parseJsonFile(read('preprocessing.json'), 'model/preprocessing.json') as never,
    signature: checkSignature(parseJsonFile(read('signature.json'), 'model/signature.json')),
  };
}

async function allRows(ctx: StageContext, ref: string): Promise<{ columns: string[]; rows: CellValue[][] }> {
  const rows: CellValue[][] = [];
  let columns: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await invoke(ctx.deps.api, 'datasets.rows', { ref, offset, limit: 1000 });
    columns = page.columns;
    rows.push(...page.rows);
    if (offset + page.rows.length >= page.total || page.rows.length === 0) break;
  }
  return { columns, rows };
}

/**
 * The rows of the evaluation's version that it scored: every row (null), or, for an evaluation of the
 * challenger's test or validation split, those rows by its recorded membership, so the gate compares
 * the models on the held-out rows and never on rows the challenger trained on. A string: why not.
 */
function selectedRows(ctx: StageContext, evaluation: Evaluation): Set<number> | null | string {
  if (evaluation.split === 'all') return null;
  const m = membershipOf(ctx, evaluation.runId);
  if (!m || m.versionId !== evaluation.versionId) return `evaluation ${evaluation.id.slice(0, 12)} scored a ${evaluation.split} split its run's recorded split no longer describes`;
  const recorded = evaluation.report.selection?.membershipSha256;
  if (recorded && recorded !== m.sha256) return `the split of run ${evaluation.runName} changed since evaluation ${evaluation.id.slice(0, 12)}`;
  return new Set(rowsOf(m, [evaluation.split]));
}

function incomparable(a: ModelSignature, b: ModelSignature): string | null {
  if (a.task !== b.task) return `the challenger is a ${a.task} model, the champion a ${b.task} model`;
  if (a.target !== b.target) return `the challenger predicts ${a.target}, the champion ${b.target}`;
  if (a.labels && b.labels && [...a.labels].sort().join('\0') !== [...b.labels].sort().join('\0')) {
    return `the models predict different classes (${a.labels.join(', ')} vs ${b.labels.join(', ')})`;
  }
  return null;
}

function ruleOf(def: StageOf<'gate'>): GateRule {
  return { primary: def.primary, margin: def.margin, guards: def.guards, minRows: def.minRows, resamples: def.resamples, confidence: def.confidence, seed: def.seed };
}

interface Champion {
  versionId: string;
  ref: string;
  runId: string | null;
  files: ArtifactFiles;
}

function currentChampion(ctx: StageContext, model: string, alias: string): Champion | null {
  let row;
  try {
    row = ctx.deps.registry.models.resolve(`${model}@${alias}`);
  } catch {
    return null;
  }
  return { versionId: row.id, ref: `${row.model}@${row.number}`, runId: row.run_id, files: ctx.deps.registry.models.artifactFiles(row) };
}

async function compare(def: StageOf<'gate'>, ctx: StageContext, evaluation: Evaluation, champion: Champion | null): Promise<GateOutcome & { rows: number; championEvaluation: string | null }> {
  const rule = ruleOf(def);
  let championEvaluation: string | null = null;
  if (def.championEvaluation) {
    const ce = await invoke(ctx.deps.api, 'evaluation.get', { id: def.championEvaluation });
    championEvaluation = ce.id;
    if (ce.versionId !== evaluation.versionId) {
      return { verdict: 'blocked', reason: `not the same evaluation data: the challenger was evaluated on ${evaluation.dataRef}, the champion on ${ce.dataRef}`, numbers: null, rows: 0, championEvaluation };
    }
    if (champion && ce.runId !== champion.runId) {
      return { verdict: 'blocked', reason: `evaluation ${ce.id.slice(0, 12)} is not of the champion ${champion.ref}`, numbers: null, rows: 0, championEvaluation };
    }
  }
  const challenger = runArtifactFiles(ctx, evaluation.runId);
  if (champion) {
    const why = incomparable(challenger.signature, champion.files.signature);
    if (why) return { verdict: 'blocked', reason: `cannot compare: ${why}`, numbers: null, rows: 0, championEvaluation };
  }
  const data = await allRows(ctx, `${evaluation.dataRef.split('@')[0]}@${evaluation.versionId}`);
  const target = challenger.signature.target;
  const t = data.columns.indexOf(target);
  if (t < 0) return { verdict: 'blocked', reason: `the evaluation data has no column ${target}`, numbers: null, rows: 0, championEvaluation };
  // Rows either model cannot score (a missing input) are left out of both: the comparison stays paired.
  const inputs = [challenger.signature, ...(champion ? [champion.files.signature] : [])].flatMap((sg) => (sg.inputs.kind === 'table' ? sg.inputs.columns.map((c) => data.columns.indexOf(c.name)) : []));
  const missing = (v: CellValue) => v === null || v === '' || (typeof v === 'number' && Number.isNaN(v));
  const selected = selectedRows(ctx, evaluation);
  if (typeof selected === 'string') return { verdict: 'blocked', reason: selected, numbers: null, rows: 0, championEvaluation };
  const keep = scorableRows(data.rows, t).filter((i) => (!selected || selected.has(i)) && !inputs.some((j) => j >= 0 && missing(data.rows[i][j])));
  const objects = keep.map((i) => Object.fromEntries(data.columns.map((c, j) => [c, data.rows[i][j]])));
  const task = challenger.signature.task;
  const report = evaluation.report;
  const truth: Truth = {
    task,
    values: keep.map((i) => (task === 'regression' ? Number(data.rows[i][t]) : String(data.rows[i][t]))),
    cost: evaluation.spec.cost,
    positive: report.task === 'classification' ? (report.positiveClass ?? undefined) : undefined,
  };
  if (objects.length === 0) return { verdict: 'blocked', reason: 'no scorable rows in the evaluation data', numbers: null, rows: 0, championEvaluation };
  const chal = await predictWith(challenger, objects);
  const champ = champion ? await predictWith(champion.files, objects) : null;
  const outcome = decide(rule, truth, { prediction: chal, labels: challenger.signature.labels }, champ ? { prediction: champ, labels: champion!.files.signature.labels } : null);
  return { ...outcome, rows: objects.length, championEvaluation };
}

export async function runGate(def: StageOf<'gate'>, ctx: StageContext): Promise<StageResult> {
  const evaluation = await invoke(ctx.deps.api, 'evaluation.get', { id: def.evaluation });
  const champion = currentChampion(ctx, def.model, def.alias);
  if (champion && champion.runId === evaluation.runId) {
    ctx.log(`the challenger's run already is ${def.model}@${def.alias} (${champion.ref})`);
  }
  const outcome = await compare(def, ctx, evaluation, champion);
  const id = newId();
  ctx.repo.transaction(() => {
    ctx.repo.insertDecision({
      id,
      pipeline_run: ctx.pipelineRun,
      stage: ctx.stage,
      model: def.model,
      alias: def.alias,
      verdict: outcome.verdict,
      reason: outcome.reason,
      challenger_run: evaluation.runId,
      challenger_evaluation: evaluation.id,
      champion_version: champion?.versionId ?? null,
      champion_evaluation: outcome.championEvaluation,
      data_version: evaluation.versionId,
      rows: outcome.rows,
      rule_json: JSON.stringify(ruleOf(def)),
      numbers_json: outcome.numbers ? JSON.stringify(outcome.numbers) : null,
      created_at: Date.now(),
    });
    ctx.repo.addLineage('evaluation', evaluation.id, 'gate_decision', id, 'challenger');
    if (champion) ctx.repo.addLineage('model_version', champion.versionId, 'gate_decision', id, 'champion');
    ctx.repo.addLineage('pipeline_run', ctx.pipelineRun, 'gate_decision', id, 'decided');
  });
  ctx.log(`${outcome.verdict.toUpperCase()}: ${outcome.reason}`);
  const outputs: Outputs = { decision: id, passed: outcome.verdict === 'pass' };
  return outcome.verdict === 'pass' ? { outputs } : { outputs, blocked: `gate "${ctx.stage}" ${outcome.verdict === 'fail' ? 'did not pass' : 'could not compare'}: ${outcome.reason}` };
}

/** A stored decision holds while the champion is the one it compared with (or the challenger it let through). */
export async function verifyGate(def: StageOf<'gate'>, prev: { outputs: Outputs }, ctx: StageContext): Promise<string | null> {
  const d = ctx.repo.decision(String(prev.outputs.decision));
  if (!d) return 'its decision record is gone';
  let now: { id: string; run_id: string | null; number: number } | null = null;
  try {
    now = ctx.deps.registry.models.resolve(`${def.model}@${def.alias}`);
  } catch {
    now = null;
  }
  if ((now?.id ?? null) === d.champion_version) return null;
  if (d.verdict === 'pass' && now && now.run_id === d.challenger_run) return null;
  return `the ${def.alias} of ${def.model} changed (compared with ${d.champion_version ? d.champion_version.slice(0, 12) : 'none'}, now ${now ? `${def.model}@${now.number}` : 'none'})`;
}

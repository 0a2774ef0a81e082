import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { LatheError } from '../../../shared/errors';
import {
  pipelineDefinitionSchema,
  STAGE_OUTPUTS,
  STAGE_TYPES,
  type DefinitionIssue,
  type PipelineDefinition,
  type StageDef,
  type StageType,
} from '../../../shared/pipelines';

/**
 * A pipeline file: YAML parsed with positions (yaml's CST via LineCounter), checked with the shared
 * zod schema, then as a graph: every `${stages.<s>.outputs.<o>}` must name a stage and one of its
 * type's outputs, `after` must name stages, there must be no cycle, and cron expressions must parse.
 * Every problem names its line and column.
 */

export const REF_PATTERN = /\$\{\s*(stages\.([A-Za-z][A-Za-z0-9_-]*)\.outputs\.([A-Za-z][A-Za-z0-9_]*)|params\.([A-Za-z0-9_.-]+))\s*\}/g;

export interface ParsedPipeline {
  definition: PipelineDefinition;
  /** sha256 of the canonical JSON of the definition. */
  hash: string;
  /** Stage names in a topological order (ties in file order). */
  order: string[];
  /** For each stage, the stages it needs (named outputs and `after`). */
  needs: Record<string, string[]>;
}

/** JSON with sorted keys, so a definition's hash ignores key order, comments and layout. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The deepest node that exists along `path` (its key when `key` is set), as line and column. */
  at(path: (string | number)[], key = false): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      let offset = node?.range?.[0];
      if (key && n === path.length && n > 0) {
        const parent = this.doc.getIn(path.slice(0, n - 1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
          const k = pair?.key as { range?: [number, number, number] } | undefined;
          if (k?.range) offset = k.range[0];
        }
      }
      if (offset !== undefined) {
        const p = this.lines.linePos(offset);
        return { line: p.line, column: p.col };
      }
    }
    return { line: 1, column: 1 };
  }
}

function zodIssues(error: z.ZodError, pos: Positions, raw: unknown): DefinitionIssue[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as (string | number)[];
    let message = i.message;
    // A stage whose type is not one we know: say which types there are, at the type's value.
    if (path.length >= 2 && path[0] === 'stages' && i.code === 'invalid_union') {
      const stage = (raw as { stages?: Record<string, { type?: unknown }> }).stages?.[String(path[1])];
      const type = stage?.type;
      if (typeof type !== 'string' || !(STAGE_TYPES as readonly string[]).includes(type)) {
        const at = pos.at([...path, 'type']);
        return { message: `unknown stage type "${String(type)}" (known: ${STAGE_TYPES.join(', ')})`, path: [...path, 'type'].join('.'), ...at };
      }
    }
    if (i.code === 'unrecognized_keys') message = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    const at = i.code === 'unrecognized_keys' ? pos.at([...path, i.keys[0]], true) : pos.at(path);
    return { message, path: path.join('.'), ...at };
  });
}

/** Every `${...}` reference inside a stage's config, with the config path it sits at. */
export function stageRefs(value: unknown, path: (string | number)[] = []): { stage?: string; output?: string; param?: string; path: (string | number)[] }[] {
  if (typeof value === 'string') {
    return [...value.matchAll(REF_PATTERN)].map((m) => (m[2] ? { stage: m[2], output: m[3], path } : { param: m[4], path }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => stageRefs(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stageRefs(v, [...path, k]));
  return [];
}

function graphIssues(def: PipelineDefinition, pos: Positions): { issues: DefinitionIssue[]; needs: Record<string, string[]> } {
  const issues: DefinitionIssue[] = [];
  const needs: Record<string, string[]> = {};
  const stages = def.stages;
  for (const [name, stage] of Object.entries(stages)) {
    const set = new Set<string>();
    const { after, ...config } = stage;
    after.forEach((a, i) => {
      if (!stages[a]) issues.push({ message: `after names stage "${a}", which is not in this pipeline`, path: `stages.${name}.after.${i}`, ...pos.at(['stages', name, 'after', i]) });
      else if (a === name) issues.push({ message: `stage "${name}" cannot come after itself`, path: `stages.${name}.after.${i}`, ...pos.at(['stages', name, 'after', i]) });
      else set.add(a);
    });
    for (const ref of stageRefs(config)) {
      const at = pos.at(['stages', name, ...ref.path]);
      const p = ['stages', name, ...ref.path].join('.');
      if (ref.param !== undefined) {
        if (!(ref.param in stage.params)) issues.push({ message: `\${params.${ref.param}} is not a param of stage "${name}"`, path: p, ...at });
        continue;
      }
      const target = stages[ref.stage as string];
      if (!target) {
        issues.push({ message: `\${stages.${ref.stage}.outputs.${ref.output}}: there is no stage "${ref.stage}"`, path: p, ...at });
        continue;
      }
      if (!STAGE_OUTPUTS[target.type].includes(ref.output as string)) {
        issues.push({ message: `\${stages.${ref.stage}.outputs.${ref.output}}: a ${target.type} stage has no output "${ref.output}" (it has ${STAGE_OUTPUTS[target.type].join(', ')})`, path: p, ...at });
        continue;
      }
      if (ref.stage === name) issues.push({ message: `stage "${name}" cannot use its own outputs`, path: p, ...at });
      else set.add(ref.stage as string);
    }
    needs[name] = [...set];
  }
  return { issues, needs };
}

/** Kahn's algorithm in file order; what is left over lies on a cycle. */
function topoOrder(names: string[], needs: Record<string, string[]>): { order: string[]; cycle: string[] } {
  const indeg = new Map(names.map((n) => [n, needs[n]?.length ?? 0]));
  const order: string[] = [];
  const ready = names.filter((n) => indeg.get(n) === 0);
  while (ready.length) {
    const n = ready.shift() as string;
    order.push(n);
    for (const m of names) {
      if (!needs[m]?.includes(n)) continue;
      indeg.set(m, (indeg.get(m) as number) - 1);
      if (indeg.get(m) === 0) ready.push(m);
    }
    ready.sort((a, b) => names.indexOf(a) - names.indexOf(b));
  }
  const left = names.filter((n) => !order.includes(n));
  return { order, cycle: findCycle(left, needs) };
}

function findCycle(left: string[], needs: Record<string, string[]>): string[] {
  if (left.length === 0) return [];
  const inLeft = new Set(left);
  const path: string[] = [];
  let n = left[0];
  while (!path.includes(n)) {
    path.push(n);
    n = (needs[n] ?? []).find((m) => inLeft.has(m)) as string;
  }
  return [...path.slice(path.indexOf(n)), n].reverse();
}

function cronIssues(def: PipelineDefinition, pos: Positions): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  def.triggers.forEach((t, i) => {
    if (t.kind !== 'schedule') return;
    try {
      new Cron(t.cron, { paused: true, timezone: t.timezone });
    } catch (e) {
      issues.push({ message: `bad cron expression "${t.cron}": ${(e as Error).message}`, path: `triggers.${i}.cron`, ...pos.at(['triggers', i, 'cron']) });
    }
  });
  return issues;
}

/** Parses and checks a pipeline file; returns every problem instead of stopping at the first. */
export function checkPipeline(text: string): { parsed: ParsedPipeline | null; issues: DefinitionIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      parsed: null,
      issues: doc.errors.map((e) => {
        const p = lines.linePos(e.pos[0]);
        return { message: e.message.split('\n')[0], path: '', line: p.line, column: p.col };
      }),
    };
  }
  const pos = new Positions(doc, lines);
  const raw = doc.toJS() as unknown;
  const result = pipelineDefinitionSchema.safeParse(raw ?? {});
  if (!result.success) return { parsed: null, issues: zodIssues(result.error, pos, raw) };
  const definition = result.data;
  const { issues, needs } = graphIssues(definition, pos);
  issues.push(...cronIssues(definition, pos));
  const names = Object.keys(definition.stages);
  const { order, cycle } = topoOrder(names, needs);
  if (cycle.length > 0) {
    issues.push({ message: `the stages form a cycle: ${cycle.join(' -> ')}`, path: `stages.${cycle[0]}`, ...pos.at(['stages', cycle[0]], true) });
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  if (issues.length > 0) return { parsed: null, issues };
  return { parsed: { definition, hash: sha256(canonicalJson(definition)), order, needs }, issues: [] };
}

/** Parsed definitions by their text: a re-run must not pay for YAML and schema checks again. */
const parsedByText = new Map<string, { parsed: ParsedPipeline | null; issues: DefinitionIssue[] }>();

/** checkPipeline, remembered for the last few texts (results are never mutated by callers). */
export function checkPipelineCached(text: string): { parsed: ParsedPipeline | null; issues: DefinitionIssue[] } {
  let r = parsedByText.get(text);
  if (!r) {
    r = checkPipeline(text);
    if (parsedByText.size >= 64) parsedByText.delete(parsedByText.keys().next().value as string);
    parsedByText.set(text, r);
  }
  return r;
}

/** As checkPipeline, but a file with problems is refused with all of them, the first at its position. */
export function parsePipeline(text: string, file = 'pipeline.yaml'): ParsedPipeline {
  const { parsed, issues } = checkPipelineCached(text);
  if (parsed) return parsed;
  const first = issues[0];
  const all = issues.map((i) => `${file}:${i.line}:${i.column}: ${i.message}`).join('\n');
  throw new LatheError('INVALID_INPUT', issues.length === 1 ? all : `${issues.length} problems in ${file}:\n${all}`, {
    where: `${file}:${first.line}:${first.column}`,
    hint: 'docs/PIPELINES.md describes the stages, their fields and outputs.',
  });
}

export function stageType(def: StageDef): StageType {
  return def.type;
}

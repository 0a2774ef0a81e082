/**
 * Experiment tracking types shared by the engine, every door and the renderer. Plain data only.
 *
 * Metric values travel as numbers, except the non-finite ones, which JSON cannot carry: they travel as
 * the strings "NaN", "Infinity" and "-Infinity" (the same spelling protobuf's JSON mapping and MLflow
 * use), so they survive IPC, HTTP and files unchanged.
 */
import { z } from 'zod';
import { idSchema } from './ids';

export const RUN_STATUSES = ['running', 'finished', 'failed', 'killed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_SOURCES = ['built-in', 'script', 'api'] as const;
export type RunSource = (typeof RUN_SOURCES)[number];
export const LIFECYCLES = ['active', 'deleted', 'all'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export type NonFinite = 'NaN' | 'Infinity' | '-Infinity';
export type MetricValue = number | NonFinite;

/** A number for JSON: finite numbers as they are, NaN and infinities as strings. */
export function encodeMetricValue(v: number): MetricValue {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/** The inverse of encodeMetricValue; also accepts numeric strings and a few common spellings. */
export function decodeMetricValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'nan') return NaN;
  if (s === 'infinity' || s === 'inf' || s === '+infinity' || s === '+inf') return Infinity;
  if (s === '-infinity' || s === '-inf') return -Infinity;
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** Limits follow MLflow's, so anything MLflow accepts Lathe accepts and vice versa. */
export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  runNameLength: 500,
  notesLength: 100_000,
  mlflowBatchMetrics: 1000,
  mlflowBatchParams: 100,
  mlflowBatchTags: 100,
  metricsPerCall: 100_000,
} as const;

/**
 * A metric, param or tag key: letters, digits, `_ - . : /` and spaces, at most 250 characters, and it
 * must not turn into another name when read as a path (no leading `/`, no `.`/`..` segments, no `//`).
 */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'a key cannot be empty';
  if (key.length > LIMITS.keyLength) return `a key has at most ${LIMITS.keyLength} characters (this one has ${key.length})`;
  if (!/^[A-Za-z0-9_\-. :/]+$/.test(key)) {
    return 'a key may only hold letters, digits, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)';
  }
  if (key.startsWith('/') || key.endsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return 'a key must be a normalised relative name (no leading or trailing "/", no "//", "." or ".." parts)';
  }
  return undefined;
}

/** Keys repeat a lot in metric batches: remember the ones already found good (bounded). */
const goodKeys = new Set<string>();
function cachedKeyProblem(k: string): string | undefined {
  if (goodKeys.has(k)) return undefined;
  const p = keyProblem(k);
  if (p === undefined) {
    if (goodKeys.size > 10_000) goodKeys.clear();
    goodKeys.add(k);
  }
  return p;
}

export const keySchema = z.string().superRefine((k, ctx) => {
  const p = cachedKeyProblem(k);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});

/** 32 lower-case hex digits, like MLflow's run ids. */
export const runIdSchema = idSchema('a run id');
export const experimentIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'an experiment id holds letters, digits and "-"');
export const experimentNameSchema = z
  .string()
  .min(1, 'an experiment name cannot be empty')
  .max(500, 'an experiment name has at most 500 characters')
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'an experiment name cannot hold control characters');
export const runNameSchema = z.string().max(LIMITS.runNameLength);
export const paramValueSchema = z.string().max(LIMITS.paramValueLength, `a param value has at most ${LIMITS.paramValueLength} characters`);
export const tagValueSchema = z.string().max(LIMITS.tagValueLength, `a tag value has at most ${LIMITS.tagValueLength} characters`);

/** Accepts numbers (NaN and infinities included) and their string spellings. */
export const metricValueSchema = z.custom<number | string>(
  (v) => decodeMetricValue(v) !== undefined,
  'a metric value is a number, or "NaN", "Infinity" or "-Infinity"',
);

export const metricPointSchema = z
  .object({
    key: keySchema,
    value: metricValueSchema,
    step: z.number().int().min(-(2 ** 53)).max(2 ** 53).optional(),
    timestamp: z.number().int().min(0).optional(),
  })
  .strict();
export type MetricPointInput = z.input<typeof metricPointSchema>;

export interface Experiment {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  lifecycle: 'active' | 'deleted';
  runCount: number;
}

export interface RunEnvironment {
  host?: string;
  os?: string;
  appVersion?: string;
  backend?: string;
  node?: string;
  python?: string;
  command?: string[];
  cwd?: string;
  gitCommit?: string;
  gitDirty?: boolean;
  user?: string;
}

export interface MetricSummary {
  last: MetricValue;
  min: MetricValue | null;
  max: MetricValue | null;
  step: number;
  timestamp: number;
  count: number;
}

export interface RunInput {
  kind: 'dataset_version';
  id: string;
  dataset?: string;
  number?: number;
}

export interface Run {
  id: string;
  experimentId: string;
  experimentName: string;
  name: string;
  status: RunStatus;
  source: RunSource;
  startTime: number;
  endTime: number | null;
  /** Milliseconds; for a running run, until now. */
  duration: number;
  notes: string;
  lifecycle: 'active' | 'deleted';
  deletedAt: number | null;
  environment: RunEnvironment;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricSummary>;
  inputs: RunInput[];
}

export interface RunPage {
  runs: Run[];
  total: number;
  offset: number;
  /** null when this is the last page. */
  nextOffset: number | null;
}

export interface MetricHistory {
  runId: string;
  key: string;
  /** Columnar: one entry per point, in step order. */
  steps: number[];
  timestamps: number[];
  values: MetricValue[];
  /** Points in the requested range before downsampling. */
  total: number;
  downsampled: boolean;
}

export interface RunComparison {
  runs: Run[];
  params: { key: string; values: (string | null)[]; differs: boolean }[];
  metrics: { key: string; values: (MetricSummary | null)[] }[];
}

export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  size: number;
  blobHash?: string;
  createdAt?: number;
}

export interface ArtifactPreview {
  path: string;
  size: number;
  kind: 'text' | 'json' | 'csv' | 'image' | 'binary';
  mediaType: string;
  /** text/json/csv: the first bytes as UTF-8; image: base64. */
  content: string;
  encoding: 'utf8' | 'base64' | 'none';
  truncated: boolean;
}

export interface LogResult {
  written: number;
}

/**
 * The contract: every call the engine answers and every event it emits, as data.
 * Each door (IPC, HTTP, CLI) and the renderer's client is one generic piece of code driven by this
 * table: the input schema validates at runtime at every boundary, and the TypeScript types of inputs
 * and outputs are inferred from here. Adding a capability = an entry here + an engine method + a screen.
 */
import { z } from 'zod';
import type {
  AddResult,
  DatasetDiff,
  DatasetProfile,
  DatasetSummary,
  DatasetVersion,
  RowPage,
} from './datasets';
import { DATASET_FORMATS, datasetNameSchema, datasetRefSchema, tagSchema } from './datasets';

/** Phantom marker carrying an output type through the table (outputs are produced by our own engine). */
export interface Output<T> {
  readonly __output?: T;
}
const out = <T>(): Output<T> => ({});

interface CallSpec<I extends z.ZodType, O> {
  input: I;
  output: Output<O>;
  /** One line for `--help`, the API listing and the command palette. */
  summary: string;
  /** Calls that change state: the HTTP door refuses them cross-origin. */
  mutates: boolean;
}

function call<I extends z.ZodType, O>(input: I, output: Output<O>, summary: string, mutates = false): CallSpec<I, O> {
  return { input, output, summary, mutates };
}

const empty = z.object({}).strict();

export interface AppInfo {
  name: string;
  version: string;
  home: string;
  door: 'electron' | 'http' | 'cli' | 'test';
  node: string;
  sqlite: string;
}

export interface GcResult {
  blobsRemoved: number;
  chunksRemoved: number;
  packsRewritten: number;
  bytesFreed: number;
  tempFilesRemoved: number;
}

export interface DoctorReport {
  ok: boolean;
  integrity: string;
  foreignKeys: number;
  chunksChecked: number;
  bytesChecked: number;
  problems: { object: string; problem: string }[];
  tempFilesRemoved: number;
}

export interface ExportResult {
  outDir: string;
  files: string[];
  bytes: number;
}

export const contract = {
  'app.info': call(empty, out<AppInfo>(), 'Version, workspace folder and runtime of this Lathe'),

  'datasets.list': call(empty, out<DatasetSummary[]>(), 'All datasets with their latest version'),
  'datasets.versions': call(
    z.object({ name: datasetNameSchema }).strict(),
    out<DatasetVersion[]>(),
    'Every version of a dataset, newest first',
  ),
  'datasets.show': call(
    z.object({ ref: datasetRefSchema }).strict(),
    out<{ version: DatasetVersion; profile: DatasetProfile }>(),
    'One version and its profile',
  ),
  'datasets.rows': call(
    z
      .object({
        ref: datasetRefSchema,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    out<RowPage>(),
    'A page of rows of a version',
  ),
  'datasets.add': call(
    z
      .object({
        name: datasetNameSchema,
        path: z.string().min(1, 'a path to a file or folder is needed'),
        message: z.string().max(2000).default(''),
        tag: tagSchema.optional(),
        format: z.enum(DATASET_FORMATS).optional(),
      })
      .strict(),
    out<AddResult>(),
    'Import a file or folder as a new version of a dataset',
    true,
  ),
  'datasets.diff': call(
    z.object({ from: datasetRefSchema, to: datasetRefSchema, key: z.string().min(1).optional() }).strict(),
    out<DatasetDiff>(),
    'Compare two versions: schema, rows, profile shifts',
  ),
  'datasets.export': call(
    z.object({ ref: datasetRefSchema, out: z.string().min(1) }).strict(),
    out<ExportResult>(),
    'Write a version back to files, byte-identical to what was imported',
    true,
  ),
  'datasets.tag': call(
    z.object({ ref: datasetRefSchema, tag: tagSchema }).strict(),
    out<DatasetVersion>(),
    'Put a movable tag on a version',
    true,
  ),
  'datasets.untag': call(
    z.object({ name: datasetNameSchema, tag: tagSchema }).strict(),
    out<{ removed: boolean }>(),
    'Remove a tag',
    true,
  ),
  'datasets.remove': call(
    z.object({ ref: datasetRefSchema }).strict(),
    out<{ removed: DatasetVersion }>(),
    'Delete a version (refused while anything references it)',
    true,
  ),

  'store.gc': call(empty, out<GcResult>(), 'Free objects nothing references', true),
  'store.doctor': call(empty, out<DoctorReport>(), 'Check the database and re-hash every object', true),
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<K extends CallName> = z.input<Contract[K]['input']>;
export type ParsedInput<K extends CallName> = z.output<Contract[K]['input']>;
export type CallOutput<K extends CallName> = Contract[K]['output'] extends Output<infer O> ? O : never;

export const callNames = Object.keys(contract) as CallName[];
export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** What the engine implements: one async method per call, taking the parsed (defaulted) input. */
export type EngineApi = { [K in CallName]: (input: ParsedInput<K>) => Promise<CallOutput<K>> };

/** Events: typed, so screens (and later monitors and pipelines) can subscribe. */
export interface TaskProgress {
  task: string;
  label: string;
  phase: string;
  done: number;
  total: number;
}
export interface EventMap {
  'task.progress': TaskProgress;
  'datasets.changed': { name: string };
}
export type EventName = keyof EventMap;
export interface LatheEvent<K extends EventName = EventName> {
  type: K;
  data: EventMap[K];
}
export const eventNames: EventName[] = ['task.progress', 'datasets.changed'];

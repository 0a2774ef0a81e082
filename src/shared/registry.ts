/**
 * Model registry, deployment exports and registry bundles: types shared by the engine, every door and
 * the renderer. Plain data only.
 */
import { z } from 'zod';
import type { BundleSigner } from './bundles';
import type { MetricValue } from './tracking';

/** A model name is used in refs (`churn@3`) and file names: same rules as a dataset name. */
export const modelNameSchema = z
  .string()
  .min(1, 'a model name cannot be empty')
  .max(100, 'a model name has at most 100 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'a model name starts with a letter or digit and holds only letters, digits, ".", "_" and "-" (no "/", "@", spaces)',
  );

/** An alias: a movable name for one version (`champion`, `challenger`, `staging`, ...). */
export const aliasSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9._-]*$/, 'an alias starts with a letter and holds only letters, digits, ".", "_" and "-"')
  .refine((a) => a !== 'latest' && !/^v?\d+$/.test(a), 'an alias cannot be "latest" or look like a version number');

/** `model` (its latest version), `model@3`, `model@v3`, `model@latest`, `model@<alias>`, or a version id. */
export const modelRefSchema = z.string().min(1).max(200);

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'serving', 'card'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Free-text fields of a model card that people edit; the rest of the card is generated. */
export const CARD_FIELDS = ['intendedUse', 'limitations', 'ethicalConsiderations', 'notes'] as const;
export type CardField = (typeof CARD_FIELDS)[number];
export type CardText = Partial<Record<CardField, string>>;

export interface ModelSummary {
  name: string;
  description: string;
  createdAt: number;
  versionCount: number;
  latest: number | null;
  aliases: Record<string, number>;
}

export interface ModelFile {
  path: string;
  blobHash: string;
  size: number;
}

export interface DatasetInput {
  id: string;
  dataset?: string;
  number?: number;
}

export interface ModelVersion {
  /** Global id (uuid without dashes): kept across workspaces by bundles. */
  id: string;
  model: string;
  number: number;
  description: string;
  createdAt: number;
  createdBy: string;
  runId: string | null;
  runName: string | null;
  backend: string | null;
  appVersion: string;
  /** Snapshot of the run's params and last metric values when the version was registered. */
  params: Record<string, string>;
  metrics: Record<string, MetricValue>;
  datasets: DatasetInput[];
  /** The files of the artifact (`model/model.json`, `model/weights.bin`, ...), as blob references. */
  files: ModelFile[];
  aliases: string[];
  card: CardText;
  /** The input signature, as stored in the artifact (`model/signature.json`), when present. */
  signature: unknown;
}

export interface AliasMove {
  model: string;
  alias: string;
  from: number | null;
  to: number | null;
  fromVersionId: string | null;
  toVersionId: string | null;
  at: number;
  by: string;
  reason: string;
}

export interface LineageNode {
  /** `dataset_version:<id>`, `run:<id>`, `model_version:<id>`, `export:<id>`. */
  key: string;
  kind: string;
  id: string;
  label: string;
}
export interface LineageEdge {
  from: string;
  to: string;
  relation: string;
}
export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface ModelCard {
  model: string;
  number: number;
  versionId: string;
  markdown: string;
  html: string;
  text: CardText;
}

export interface ModelComparison {
  versions: ModelVersion[];
  params: { key: string; values: (string | null)[]; differs: boolean }[];
  metrics: { key: string; values: (MetricValue | null)[] }[];
  /** Evaluations of both versions on the same evaluation dataset version, when any exist. */
  sameData: {
    datasetVersion: string;
    metrics: { key: string; values: (number | null)[] }[];
    /** Each evaluation's rows, marked "includes N training rows" when it scored rows its model trained on. */
    labels?: [string, string];
    /** Scored rows each model was trained on (0: held out; null: unknown). */
    trainingRows?: [number | null, number | null];
  }[];
}

export interface ExportRecord {
  id: string;
  versionId: string;
  model: string;
  number: number;
  format: ExportFormat;
  outDir: string;
  /** sha256 over the sorted (path, sha256) list of the exported files. */
  contentHash: string;
  files: { path: string; sha256: string; size: number }[];
  bytes: number;
  createdAt: number;
  createdBy: string;
  /** Format-specific facts: the ONNX check (rows, max abs difference), the serving run command. */
  report: Record<string, unknown>;
}

export interface BundleObjectInfo {
  hash: string;
  size: number;
}

export interface BundleSummary {
  file: string;
  bytes: number;
  objects: number;
  objectBytes: number;
  models: number;
  versions: number;
  runs: number;
  datasetVersions: number;
  /** The workspace key the bundle was signed with (docs/REGISTRY.md, "Signed bundles"). */
  signer: { fingerprint: string; name: string };
}

export interface BundleConflict {
  kind: 'alias';
  model: string;
  alias: string;
  local: number | null;
  bundle: number | null;
  resolution: 'kept-local' | 'overwritten';
}

export interface BundleImportResult {
  dryRun: boolean;
  formatVersion: number;
  /** What was (or would be) added: counts by kind. Zero everywhere on a second import of the same bundle. */
  added: Record<string, number>;
  /** Already present and identical: skipped. */
  unchanged: Record<string, number>;
  conflicts: BundleConflict[];
  /** Imported versions whose number was taken locally by another version got the next free number. */
  renumbered: { model: string; versionId: string; from: number; to: number }[];
  objects: { total: number; new: number; bytes: number };
  /** Who signed the bundle, and whether this workspace knows the key (always set; optional for older engines). */
  signer?: BundleSigner;
  /** Things to know: an unsigned bundle or an unknown signer, runs imported as failed because they were running elsewhere. */
  warnings?: string[];
}

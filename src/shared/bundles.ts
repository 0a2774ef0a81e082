/**
 * Registry bundles: the rows a bundle's manifest carries, one zod schema per record kind, built from the
 * same schemas the contract validates calls with (names, aliases, ids, keys, statuses, formats). An
 * import checks every row with these before anything is written (engine/bundles/manifestGate.ts), and an
 * export checks its own rows the same way, so Lathe never writes a bundle it would refuse to read.
 * Also the signing keyring's types and contract calls. Plain data only.
 */
import { z } from 'zod';
import { DATASET_FORMATS, datasetNameSchema } from './datasets';
import { aliasSchema, CARD_FIELDS, EXPORT_FORMATS, modelNameSchema } from './registry';
import { hashSchema, idOrHashSchema, idSchema } from './ids';
import { referenceProfileSchema } from './monitoring';
import { experimentIdSchema, experimentNameSchema, keySchema, LIMITS, metricValueSchema, paramValueSchema, RUN_SOURCES, RUN_STATUSES, runIdSchema, runNameSchema, tagValueSchema } from './tracking';

// Building blocks ---------------------------------------------------------------------------------

export const objectHashSchema = hashSchema('an object hash');
/** Registry ids (model versions, alias moves, exports) are uuids without dashes. */
export const registryIdSchema = idSchema('an id');
export const datasetIdSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a dataset id is a uuid');
/** Times in milliseconds since 1970, within what a Date can hold. */
export const epochMsSchema = z.number().int('a time is a whole number of milliseconds').min(0).max(8.64e15);
export const isoTimeSchema = z
  .string()
  .max(40)
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), 'a time is an ISO 8601 date-time');
export const versionNumberSchema = z.number().int('a version number is a whole number').min(1, 'a version number is at least 1').max(1e9);
export const byteCountSchema = z.number().int('a size is a whole number of bytes').min(0).max(2 ** 53);
const text = (max: number) => z.string().max(max, `at most ${max} characters`);
// eslint-disable-next-line no-control-regex
const plainText = (max: number) => text(max).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'no control characters');

/**
 * A path inside a dataset version, a model version or a run: '/'-separated and relative, so it names the
 * same file on every system and cannot leave the folder it is written under (no "..", ".", empty parts,
 * absolute or drive paths, backslashes, control characters).
 */
export const relativePathSchema = z
  .string()
  .min(1, 'a path cannot be empty')
  .max(1024, 'a path has at most 1024 characters')
  .superRefine((p, ctx) => {
    const problem = relativePathProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export function relativePathProblem(p: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'a path cannot hold control characters (such as NUL)';
  if (p.includes('\\')) return 'a path uses "/" between folders, never "\\"';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'a path is relative (no leading "/" or drive letter)';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..' || s.trim() === '')) return 'a path has no empty, blank, "." or ".." parts';
  return undefined;
}

/** A text column holding JSON: parsed and checked with `inner`; the row keeps the text. */
function jsonText<T extends z.ZodType>(inner: T, max = 64 * 1024 * 1024) {
  return z
    .string()
    .max(max)
    .superRefine((s, ctx) => {
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return;
      }
      const r = inner.safeParse(v);
      if (!r.success) {
        const i = r.error.issues[0];
        ctx.addIssue({ code: 'custom', message: `${i.path.length ? `at ${i.path.join('.')}: ` : ''}${i.message}` });
      }
    });
}

const stringRecord = (key: z.ZodType<string>, value: z.ZodType<string>) => z.record(key, value);

// Profiles (what datasets.show returns), checked against the version by the gate -----------------

const histogramBinSchema = z.object({ lo: z.number(), hi: z.number(), count: z.number().int().min(0) }).strict();
export const columnProfileSchema = z
  .object({
    name: z.string().max(10_000),
    type: z.enum(['numeric', 'categorical', 'text', 'boolean', 'datetime']),
    count: z.number().int().min(0),
    missing: z.number().int().min(0),
    distinct: z.number().int().min(0),
    distinctApprox: z.boolean().optional(),
    // JSON writes a non-finite number as null.
    min: z.union([z.number(), z.string(), z.null()]).optional(),
    max: z.union([z.number(), z.string(), z.null()]).optional(),
    mean: z.number().nullable().optional(),
    std: z.number().nullable().optional(),
    histogram: z.array(histogramBinSchema).max(10_000).optional(),
    quantiles: z.object({ p01: z.number(), p05: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number(), p99: z.number() }).strict().optional(),
    top: z.array(z.object({ value: z.string(), count: z.number().int().min(0) }).strict()).max(10_000).optional(),
  })
  .strict();
const rangeSchema = z.object({ min: z.number(), max: z.number(), mean: z.number() }).strict();
export const datasetProfileSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('table'), rows: z.number().int().min(0), columns: z.array(columnProfileSchema) }).strict(),
  z
    .object({
      kind: z.literal('images'),
      count: z.number().int().min(0),
      classes: z.array(z.object({ name: z.string(), count: z.number().int().min(0) }).strict()),
      formats: z.array(z.object({ format: z.string(), count: z.number().int().min(0) }).strict()),
      width: rangeSchema,
      height: rangeSchema,
      channels: z.array(z.object({ channels: z.number().int(), count: z.number().int().min(0) }).strict()),
    })
    .strict(),
]);

/** An image file's facts, stored beside it (dataset_files.meta_json). */
export const imageFileMetaSchema = z
  .object({
    class: z.string().min(1).max(255),
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    format: z.string().min(1).max(20),
    channels: z.number().int().min(1).max(4),
  })
  .strict();

// One schema per record kind ----------------------------------------------------------------------

export const bundleModelSchema = z.object({ name: modelNameSchema, description: text(100_000), created_at: epochMsSchema }).strict();

const datasetInputSchema = z.object({ id: objectHashSchema, dataset: datasetNameSchema.optional(), number: versionNumberSchema.optional() }).strict();
export const bundleModelVersionSchema = z
  .object({
    id: registryIdSchema,
    model: modelNameSchema,
    number: versionNumberSchema,
    description: text(100_000),
    created_at: epochMsSchema,
    created_by: plainText(200),
    run_id: runIdSchema.nullable(),
    backend: plainText(100).nullable(),
    app_version: plainText(100),
    params_json: jsonText(stringRecord(keySchema, paramValueSchema)),
    metrics_json: jsonText(z.record(keySchema, metricValueSchema)),
    datasets_json: jsonText(z.array(datasetInputSchema).max(10_000)),
    card_json: jsonText(z.object(Object.fromEntries(CARD_FIELDS.map((f) => [f, text(100_000).optional()]))).strict()),
  })
  .strict();

export const bundleModelFileSchema = z.object({ version_id: registryIdSchema, path: relativePathSchema, blob_hash: objectHashSchema, size: byteCountSchema }).strict();

export const bundleAliasSchema = z.object({ model: modelNameSchema, alias: aliasSchema, version_id: registryIdSchema, moved_at: epochMsSchema }).strict();

export const bundleAliasMoveSchema = z
  .object({
    id: registryIdSchema,
    model: modelNameSchema,
    alias: aliasSchema,
    from_version: registryIdSchema.nullable(),
    to_version: registryIdSchema.nullable(),
    moved_at: epochMsSchema,
    moved_by: plainText(200),
    reason: text(10_000),
  })
  .strict();

const exportedFileSchema = z.object({ path: relativePathSchema, sha256: objectHashSchema, size: byteCountSchema }).strict();
export const bundleExportSchema = z
  .object({
    id: registryIdSchema,
    version_id: registryIdSchema,
    format: z.enum(EXPORT_FORMATS),
    /** Where the exporting machine wrote it: shown in history, never written to. */
    out_dir: plainText(4096),
    content_hash: objectHashSchema,
    files_json: jsonText(z.array(exportedFileSchema).max(100_000)),
    bytes: byteCountSchema,
    created_at: epochMsSchema,
    created_by: plainText(200),
    report_json: jsonText(z.record(z.string(), z.unknown())),
  })
  .strict();

const tagsSchema = stringRecord(keySchema, tagValueSchema);
export const bundleExperimentSchema = z
  .object({
    id: experimentIdSchema,
    name: experimentNameSchema,
    description: text(100_000),
    created_at: epochMsSchema,
    updated_at: epochMsSchema,
    deleted_at: epochMsSchema.nullable(),
    tags: tagsSchema,
  })
  .strict();

type MetricPointRow = [step: number, timestamp: number, value: number | null];
const isMetricPoint = (p: unknown): boolean =>
  Array.isArray(p) &&
  p.length === 3 &&
  Number.isInteger(p[0]) &&
  Math.abs(p[0] as number) <= 2 ** 53 &&
  Number.isInteger(p[1]) &&
  (p[1] as number) >= 0 &&
  (p[1] as number) <= 8.64e15 &&
  (p[2] === null || typeof p[2] === 'number');
/** A run's points can be millions: one tight loop instead of a schema per point (the first bad one is named). */
const metricPointsSchema = z
  .custom<MetricPointRow[]>((v) => Array.isArray(v), 'metric points are a list')
  .superRefine((points, ctx) => {
    for (let k = 0; k < points.length; k++) {
      if (!isMetricPoint(points[k])) {
        ctx.addIssue({ code: 'custom', path: [k], message: 'a metric point is [step (a whole number), timestamp (ms), value (a number, or null for NaN)]' });
        return;
      }
    }
  });
export const bundleArtifactSchema = z
  .object({
    path: relativePathSchema.refine((p) => !/%[0-9A-Fa-f]{2}/.test(p), 'an artifact path is not percent-encoded'),
    blob_hash: objectHashSchema,
    size: byteCountSchema,
    created_at: epochMsSchema,
  })
  .strict();
export const bundleRunSchema = z
  .object({
    id: runIdSchema,
    experiment_id: experimentIdSchema,
    name: runNameSchema,
    status: z.enum(RUN_STATUSES),
    source: z.enum(RUN_SOURCES),
    start_time: epochMsSchema,
    end_time: epochMsSchema.nullable(),
    notes: text(LIMITS.notesLength),
    environment_json: jsonText(z.record(z.string(), z.unknown()), 1024 * 1024),
    deleted_at: epochMsSchema.nullable(),
    params: stringRecord(keySchema, paramValueSchema),
    tags: tagsSchema,
    metrics: z.array(z.object({ key: keySchema, points: metricPointsSchema }).strict()),
    artifacts: z.array(bundleArtifactSchema),
  })
  .strict();

export const LINEAGE_KINDS = ['dataset_version', 'run', 'model_version', 'export'] as const;
export const bundleLineageSchema = z
  .object({
    from_kind: z.enum(LINEAGE_KINDS),
    from_id: idOrHashSchema('a lineage id'),
    to_kind: z.enum(LINEAGE_KINDS),
    to_id: idOrHashSchema('a lineage id'),
    relation: z.string().regex(/^[a-z][a-z0-9_:.-]{0,63}$/, 'a relation is a short lower-case word (input, produced, export:onnx)'),
    created_at: isoTimeSchema,
  })
  .strict();

export const bundleDatasetSchema = z.object({ id: datasetIdSchema, name: datasetNameSchema, created_at: isoTimeSchema }).strict();
export const bundleDatasetFileSchema = z
  .object({ path: relativePathSchema, blob_hash: objectHashSchema, size: byteCountSchema, meta_json: jsonText(imageFileMetaSchema, 10_000).nullable() })
  .strict();
export const bundleDatasetVersionSchema = z
  .object({
    dataset_id: datasetIdSchema,
    id: objectHashSchema,
    number: versionNumberSchema,
    message: text(10_000),
    created_at: isoTimeSchema,
    parent_id: objectHashSchema.nullable(),
    /** Where the exporting machine read it from: shown, never read. */
    source_path: plainText(4096),
    format: z.enum(DATASET_FORMATS),
    size: byteCountSchema,
    file_count: z.number().int().min(1, 'a version has at least one file').max(10_000_000),
    row_count: z.number().int().min(0).max(2 ** 53),
    column_count: z.number().int().min(0).max(1_000_000),
    stored_bytes: byteCountSchema,
    profile_json: jsonText(datasetProfileSchema),
    index_blob: objectHashSchema.nullable(),
    files: z.array(bundleDatasetFileSchema).min(1),
  })
  .strict();

/**
 * A model version's reference profile for monitoring (monitor_references): the gate checks it against
 * its version's signature and bounds each column (docs/MONITORING.md).
 */
export const bundleReferenceSchema = z
  .object({ version_id: registryIdSchema, created_at: epochMsSchema, profile_json: jsonText(referenceProfileSchema, 16 * 1024 * 1024) })
  .strict();

export const bundleMetadataSchema = z
  .object({
    models: z.array(bundleModelSchema),
    versions: z.array(bundleModelVersionSchema),
    files: z.array(bundleModelFileSchema),
    aliases: z.array(bundleAliasSchema),
    moves: z.array(bundleAliasMoveSchema),
    exports: z.array(bundleExportSchema),
    experiments: z.array(bundleExperimentSchema),
    runs: z.array(bundleRunSchema),
    lineage: z.array(bundleLineageSchema),
    datasets: z.array(z.object({ dataset: bundleDatasetSchema, version: bundleDatasetVersionSchema }).strict()),
    /** Absent in bundles made before reference profiles travelled. */
    references: z.array(bundleReferenceSchema).default([]),
  })
  .strict();

/** The one type of a bundle's rows, on both sides: what an export writes and what an import merges. */
export type BundleMetadata = z.output<typeof bundleMetadataSchema>;
export type BundleModel = BundleMetadata['models'][number];
export type BundleModelVersion = BundleMetadata['versions'][number];
export type BundleModelFile = BundleMetadata['files'][number];
export type BundleAlias = BundleMetadata['aliases'][number];
export type BundleAliasMove = BundleMetadata['moves'][number];
export type BundleExport = BundleMetadata['exports'][number];
export type BundleExperiment = BundleMetadata['experiments'][number];
export type BundleRun = BundleMetadata['runs'][number];
export type BundleLineage = BundleMetadata['lineage'][number];
export type BundleDataset = BundleMetadata['datasets'][number]['dataset'];
export type BundleDatasetVersion = BundleMetadata['datasets'][number]['version'];
export type BundleReference = BundleMetadata['references'][number];
export type BundleRecordKind = keyof BundleMetadata;

// Signing keys and the keyring -------------------------------------------------------------------

/** Who signed a bundle, as an import reports it. */
export interface BundleSigner {
  /** false: an unsigned bundle (made by an older Lathe, or its signature was stripped). */
  signed: boolean;
  /** sha256 of the signer's public key (hex), when signed. */
  fingerprint: string | null;
  /** The name the signer gave their key (not proof of anything: the fingerprint is). */
  name: string | null;
  /** In this workspace's keyring (trusted), or this workspace's own key. */
  known: boolean;
  self: boolean;
  /** What to say about it (unsigned, unknown signer), null for a known signer; also in the result's warnings. */
  warning: string | null;
}

export interface SigningKey {
  fingerprint: string;
  name: string;
  /** The public key, PEM (SPKI): what a colleague adds with `lathe keys trust`. */
  publicKey: string;
  /** When it was made (own key) or trusted (keyring). */
  createdAt: number;
}

const publicKeyTextSchema = z.string().min(40).max(10_000);
export const keyFingerprintSchema = z.string().regex(/^[0-9a-f]{8,64}$/, 'a key fingerprint is hex digits (at least 8)');
export const keyNameSchema = plainText(200).pipe(z.string().min(1, 'a key name cannot be empty'));

const returns = <T>(): { readonly __output?: T } => ({});

export const keyCalls = {
  'keys.self': {
    input: z.object({}).strict(),
    output: returns<SigningKey>(),
    summary: "This workspace's bundle signing key (made on first use): its fingerprint, name and public key",
    mutates: true,
  },
  'keys.list': {
    input: z.object({}).strict(),
    output: returns<SigningKey[]>(),
    summary: 'The keyring: signers whose bundles this workspace trusts',
    mutates: false,
  },
  'keys.trust': {
    input: z
      .object({
        /** A public key (PEM, or its base64 body) ... */
        publicKey: publicKeyTextSchema.optional(),
        /** ... or the signer of this bundle file. */
        bundle: z.string().min(1).max(4096).optional(),
        name: keyNameSchema.optional(),
      })
      .strict()
      .refine((i) => (i.publicKey === undefined) !== (i.bundle === undefined), 'give a public key or a bundle file (one of them)'),
    output: returns<SigningKey>(),
    summary: "Add a signer to the keyring (from their public key, or from a bundle they signed)",
    mutates: true,
  },
  'keys.remove': {
    input: z.object({ fingerprint: keyFingerprintSchema }).strict(),
    output: returns<{ removed: boolean }>(),
    summary: 'Remove a signer from the keyring (their bundles then import with an "unknown signer" warning)',
    mutates: true,
  },
} as const;

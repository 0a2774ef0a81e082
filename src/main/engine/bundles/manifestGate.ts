import { z } from 'zod';
import { bundleMetadataSchema, type BundleDatasetVersion, type BundleMetadata, type BundleRecordKind, type BundleRun } from '../../../shared/bundles';
import { collisionKey, MANIFEST_NAME, refused } from './format';
import { versionId } from '../datasets/manifest';
import { decodeTableIndex, ROW_INDEX_STRIDE, type TableIndex } from '../datasets/rowIndex';
import { LatheError } from '../../../shared/errors';
import { MAX_REFERENCE_COLUMN_CHARS, type referenceProfileSchema } from '../../../shared/monitoring';

/**
 * The gate for a bundle's rows. A bundle is data from someone else: every row is checked with the same
 * schemas the contract checks calls with (src/shared/bundles.ts), every cross-reference must hold inside
 * the bundle, and every identity that can be derived from bytes is derived again (a dataset version's id
 * from its files, sizes from the objects, a version's profile and row index against the version). The
 * first failure refuses the whole bundle, naming the record and the field. Exports pass through the same
 * gate, so Lathe never writes a bundle it would refuse.
 */

const KIND_NAMES: Record<BundleRecordKind, string> = {
  models: 'model',
  versions: 'model version',
  files: 'model file',
  aliases: 'alias',
  moves: 'alias move',
  exports: 'export',
  experiments: 'experiment',
  runs: 'run',
  lineage: 'lineage edge',
  datasets: 'dataset version',
  references: 'reference profile',
};

// eslint-disable-next-line no-control-regex
const printable = (v: unknown) => String(v).replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 80);

/** How a person recognises a record: its kind and its id or name, as the bundle gives them. */
function recordLabel(kind: BundleRecordKind, row: unknown): string {
  const r = (row ?? {}) as Record<string, unknown>;
  const s = (k: string) => printable(r[k]);
  switch (kind) {
    case 'models':
      return `model "${s('name')}"`;
    case 'versions':
      return `model version ${s('model')}@${s('number')} (${s('id')})`;
    case 'files':
      return `model file "${s('path')}" of version ${s('version_id')}`;
    case 'aliases':
      return `alias ${s('model')}@${s('alias')}`;
    case 'moves':
      return `alias move ${s('id')}`;
    case 'exports':
      return `export ${s('id')}`;
    case 'experiments':
      return `experiment "${s('name')}" (${s('id')})`;
    case 'runs':
      return `run ${s('id')}`;
    case 'lineage':
      return `lineage edge ${s('from_kind')} ${s('from_id')} -> ${s('to_kind')} ${s('to_id')}`;
    case 'datasets': {
      const d = (r.dataset ?? {}) as Record<string, unknown>;
      const v = (r.version ?? {}) as Record<string, unknown>;
      return `dataset version ${printable(d.name)}@v${printable(v.number)} (${printable(v.id)})`;
    }
    case 'references':
      return `reference profile of model version ${s('version_id')}`;
  }
}

function fieldOf(rest: PropertyKey[]): string {
  return rest.map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** A refusal naming the record (kind and id or name) and the field. */
export function recordRefused(kind: BundleRecordKind, index: number, row: unknown, field: string, why: string): LatheError {
  const where = `metadata.${kind}[${index}]${field ? `.${field}` : ''}`;
  return new LatheError('BAD_FILE', `Bundle refused: ${recordLabel(kind, row)}, field "${field || '(record)'}": ${why}. Nothing was changed.`, {
    where,
    hint: 'The bundle is damaged or was not made by Lathe. Ask its sender for a new export; nothing of it was imported.',
  });
}

/** Structural check: every row of every kind against its schema. */
function parseRows(raw: unknown): BundleMetadata {
  const r = bundleMetadataSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const [kind, index, ...rest] = issue.path;
  if (typeof kind !== 'string' || typeof index !== 'number' || !(kind in KIND_NAMES)) {
    throw refused(`the manifest's metadata is malformed at ${issue.path.map(String).join('.') || '(top)'}: ${issue.message}`, MANIFEST_NAME);
  }
  const row = ((raw as Record<string, unknown[]>)[kind] ?? [])[index];
  throw recordRefused(kind as BundleRecordKind, index, row, fieldOf(rest), issue.message);
}

/** Duplicate keys inside one kind: a second row with the same identity would merge unpredictably. */
function unique<T>(kind: BundleRecordKind, rows: T[], key: (r: T) => string, field: string): void {
  const seen = new Set<string>();
  rows.forEach((r, k) => {
    const id = key(r);
    if (seen.has(id)) throw recordRefused(kind, k, r, field, 'appears twice in the bundle');
    seen.add(id);
  });
}

/** Paths of one folder: no two the same, also on a case-insensitive, normalising file system. */
function distinctPaths(kind: BundleRecordKind, index: number, row: unknown, paths: string[], field: string): void {
  const seen = new Map<string, number>();
  paths.forEach((p, k) => {
    const key = collisionKey(p);
    if (seen.has(key)) throw recordRefused(kind, index, row, `${field}[${k}].path`, `"${printable(p)}" names the same file as entry ${seen.get(key)} (after case folding)`);
    seen.set(key, k);
  });
}

export interface GateResult {
  metadata: BundleMetadata;
  /** What the gate changed, for the import result (a run that was running elsewhere). */
  notes: string[];
}

/**
 * Checks the rows (before any object is read, so a bad bundle is refused at once). `objects` is the
 * manifest's object list (hash -> size). An import settles runs left running (settleRun); an export
 * writes them as they are.
 */
export function gateMetadata(raw: unknown, objects: Map<string, number>, origin: { createdBy: string; createdAt: number }, opts: { settleRuns: boolean } = { settleRuns: true }): GateResult {
  const m = parseRows(raw);
  const notes: string[] = [];
  const sizeOf = (kind: BundleRecordKind, index: number, row: unknown, field: string, hash: string, size: number) => {
    const actual = objects.get(hash);
    if (actual === undefined) throw recordRefused(kind, index, row, field, `object ${hash.slice(0, 12)} is not in the bundle`);
    if (actual !== size) throw recordRefused(kind, index, row, field.replace(/blob_hash$/, 'size'), `says ${size} bytes; its object is ${actual}`);
  };

  // Models and their versions.
  unique('models', m.models, (x) => x.name, 'name');
  const models = new Set(m.models.map((x) => x.name));
  unique('versions', m.versions, (x) => x.id, 'id');
  unique('versions', m.versions, (x) => `${x.model}@${x.number}`, 'number');
  const versions = new Map(m.versions.map((v) => [v.id, v]));
  m.versions.forEach((v, k) => {
    if (!models.has(v.model)) throw recordRefused('versions', k, v, 'model', `model "${v.model}" is not in the bundle`);
  });
  unique('files', m.files, (f) => `${f.version_id}/${f.path}`, 'path');
  m.files.forEach((f, k) => {
    if (!versions.has(f.version_id)) throw recordRefused('files', k, f, 'version_id', 'that model version is not in the bundle');
    sizeOf('files', k, f, 'blob_hash', f.blob_hash, f.size);
  });
  for (const v of m.versions) {
    const files = m.files.filter((f) => f.version_id === v.id);
    if (files.length > 0) distinctPaths('versions', m.versions.indexOf(v), v, files.map((f) => f.path), 'files');
  }
  unique('aliases', m.aliases, (a) => `${a.model}@${a.alias}`, 'alias');
  m.aliases.forEach((a, k) => {
    const v = versions.get(a.version_id);
    if (!v) throw recordRefused('aliases', k, a, 'version_id', 'that model version is not in the bundle');
    if (v.model !== a.model) throw recordRefused('aliases', k, a, 'model', `its version belongs to model "${v.model}"`);
  });
  unique('moves', m.moves, (x) => x.id, 'id');
  m.moves.forEach((mv, k) => {
    if (!models.has(mv.model)) throw recordRefused('moves', k, mv, 'model', `model "${mv.model}" is not in the bundle`);
  });
  unique('exports', m.exports, (x) => x.id, 'id');
  m.exports.forEach((e, k) => {
    if (!versions.has(e.version_id)) throw recordRefused('exports', k, e, 'version_id', 'that model version is not in the bundle');
  });

  // Experiments and runs.
  unique('experiments', m.experiments, (x) => x.id, 'id');
  unique('experiments', m.experiments, (x) => x.name, 'name');
  const experiments = new Set(m.experiments.map((x) => x.id));
  unique('runs', m.runs, (x) => x.id, 'id');
  const runs = m.runs.map((r, k) => {
    if (!experiments.has(r.experiment_id)) throw recordRefused('runs', k, r, 'experiment_id', 'that experiment is not in the bundle');
    if (r.end_time !== null && r.end_time < r.start_time) throw recordRefused('runs', k, r, 'end_time', 'is before its start_time');
    const keys = new Set<string>();
    r.metrics.forEach((s, j) => {
      if (keys.has(s.key)) throw recordRefused('runs', k, r, `metrics[${j}].key`, `metric "${printable(s.key)}" appears twice`);
      keys.add(s.key);
    });
    r.artifacts.forEach((a, j) => sizeOf('runs', k, r, `artifacts[${j}].blob_hash`, a.blob_hash, a.size));
    distinctPaths('runs', k, r, r.artifacts.map((a) => a.path), 'artifacts');
    return opts.settleRuns ? settleRun(r, origin, notes) : r;
  });

  // Lineage: kinds and ids checked by the schema; an edge may name a record this bundle does not carry
  // (a dataset version exported without --with-data), which the importer may or may not have.
  unique('lineage', m.lineage, (l) => `${l.from_kind}|${l.from_id}|${l.to_kind}|${l.to_id}|${l.relation}`, 'relation');
  m.lineage.forEach((l, k) => {
    for (const side of ['from', 'to'] as const) {
      const kind = l[`${side}_kind`];
      const id = l[`${side}_id`];
      if ((kind === 'dataset_version') !== (id.length === 64)) throw recordRefused('lineage', k, l, `${side}_id`, `a ${kind} id is ${kind === 'dataset_version' ? 64 : 32} hex digits`);
    }
  });

  // Datasets: every derived identity again from the rows and the objects.
  unique('datasets', m.datasets, (d) => `${d.dataset.name}|${d.version.id}`, 'version.id');
  const idOfName = new Map<string, string>();
  m.datasets.forEach((d, k) => {
    const known = idOfName.get(d.dataset.name);
    if (known !== undefined && known !== d.dataset.id) throw recordRefused('datasets', k, d, 'dataset.id', `dataset "${d.dataset.name}" has two ids in the bundle`);
    idOfName.set(d.dataset.name, d.dataset.id);
    if (d.version.dataset_id !== d.dataset.id) throw recordRefused('datasets', k, d, 'version.dataset_id', 'is not the id of its dataset');
    d.version.files.forEach((f, j) => sizeOf('datasets', k, d, `version.files[${j}].blob_hash`, f.blob_hash, f.size));
    try {
      checkDatasetVersion(d.version);
    } catch (e) {
      if (e instanceof RowProblem) throw recordRefused('datasets', k, d, `version.${e.field}`, e.why);
      throw e;
    }
  });
  const numbers = new Set<string>();
  m.datasets.forEach((d, k) => {
    const key = `${d.dataset.name}@${d.version.number}`;
    if (numbers.has(key)) throw recordRefused('datasets', k, d, 'version.number', `${key} appears twice in the bundle`);
    numbers.add(key);
  });
  gateReferenceRows(m, versions);
  return { metadata: { ...m, runs }, notes };
}

/** A reference profile claims one version of the bundle: its ids, and each column's size. */
function gateReferenceRows(m: BundleMetadata, versions: Map<string, BundleMetadata['versions'][number]>): void {
  unique('references', m.references, (r) => r.version_id, 'version_id');
  m.references.forEach((r, k) => {
    const v = versions.get(r.version_id);
    if (!v) throw recordRefused('references', k, r, 'version_id', 'that model version is not in the bundle');
    const p = JSON.parse(r.profile_json) as ReferenceProfileJson;
    if (p.versionId !== r.version_id) throw recordRefused('references', k, r, 'profile_json.versionId', `names version ${printable(p.versionId)}, not the record's`);
    if (p.model !== v.model || p.version !== v.number) throw recordRefused('references', k, r, 'profile_json.version', `claims ${printable(p.model)}@${printable(p.version)}; the version is ${v.model}@${v.number}`);
    const columns: [string, unknown][] = [...p.features.map((c, j) => [`features[${j}]`, c] as [string, unknown]), ['prediction', p.prediction], ['label', p.label]];
    for (const [field, c] of columns) {
      const chars = JSON.stringify(c).length;
      if (chars > MAX_REFERENCE_COLUMN_CHARS) throw recordRefused('references', k, r, `profile_json.${field}`, `is ${chars} characters of JSON; a reference column is at most ${MAX_REFERENCE_COLUMN_CHARS}`);
    }
  });
}

type ReferenceProfileJson = z.output<typeof referenceProfileSchema>;
const SIGNATURE_FILE = 'model/signature.json';

/**
 * After the objects arrived: each reference profile against the signature of the version it claims
 * (the same inputs in the same order and kinds, the same task, target and classes).
 */
export function gateReferences(m: BundleMetadata, bytes: (hash: string) => Buffer): void {
  m.references.forEach((r, k) => {
    const file = m.files.find((f) => f.version_id === r.version_id && f.path === SIGNATURE_FILE);
    if (!file) throw recordRefused('references', k, r, 'version_id', `its version has no ${SIGNATURE_FILE} to check the profile against`);
    let sig: { task?: unknown; target?: unknown; labels?: unknown; inputs?: { kind?: unknown; columns?: { name?: unknown; type?: unknown }[] } };
    try {
      sig = JSON.parse(bytes(file.blob_hash).toString('utf8')) as typeof sig;
    } catch {
      throw recordRefused('references', k, r, 'version_id', `its version's ${SIGNATURE_FILE} is not JSON`);
    }
    const p = JSON.parse(r.profile_json) as ReferenceProfileJson;
    const cols = sig.inputs?.kind === 'table' && Array.isArray(sig.inputs.columns) ? sig.inputs.columns : null;
    if (!cols) throw recordRefused('references', k, r, 'profile_json', 'its version does not take a table; only table models are monitored');
    const want = cols.map((c) => `${String(c.name)}:${c.type === 'numeric' ? 'numeric' : 'categorical'}`);
    const got = p.features.map((f) => `${f.name}:${f.kind}`);
    const j = want.findIndex((w, i) => got[i] !== w);
    if (j >= 0 || got.length !== want.length) {
      const at = j >= 0 ? j : Math.min(got.length, want.length);
      throw recordRefused('references', k, r, `profile_json.features[${at}]`, `is ${got[at] ? `"${printable(got[at])}"` : 'missing'}; the model's input signature has ${want[at] ? `"${printable(want[at])}"` : 'no more columns'}`);
    }
    if (p.task !== sig.task) throw recordRefused('references', k, r, 'profile_json.task', `is ${p.task}; the model's task is ${printable(sig.task)}`);
    if (p.target !== sig.target) throw recordRefused('references', k, r, 'profile_json.target', `is "${printable(p.target)}"; the model's target is "${printable(sig.target)}"`);
    const labels = Array.isArray(sig.labels) ? sig.labels.map(String) : null;
    if (JSON.stringify(p.labels) !== JSON.stringify(labels)) throw recordRefused('references', k, r, 'profile_json.labels', "are not the model's classes");
    if (p.calibration && p.calibration.length !== (labels?.length ?? 0)) throw recordRefused('references', k, r, 'profile_json.calibration', `has ${p.calibration.length} maps for ${labels?.length ?? 0} classes`);
    const pcaAt = p.multivariate?.columns.findIndex((c) => !got.includes(`${c.name}:${c.kind}`)) ?? -1;
    if (pcaAt >= 0) throw recordRefused('references', k, r, `profile_json.multivariate.columns[${pcaAt}]`, 'is not one of the model\'s inputs (of the same kind)');
  });
}

/** One field of one row that does not hold, found by a check shared by the gate and `doctor`. */
export class RowProblem extends Error {
  constructor(
    readonly field: string,
    readonly why: string,
  ) {
    super(`${field}: ${why}`);
  }
}

/**
 * A dataset version's derived facts, derived again: its id from its files, its counts and size, its
 * profile against its format and counts, image paths against their classes. Throws a RowProblem.
 * (Its files' sizes against their objects, and its row index, are checked by the caller.)
 */
export function checkDatasetVersion(v: BundleDatasetVersion): void {
  const bad = (field: string, why: string) => new RowProblem(field, why);
  const keys = new Map<string, number>();
  v.files.forEach((f, j) => {
    const key = collisionKey(f.path);
    if (keys.has(key)) throw bad(`files[${j}].path`, `"${printable(f.path)}" names the same file as entry ${keys.get(key)} (after case folding)`);
    keys.set(key, j);
  });
  const id = versionId(v.files.map((f) => ({ path: f.path, blobHash: f.blob_hash })));
  if (id !== v.id) throw bad('id', `does not match its files (their content gives ${id.slice(0, 12)}...): a version cannot claim another content's id`);
  if (v.parent_id === v.id) throw bad('parent_id', 'is the version itself');
  if (v.file_count !== v.files.length) throw bad('file_count', `says ${v.file_count}; the version has ${v.files.length} file(s)`);
  const total = v.files.reduce((s, f) => s + f.size, 0);
  if (v.size !== total) throw bad('size', `says ${v.size} bytes; its files hold ${total}`);
  const profile = JSON.parse(v.profile_json) as { kind: string; rows?: number; count?: number; columns?: unknown[]; classes?: { name: string; count: number }[] };
  if (v.format === 'images') {
    if (v.index_blob !== null) throw bad('index_blob', 'an image version has no row index');
    if (profile.kind !== 'images') throw bad('profile_json', `is a ${profile.kind} profile; the version holds images`);
    if (v.row_count !== v.files.length) throw bad('row_count', `says ${v.row_count}; an image version has one row per image (${v.files.length})`);
    if (profile.count !== v.row_count) throw bad('profile_json', `counts ${profile.count} images; the version has ${v.row_count}`);
    const perClass = new Map<string, number>();
    v.files.forEach((f, j) => {
      if (f.meta_json === null) throw bad(`files[${j}].meta_json`, 'an image needs its class and size');
      const meta = JSON.parse(f.meta_json) as { class: string };
      const parts = f.path.split('/');
      if (parts.length !== 2 || parts[0] !== meta.class) throw bad(`files[${j}].path`, `an image lives at <class>/<file>, and its class is "${printable(meta.class)}"`);
      perClass.set(meta.class, (perClass.get(meta.class) ?? 0) + 1);
    });
    for (const c of profile.classes ?? []) if (perClass.get(c.name) !== c.count) throw bad('profile_json', `counts ${c.count} images of class "${printable(c.name)}"; the version has ${perClass.get(c.name) ?? 0}`);
    return;
  }
  if (v.files.length !== 1) throw bad('files', `a ${v.format} version is one file; it lists ${v.files.length}`);
  if (v.files[0].meta_json !== null) throw bad('files[0].meta_json', 'a table file carries no image facts');
  if (v.index_blob === null) throw bad('index_blob', `a ${v.format} version needs its row index`);
  if (profile.kind !== 'table') throw bad('profile_json', `is an ${profile.kind} profile; the version is a ${v.format} table`);
  if (profile.rows !== v.row_count) throw bad('profile_json', `counts ${profile.rows} rows; the version says ${v.row_count}`);
  if (profile.columns?.length !== v.column_count) throw bad('profile_json', `has ${profile.columns?.length} columns; the version says ${v.column_count}`);
}

const tableIndexHeadSchema = z
  .object({
    format: z.enum(['csv', 'tsv', 'jsonl', 'parquet']),
    file: z.string(),
    columns: z.array(z.string()),
    types: z.array(z.enum(['numeric', 'categorical', 'text', 'boolean', 'datetime'])),
    rowCount: z.number().int().min(0),
    delimiter: z.string().length(1).optional(),
    header: z.boolean().optional(),
  })
  .strict();

/** Decodes a row index without trusting it: a damaged one is a problem to report, never a crash. */
export function parseTableIndex(buf: Buffer): TableIndex | string {
  if (buf.length < 4) return 'it is shorter than its header';
  const len = buf.readUInt32LE(0);
  if (4 + len > buf.length || (buf.length - 4 - len) % 8 !== 0) return 'its layout does not add up (header length, offsets)';
  let index: TableIndex;
  try {
    index = decodeTableIndex(buf);
  } catch (e) {
    return `it does not decode (${(e as Error).message})`;
  }
  const { offsets, ...head } = index;
  const r = tableIndexHeadSchema.safeParse(head);
  if (!r.success) return `its header is malformed at ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`;
  if (offsets.some((o, k) => !Number.isInteger(o) || o < 0 || (k > 0 && o < offsets[k - 1]))) return 'its row offsets are not increasing whole numbers';
  return index;
}

/** What is wrong with a version's row index, measured against the version; undefined when it fits. */
export function tableIndexProblem(v: Pick<BundleDatasetVersion, 'format' | 'row_count' | 'column_count' | 'profile_json'> & { files: { path: string; size: number }[] }, buf: Buffer): string | undefined {
  const index = parseTableIndex(buf);
  if (typeof index === 'string') return index;
  if (index.format !== v.format) return `it describes a ${index.format} file; the version is ${v.format}`;
  if (index.file !== v.files[0]?.path) return `it describes file "${printable(index.file)}"; the version's file is "${printable(v.files[0]?.path)}"`;
  if (index.rowCount !== v.row_count) return `it counts ${index.rowCount} rows; the version says ${v.row_count}`;
  if (index.columns.length !== v.column_count || index.types.length !== index.columns.length) return `it has ${index.columns.length} columns (${index.types.length} types); the version says ${v.column_count}`;
  const profile = JSON.parse(v.profile_json) as { columns?: { name: string }[] };
  const names = (profile.columns ?? []).map((c) => c.name);
  if (names.join('\u0000') !== index.columns.join('\u0000')) return "its columns are not the profile's columns";
  const size = v.files[0].size;
  if (index.offsets.some((o) => o > size)) return 'a row offset points past the end of the file';
  if (index.format !== 'parquet' && index.offsets.length > Math.ceil(index.rowCount / ROW_INDEX_STRIDE) + 1) return `it has ${index.offsets.length} row offsets for ${index.rowCount} rows`;
  return undefined;
}

/** After the objects arrived: each table version's row index, parsed and checked against the version. */
export function gateIndexes(m: BundleMetadata, indexBytes: (hash: string) => Buffer): void {
  m.datasets.forEach((d, k) => {
    if (d.version.index_blob === null) return;
    const problem = tableIndexProblem(d.version, indexBytes(d.version.index_blob));
    if (problem) throw recordRefused('datasets', k, d, 'version.index_blob', `its row index does not fit the version: ${problem}`);
  });
  gateReferences(m, indexBytes);
}

/** The index objects an import must keep in memory to check them (they are small: a JSON head and offsets). */
export function indexHashes(m: BundleMetadata): Set<string> {
  const profiled = new Set(m.references.map((r) => r.version_id));
  // Signatures of the versions that carry a reference profile (a few KB each), to check the profile against.
  const signatures = m.files.filter((f) => profiled.has(f.version_id) && f.path === SIGNATURE_FILE).map((f) => f.blob_hash);
  return new Set([...m.datasets.map((d) => d.version.index_blob).filter((h): h is string => h !== null), ...signatures]);
}

/**
 * A run that was running when the bundle was made cannot still be running here: its process is on
 * another machine, and nothing here will ever finish it. It is imported as failed, ended at the last
 * moment the bundle knows of it, with a tag that says why.
 */
function settleRun(r: BundleRun, origin: { createdBy: string; createdAt: number }, notes: string[]): BundleRun {
  if (r.status !== 'running') return r;
  let last = r.start_time;
  for (const s of r.metrics) for (const p of s.points) last = Math.max(last, p[1]);
  for (const a of r.artifacts) last = Math.max(last, a.created_at);
  const why = `was still running when ${printable(origin.createdBy)} made the bundle (${new Date(origin.createdAt).toISOString()}); imported as failed, ended at its last recorded time`;
  notes.push(`run ${r.id} (${r.name || 'unnamed'}) ${why}`);
  return { ...r, status: 'failed', end_time: last, tags: { ...r.tags, 'bundle.import': why } };
}

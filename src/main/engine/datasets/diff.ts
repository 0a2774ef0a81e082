import type { CellValue, ColumnShift, DatasetDiff, DatasetVersion, SchemaChange, TableProfile } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { DatasetsRepo, VersionRow } from '../db/datasetsRepo';
import { pairByContent } from './contentPairing';
import { combineHash, hashString } from './hashing';
import { columnPsi } from './psi';
import type { VersionReader } from './versionReader';

const MAX_SAMPLES = 50;
/** Without a key, rows are paired by content only when at most this many differ on each side (memory, time). */
const CONTENT_PAIRING_CAP = 10_000;

export interface DiffSide {
  version: VersionRow;
  info: DatasetVersion;
  ref: string;
}

/** The text a cell is compared by: 1 and "1" are the same value, null differs from "". */
function canonical(v: CellValue): string {
  return v === null ? '\u0000' : String(v);
}

function sameCell(a: CellValue, b: CellValue): boolean {
  return canonical(a) === canonical(b);
}

/** Hash of a row over the given column positions (the columns both versions share). */
function rowHash(cells: CellValue[], positions: number[]): number {
  let h = 0;
  for (const p of positions) h = combineHash(h, hashString(canonical(cells[p])));
  return h;
}

function schemaChanges(from: TableProfile, to: TableProfile): SchemaChange[] {
  const before = new Map(from.columns.map((c) => [c.name, c.type]));
  const after = new Map(to.columns.map((c) => [c.name, c.type]));
  const out: SchemaChange[] = [];
  for (const [name, type] of before) {
    const now = after.get(name);
    if (now === undefined) out.push({ column: name, change: 'removed', from: type });
    else if (now !== type) out.push({ column: name, change: 'type-changed', from: type, to: now });
  }
  for (const [name, type] of after) if (!before.has(name)) out.push({ column: name, change: 'added', to: type });
  return out;
}

/** One side's numbers of a column in one version only (its other side stays absent, not zero). */
function oneSided(c: TableProfile['columns'][number], presence: 'added' | 'removed'): ColumnShift {
  const shift: ColumnShift = { column: c.name, type: c.type, presence };
  if (presence === 'added') Object.assign(shift, { missingTo: c.missing, distinctTo: c.distinct, meanTo: c.mean, stdTo: c.std });
  else Object.assign(shift, { missingFrom: c.missing, distinctFrom: c.distinct, meanFrom: c.mean, stdFrom: c.std });
  for (const k of ['meanFrom', 'meanTo', 'stdFrom', 'stdTo'] as const) if (shift[k] === undefined) delete shift[k];
  return shift;
}

function columnShifts(from: TableProfile, to: TableProfile): ColumnShift[] {
  const after = new Map(to.columns.map((c) => [c.name, c]));
  const before = new Set(from.columns.map((c) => c.name));
  const out: ColumnShift[] = [];
  for (const a of from.columns) {
    const b = after.get(a.name);
    if (!b) {
      out.push(oneSided(a, 'removed'));
      continue;
    }
    const shift: ColumnShift = {
      column: a.name,
      type: b.type,
      missingFrom: a.missing,
      missingTo: b.missing,
      distinctFrom: a.distinct,
      distinctTo: b.distinct,
    };
    if (a.mean !== undefined) shift.meanFrom = a.mean;
    if (b.mean !== undefined) shift.meanTo = b.mean;
    if (a.std !== undefined) shift.stdFrom = a.std;
    if (b.std !== undefined) shift.stdTo = b.std;
    if (a.type === b.type) {
      const psi = columnPsi(a, b);
      if (psi !== undefined) shift.psi = psi;
    }
    out.push(shift);
  }
  for (const b of to.columns) if (!before.has(b.name)) out.push(oneSided(b, 'added'));
  return out;
}

async function diffImages(repo: DatasetsRepo, from: DiffSide, to: DiffSide): Promise<DatasetDiff> {
  const before = new Map(repo.files(from.version.dataset_id, from.version.id).map((f) => [f.path, f.blob_hash]));
  const added: string[] = [];
  const modified: string[] = [];
  let unchanged = 0;
  for (const f of repo.files(to.version.dataset_id, to.version.id)) {
    const old = before.get(f.path);
    if (old === undefined) added.push(f.path);
    else if (old !== f.blob_hash) modified.push(f.path);
    else unchanged++;
    before.delete(f.path);
  }
  const removed = [...before.keys()];
  return {
    from: from.info,
    to: to.info,
    key: 'path',
    schema: [],
    rows: { added: added.length, removed: removed.length, modified: modified.length, unchanged },
    samples: {
      added: added.slice(0, MAX_SAMPLES).map((p) => [p]),
      removed: removed.slice(0, MAX_SAMPLES).map((p) => [p]),
      modified: modified.slice(0, MAX_SAMPLES).map((p) => ({ key: p, before: [p], after: [p], changedColumns: ['content'] })),
      columns: ['path'],
    },
    columns: [],
    files: { added, removed, modified, unchanged },
  };
}

/**
 * Columns whose values identify each row in both versions, read from the profiles (no scan): no missing
 * value and as many distinct values as rows. A column whose distinct count is an estimate is left out,
 * since an estimate cannot promise uniqueness.
 */
export function uniqueColumns(a: TableProfile, b: TableProfile, shared: string[]): string[] {
  const unique = (p: TableProfile, name: string) => {
    const c = p.columns.find((x) => x.name === name);
    return !!c && !c.distinctApprox && c.missing === 0 && c.distinct === p.rows;
  };
  return shared.filter((c) => unique(a, c) && unique(b, c));
}

function keyHint(from: DiffSide, to: DiffSide, shared: string[], key: string): string {
  const cols = uniqueColumns(JSON.parse(from.version.profile_json) as TableProfile, JSON.parse(to.version.profile_json) as TableProfile, shared).filter((c) => c !== key);
  const which = cols.length ? `Unique in both versions: ${cols.slice(0, 20).join(', ')}.` : 'No column is unique in both versions.';
  return `${which} Choose a column whose values identify each row, or diff without a key.`;
}

/**
 * Compares two versions in two streaming passes that keep one 53-bit hash per row of the first
 * version (and, with a key, a key -> row map), never the rows themselves. Rows are compared on the
 * columns both versions share; schema changes are reported separately. Without a key, rows are
 * matched as a multiset of row hashes; the rows left over on both sides are then paired by content
 * (contentPairing.ts) into modified rows, when few enough differ to hold them (CONTENT_PAIRING_CAP).
 */
export async function diffVersions(
  reader: VersionReader,
  repo: DatasetsRepo,
  opts: { from: DiffSide; to: DiffSide; key: string | null },
): Promise<DatasetDiff> {
  const { from, to, key } = opts;
  const fromImages = from.version.format === 'images';
  if (fromImages !== (to.version.format === 'images')) {
    throw new LatheError('INVALID_INPUT', `Cannot compare an image dataset with a table (${from.ref} vs ${to.ref})`, { where: 'to' });
  }
  if (fromImages) return diffImages(repo, from, to);

  const fromColumns = await reader.columns(from.version);
  const toColumns = await reader.columns(to.version);
  const shared = fromColumns.filter((c) => toColumns.includes(c));
  const fromPos = shared.map((c) => fromColumns.indexOf(c));
  const toPos = shared.map((c) => toColumns.indexOf(c));
  if (key !== null && !shared.includes(key)) {
    throw new LatheError('INVALID_INPUT', `Key column "${key}" is not in ${fromColumns.includes(key) ? to.ref : from.ref}`, {
      where: 'key',
      hint: `Columns in both versions: ${shared.join(', ') || '(none)'}.`,
    });
  }
  const union = [...fromColumns, ...toColumns.filter((c) => !fromColumns.includes(c))];
  const fromToUnion = fromColumns.map((c) => union.indexOf(c));
  const toToUnion = toColumns.map((c) => union.indexOf(c));
  const asUnion = (cells: CellValue[], map: number[]) => {
    const row = new Array<CellValue>(union.length).fill(null);
    map.forEach((u, k) => (row[u] = cells[k]));
    return row;
  };

  const fromHashes = new Float64Array(from.version.row_count);
  const keyRows = new Map<string, number>();
  const counts = new Map<number, number>();
  const keyFrom = key === null ? -1 : fromColumns.indexOf(key);
  const keyTo = key === null ? -1 : toColumns.indexOf(key);
  let n = 0;
  await reader.scan(from.version, (cells) => {
    const h = rowHash(cells, fromPos);
    fromHashes[n] = h;
    if (key === null) counts.set(h, (counts.get(h) ?? 0) + 1);
    else {
      const k = canonical(cells[keyFrom]);
      if (keyRows.has(k)) {
        throw new LatheError('INVALID_INPUT', `Key column "${key}" is not unique in ${from.ref}: ${JSON.stringify(cells[keyFrom])} appears more than once`, {
          where: 'key',
          hint: keyHint(from, to, shared, key),
        });
      }
      keyRows.set(k, n);
    }
    n++;
  });

  const added: CellValue[][] = [];
  const modifiedSamples: { key: CellValue; after: CellValue[]; fromRow: number }[] = [];
  // Without a key: every unmatched row of the second version (up to the cap), to pair by content later.
  let pending: { row: CellValue[]; at: number }[] | null = key === null ? [] : null;
  let addedCount = 0;
  let modifiedCount = 0;
  let unchanged = 0;
  let toRow = 0;
  const matched = key === null ? null : new Uint8Array(from.version.row_count);
  await reader.scan(to.version, (cells) => {
    const at = toRow++;
    const h = rowHash(cells, toPos);
    if (matched === null) {
      const c = counts.get(h);
      if (c) {
        counts.set(h, c - 1);
        unchanged++;
        return;
      }
    } else {
      const at = keyRows.get(canonical(cells[keyTo]));
      if (at !== undefined && matched[at] === 0) {
        matched[at] = 1;
        if (fromHashes[at] === h) unchanged++;
        else {
          modifiedCount++;
          if (modifiedSamples.length < MAX_SAMPLES) modifiedSamples.push({ key: cells[keyTo], after: asUnion(cells, toToUnion), fromRow: at });
        }
        return;
      }
    }
    addedCount++;
    if (added.length < MAX_SAMPLES) added.push(asUnion(cells, toToUnion));
    if (pending) pending = pending.length < CONTENT_PAIRING_CAP ? (pending.push({ row: asUnion(cells, toToUnion), at }), pending) : null;
  });

  const removedIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    let gone: boolean;
    if (matched === null) {
      const c = counts.get(fromHashes[i]) ?? 0;
      gone = c > 0;
      if (gone) counts.set(fromHashes[i], c - 1);
    } else gone = matched[i] === 0;
    if (gone) removedIdx.push(i);
  }
  const samples = { added, removed: [] as CellValue[][], modified: [] as DatasetDiff['samples']['modified'], columns: union, absent: { from: toColumns.filter((c) => !fromColumns.includes(c)), to: fromColumns.filter((c) => !toColumns.includes(c)) } };
  const rows = { added: addedCount, removed: removedIdx.length, modified: modifiedCount, unchanged };
  let matching: DatasetDiff['matching'];
  if (key !== null) {
    samples.removed = (await reader.rowsAt(from.version, removedIdx.slice(0, MAX_SAMPLES))).map((r) => asUnion(r, fromToUnion));
    const befores = (await reader.rowsAt(from.version, modifiedSamples.map((m) => m.fromRow))).map((r) => asUnion(r, fromToUnion));
    samples.modified = modifiedSamples.map((m, i) => ({ key: m.key, before: befores[i], after: m.after, changedColumns: shared.filter((c) => !sameCell(befores[i][union.indexOf(c)], m.after[union.indexOf(c)])) }));
    matching = { by: 'key' };
  } else {
    const why = pairingRefusal(pending, removedIdx.length, shared.length);
    if (why !== null || !pending) {
      samples.removed = (await reader.rowsAt(from.version, removedIdx.slice(0, MAX_SAMPLES))).map((r) => asUnion(r, fromToUnion));
      matching = { by: 'none', note: why ?? undefined };
    } else {
      const byContent = await pairRemovedAndAdded(reader, from.version, removedIdx, pending, { union, shared, fromToUnion });
      Object.assign(samples, { added: byContent.added, removed: byContent.removed, modified: byContent.modified });
      Object.assign(rows, { added: rows.added - byContent.pairs, removed: rows.removed - byContent.pairs, modified: byContent.pairs });
      matching = { by: 'content' };
    }
  }

  const fromProfile = JSON.parse(from.version.profile_json) as TableProfile;
  const toProfile = JSON.parse(to.version.profile_json) as TableProfile;
  return {
    from: from.info,
    to: to.info,
    key,
    schema: schemaChanges(fromProfile, toProfile),
    rows,
    samples,
    columns: columnShifts(fromProfile, toProfile),
    matching,
  };
}

/** Why rows without a key are not paired by content, or null when they can be. */
function pairingRefusal(pending: unknown[] | null, removed: number, sharedColumns: number): string | null {
  const cap = CONTENT_PAIRING_CAP.toLocaleString('en-US');
  if (!pending || removed > CONTENT_PAIRING_CAP) {
    return `More than ${cap} rows differ: without a key, changed rows are not paired by content and show as removed + added. Choose a key column to see modified rows.`;
  }
  if (sharedColumns < 2) return 'The versions share fewer than two columns, so a changed row cannot be told from a different one. Choose a key column to see modified rows.';
  return null;
}

/**
 * Reads the removed rows of the first version (one more streaming pass, only when few enough rows
 * differ) and pairs them with the added rows by content (contentPairing.ts).
 */
async function pairRemovedAndAdded(
  reader: VersionReader,
  version: VersionRow,
  removedIdx: number[],
  pending: { row: CellValue[]; at: number }[],
  cols: { union: string[]; shared: string[]; fromToUnion: number[] },
): Promise<{ pairs: number; added: CellValue[][]; removed: CellValue[][]; modified: DatasetDiff['samples']['modified'] }> {
  const wanted = new Set(removedIdx);
  const removedRows: CellValue[][] = [];
  let i = 0;
  await reader.scan(version, (cells) => {
    if (wanted.has(i++)) {
      const row = new Array<CellValue>(cols.union.length).fill(null);
      cols.fromToUnion.forEach((u, k) => (row[u] = cells[k]));
      removedRows.push(row);
    }
  });
  const sharedAt = cols.shared.map((c) => cols.union.indexOf(c));
  const project = (r: CellValue[]) => sharedAt.map((p) => r[p]);
  const pairs = pairByContent(removedRows.map(project), pending.map((p) => project(p.row)), sharedAt.length);
  const pairedRemoved = new Set(pairs.map((p) => p.removed));
  const pairedAdded = new Set(pairs.map((p) => p.added));
  return {
    pairs: pairs.length,
    added: pending.filter((_, k) => !pairedAdded.has(k)).slice(0, MAX_SAMPLES).map((p) => p.row),
    removed: removedRows.filter((_, k) => !pairedRemoved.has(k)).slice(0, MAX_SAMPLES),
    modified: pairs.slice(0, MAX_SAMPLES).map((p) => ({
      // No key: the row's position in the second version (1-based) identifies it for people.
      key: pending[p.added].at + 1,
      before: removedRows[p.removed],
      after: pending[p.added].row,
      changedColumns: p.changed.map((c) => cols.shared[c]),
    })),
  };
}

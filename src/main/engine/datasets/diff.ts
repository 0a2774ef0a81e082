import type { CellValue, ColumnShift, DatasetDiff, DatasetVersion, SchemaChange, TableProfile } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { DatasetsRepo, VersionRow } from '../db/datasetsRepo';
import { combineHash, hashString } from './hashing';
import { columnPsi } from './psi';
import type { VersionReader } from './versionReader';

const MAX_SAMPLES = 50;

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

function columnShifts(from: TableProfile, to: TableProfile): ColumnShift[] {
  const after = new Map(to.columns.map((c) => [c.name, c]));
  const out: ColumnShift[] = [];
  for (const a of from.columns) {
    const b = after.get(a.name);
    if (!b) continue;
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
 * matched as a multiset of row hashes, so a changed row shows as one removed plus one added.
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
  let addedCount = 0;
  let modifiedCount = 0;
  let unchanged = 0;
  const matched = key === null ? null : new Uint8Array(from.version.row_count);
  await reader.scan(to.version, (cells) => {
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
  });

  let removedCount = 0;
  const removedRows: number[] = [];
  for (let i = 0; i < n; i++) {
    let gone: boolean;
    if (matched === null) {
      const c = counts.get(fromHashes[i]) ?? 0;
      gone = c > 0;
      if (gone) counts.set(fromHashes[i], c - 1);
    } else gone = matched[i] === 0;
    if (!gone) continue;
    removedCount++;
    if (removedRows.length < MAX_SAMPLES) removedRows.push(i);
  }
  const removed = (await reader.rowsAt(from.version, removedRows)).map((r) => asUnion(r, fromToUnion));
  const befores = (await reader.rowsAt(from.version, modifiedSamples.map((m) => m.fromRow))).map((r) => asUnion(r, fromToUnion));
  const modified = modifiedSamples.map((m, i) => ({
    key: m.key,
    before: befores[i],
    after: m.after,
    changedColumns: shared.filter((c) => !sameCell(befores[i][union.indexOf(c)], m.after[union.indexOf(c)])),
  }));

  const fromProfile = JSON.parse(from.version.profile_json) as TableProfile;
  const toProfile = JSON.parse(to.version.profile_json) as TableProfile;
  return {
    from: from.info,
    to: to.info,
    key,
    schema: schemaChanges(fromProfile, toProfile),
    rows: { added: addedCount, removed: removedCount, modified: modifiedCount, unchanged },
    samples: { added, removed, modified, columns: union },
    columns: columnShifts(fromProfile, toProfile),
  };
}

import type { BundleMetadata } from '../../../shared/bundles';
import type { BundleConflict, BundleImportResult } from '../../../shared/registry';
import type { BundleRepo } from '../db/bundleRepo';
import type { ImportUndo } from '../db/pendingFlushRepo';
import { newId } from '../ids';
import { osUser } from '../registry/osUser';
import type { RegistryService } from '../registry/service';

export interface MergeContext {
  repo: BundleRepo;
  registry: RegistryService;
}

export type MergeResult = Pick<BundleImportResult, 'added' | 'unchanged' | 'conflicts' | 'renumbered'>;

/**
 * Merging a checked bundle's rows into the workspace (inside the import's one transaction): what is
 * missing is inserted, what is here is counted as unchanged. Ids are global, so the same record from
 * two workstations is one record; a model version number taken here gets the next free one.
 * Every row added is noted in `undo`, so an import whose bytes did not reach the disk can be rolled
 * back at the next start (store/deferredFlush.ts, bundles/interrupted.ts).
 */
export function mergeRows(ctx: MergeContext, meta: BundleMetadata, force: boolean, undo: ImportUndo): MergeResult {
  const reg = ctx.registry.repo;
  const repo = ctx.repo;
  const added: Record<string, number> = {};
  const unchanged: Record<string, number> = {};
  const count = (what: string, isNew: boolean) => {
    const t = isNew ? added : unchanged;
    t[what] = (t[what] ?? 0) + 1;
  };
  const conflicts: BundleConflict[] = [];
  const renumbered: BundleImportResult['renumbered'] = [];

  // Datasets (with --with-data): matched by name; versions keyed by content id.
  for (const { dataset, version } of meta.datasets) {
    let local = repo.datasetByName(dataset.name);
    if (!local) {
      repo.insertDataset(dataset);
      undo.datasets.push(dataset.id);
      local = dataset;
      count('datasets', true);
    }
    if (repo.hasDatasetVersion(local.id, version.id)) {
      count('datasetVersions', false);
      continue;
    }
    const number = repo.datasetNumberTaken(local.id, version.number) ? repo.nextDatasetNumber(local.id) : version.number;
    const parent = version.parent_id && repo.hasDatasetVersion(local.id, version.parent_id) ? version.parent_id : null;
    repo.insertDatasetVersion(local.id, version, number, parent);
    undo.datasetVersions.push([local.id, version.id]);
    count('datasetVersions', true);
  }
  // Experiments: by id, else by name (the same experiment made on two machines).
  const experimentIds = new Map<string, string>();
  for (const e of meta.experiments) {
    if (repo.hasExperiment(e.id)) {
      experimentIds.set(e.id, e.id);
      count('experiments', false);
      continue;
    }
    const byName = repo.experimentIdByName(e.name);
    if (byName) {
      experimentIds.set(e.id, byName);
      count('experiments', false);
      continue;
    }
    repo.insertExperiment(e);
    undo.experiments.push(e.id);
    experimentIds.set(e.id, e.id);
    count('experiments', true);
  }
  for (const r of meta.runs) {
    if (repo.hasRun(r.id)) {
      count('runs', false);
      continue;
    }
    repo.insertRun(r, experimentIds.get(r.experiment_id) ?? '0');
    undo.runs.push(r.id);
    count('runs', true);
  }
  for (const m of meta.models) {
    const isNew = reg.insertModel(m);
    if (isNew) undo.models.push(m.name);
    count('models', isNew);
  }
  for (const v of meta.versions) {
    if (reg.version(v.id)) {
      count('versions', false);
      continue;
    }
    let number = v.number;
    if (reg.versionByNumber(v.model, number)) {
      number = reg.nextNumber(v.model);
      renumbered.push({ model: v.model, versionId: v.id, from: v.number, to: number });
    }
    reg.insertVersion({ ...v, number });
    undo.versions.push(v.id);
    count('versions', true);
  }
  for (const f of meta.files) reg.insertFile(f);
  for (const mv of meta.moves) {
    const isNew = !reg.hasMove(mv.id);
    if (isNew) {
      reg.insertMove(mv);
      undo.moves.push(mv.id);
    }
    count('aliasMoves', isNew);
  }
  for (const a of meta.aliases) {
    const local = reg.alias(a.model, a.alias);
    if (local?.version_id === a.version_id) {
      count('aliases', false);
      continue;
    }
    const n = (id: string | undefined) => (id ? (reg.version(id)?.number ?? null) : null);
    if (local && !force) {
      conflicts.push({ kind: 'alias', model: a.model, alias: a.alias, local: n(local.version_id), bundle: n(a.version_id), resolution: 'kept-local' });
      continue;
    }
    if (local) {
      conflicts.push({ kind: 'alias', model: a.model, alias: a.alias, local: n(local.version_id), bundle: n(a.version_id), resolution: 'overwritten' });
      const id = newId();
      reg.insertMove({ id, model: a.model, alias: a.alias, from_version: local.version_id, to_version: a.version_id, moved_at: Date.now(), moved_by: osUser(), reason: 'bundle import (--force)' });
      undo.moves.push(id);
    }
    reg.setAlias(a.model, a.alias, a.version_id, a.moved_at);
    undo.aliases.push({ model: a.model, alias: a.alias, previous: local ? { version_id: local.version_id, moved_at: local.moved_at } : null });
    count('aliases', true);
  }
  for (const e of meta.exports) {
    const isNew = !reg.export(e.id);
    if (isNew) {
      reg.insertExport(e);
      undo.exports.push(e.id);
    }
    count('exports', isNew);
  }
  for (const l of meta.lineage) {
    const isNew = reg.addLineage(l);
    if (isNew) undo.lineage.push({ from_kind: l.from_kind, from_id: l.from_id, to_kind: l.to_kind, to_id: l.to_id, relation: l.relation });
    count('lineage', isNew);
  }
  // Reference profiles: one made here is kept; the profile names the version by its number here.
  for (const r of meta.references) {
    const v = reg.version(r.version_id);
    if (!v) continue;
    const p = JSON.parse(r.profile_json) as { source: string; model: string; version: number };
    const isNew = repo.insertReference({ versionId: v.id, model: v.model, number: v.number, createdAt: r.created_at, source: p.source, profile: JSON.stringify({ ...p, model: v.model, version: v.number }) });
    if (isNew) undo.references.push(v.id);
    count('references', isNew);
  }
  return { added, unchanged, conflicts, renumbered };
}

import { DatasetsRepo, type VersionRow } from '../db/datasetsRepo';
import { resolveRef } from '../datasets/refs';
import { SplitsRepo } from '../db/splitsRepo';
import { loadMembership } from '../training/membership';
import type { StageContext } from './context';

/** A dataset ref as a stage input: the version (its id is its content hash) and an exact ref to it. */
const repos = new WeakMap<object, DatasetsRepo>();

export function resolveData(ctx: Pick<StageContext, 'deps'>, ref: string): { version: VersionRow; name: string; ref: string } {
  let repo = repos.get(ctx.deps.db);
  if (!repo) repos.set(ctx.deps.db, (repo = new DatasetsRepo(ctx.deps.db)));
  const r = resolveRef(repo, ref);
  return { version: r.version, name: r.dataset.name, ref: `${r.dataset.name}@${r.version.id}` };
}

/** A version as a cache input: its content hash, with `name@vN` in front so "why" can name it. */
export function dataHash(ctx: Pick<StageContext, 'deps'>, ref: string): string {
  const d = resolveData(ctx, ref);
  return `${d.name}@v${d.version.number} ${d.version.id}`;
}

const splits = new WeakMap<object, SplitsRepo>();

/** A run's recorded split membership (null: none recorded), through one prepared repo per database. */
export function membershipOf(ctx: Pick<StageContext, 'deps'>, runId: string): ReturnType<typeof loadMembership> {
  let repo = splits.get(ctx.deps.db);
  if (!repo) splits.set(ctx.deps.db, (repo = new SplitsRepo(ctx.deps.db)));
  return loadMembership(repo, runId);
}

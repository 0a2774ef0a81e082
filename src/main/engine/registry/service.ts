import type { CellValue } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { AliasMove, ModelSummary, ModelVersion } from '../../../shared/registry';
import { aliasSchema, modelNameSchema } from '../../../shared/registry';
import type { MetricValue } from '../../../shared/tracking';
import type { Prediction, Preprocessing } from '../../../shared/training';
import type { Db } from '../db/connection';
import { RegistryRepo, type VersionRow } from '../db/registryRepo';
import type { EventBus } from '../events';
import { newId } from '../ids';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import { APP_VERSION } from '../version';
import { checkSignature, MODEL_DIR, parseJsonFile, type ArtifactFiles } from './artifact';
import { osUser } from './osUser';
import { predictWith } from './predict';
import { resolveModelRef } from './refs';

/**
 * The model registry's versions: registered from runs, read back with their artifact, and named by
 * aliases (every move kept). Lineage and cards are lineage.ts and cards.ts.
 */
export class RegistryService {
  readonly repo: RegistryRepo;

  constructor(
    db: Db,
    readonly store: ObjectStore,
    private readonly tracking: Tracking,
    private readonly events: EventBus,
  ) {
    this.repo = new RegistryRepo(db);
  }

  /** Tells every screen that a model's versions, aliases or cards changed. */
  changed(model: string): void {
    this.events.emit('models.changed', { model });
  }

  // Reading ---------------------------------------------------------------------------------------

  toVersion(row: VersionRow): ModelVersion {
    const parse = <T>(s: string, d: T): T => {
      try {
        return JSON.parse(s) as T;
      } catch {
        return d;
      }
    };
    const files = this.repo.files(row.id);
    let signature: unknown = null;
    const sig = files.find((f) => f.path === `${MODEL_DIR}signature.json`);
    if (sig && this.store.hasBlob(sig.blob_hash)) signature = parse(this.store.readBlob(sig.blob_hash).toString('utf8'), null);
    return {
      id: row.id,
      model: row.model,
      number: row.number,
      description: row.description,
      createdAt: row.created_at,
      createdBy: row.created_by,
      runId: row.run_id,
      runName: row.run_id ? (this.repo.runLabel(row.run_id) ?? null) : null,
      backend: row.backend,
      appVersion: row.app_version,
      params: parse(row.params_json, {}),
      metrics: parse(row.metrics_json, {}),
      datasets: parse(row.datasets_json, []),
      files: files.map((f) => ({ path: f.path, blobHash: f.blob_hash, size: f.size })),
      aliases: this.repo.aliasesOfVersion(row.id),
      card: parse(row.card_json, {}),
      signature,
    };
  }

  resolve(ref: string): VersionRow {
    return resolveModelRef(this.repo, ref);
  }

  list(): ModelSummary[] {
    return this.repo.models().map((m) => {
      const aliases: Record<string, number> = {};
      for (const a of this.repo.aliases(m.name)) aliases[a.alias] = this.repo.version(a.version_id)?.number ?? 0;
      return {
        name: m.name,
        description: m.description,
        createdAt: m.created_at,
        versionCount: this.repo.versionCount(m.name),
        latest: this.repo.latestVersion(m.name)?.number ?? null,
        aliases,
      };
    });
  }

  versions(name: string): ModelVersion[] {
    if (!this.repo.model(name)) resolveModelRef(this.repo, name); // throws the helpful NOT_FOUND
    return this.repo.versions(name).map((v) => this.toVersion(v));
  }

  show(ref: string): ModelVersion {
    return this.toVersion(this.resolve(ref));
  }

  /** The artifact's files read from the store (hash-verified on read). */
  artifactFiles(row: VersionRow): ArtifactFiles {
    const files = new Map(this.repo.files(row.id).map((f) => [f.path, f]));
    const read = (p: string) => {
      const f = files.get(`${MODEL_DIR}${p}`);
      return f ? this.store.readBlob(f.blob_hash) : null;
    };
    const modelJson = read('model.json');
    if (!modelJson) throw new LatheError('BAD_FILE', `${row.model}@${row.number} has no ${MODEL_DIR}model.json`);
    const mj = parseJsonFile(modelJson, 'model/model.json');
    const weightPaths = ((mj.weightsManifest ?? []) as { paths?: string[] }[]).flatMap((g) => g.paths ?? []);
    const weights = Buffer.concat(
      (weightPaths.length ? weightPaths : ['weights.bin']).map((p) => {
        const b = read(p);
        if (!b) throw new LatheError('BAD_FILE', `${row.model}@${row.number} has no ${MODEL_DIR}${p} (named by model.json)`);
        return b;
      }),
    );
    const pre = read('preprocessing.json');
    const sig = read('signature.json');
    if (!pre || !sig) throw new LatheError('BAD_FILE', `${row.model}@${row.number} lacks ${MODEL_DIR}${pre ? 'signature' : 'preprocessing'}.json`);
    return {
      modelJson: mj,
      weights,
      preprocessing: parseJsonFile(pre, 'model/preprocessing.json') as unknown as Preprocessing,
      signature: checkSignature(parseJsonFile(sig, 'model/signature.json')),
    };
  }

  async predict(ref: string, rows: CellValue[][] | Record<string, CellValue>[], opts: { impute?: boolean } = {}): Promise<Prediction> {
    return predictWith(this.artifactFiles(this.resolve(ref)), rows, opts);
  }

  // Registering -----------------------------------------------------------------------------------

  register(i: { runId: string; name: string; description: string }): ModelVersion {
    const name = modelNameSchema.parse(i.name);
    const run = this.tracking.runs.get(i.runId);
    if (run.lifecycle === 'deleted') throw new LatheError('INVALID_INPUT', `Run ${run.id} is in the trash; restore it before registering its model`, { where: 'runId' });
    const files = this.tracking.runs.artifacts.listAll(run.id).filter((f) => f.path.startsWith(MODEL_DIR) && f.blobHash);
    if (!files.some((f) => f.path === `${MODEL_DIR}model.json`)) {
      throw new LatheError('INVALID_INPUT', `Run ${run.id} has no model artifact (${MODEL_DIR}model.json)`, {
        where: 'runId',
        hint: 'Register a run that saved a TF.js layers model under model/ (Lathe trainers do; see docs/TRAINING.md).',
      });
    }
    const metrics: Record<string, MetricValue> = {};
    for (const [k, m] of Object.entries(run.metrics)) metrics[k] = m.last;
    const datasets = run.inputs.map((x) => ({ id: x.id, dataset: x.dataset, number: x.number }));
    const now = Date.now();
    const id = newId();
    const row = this.repo.transaction(() => {
      this.repo.insertModel({ name, description: '', created_at: now });
      const v: VersionRow = {
        id,
        model: name,
        number: this.repo.nextNumber(name),
        description: i.description,
        created_at: now,
        created_by: osUser(),
        run_id: run.id,
        backend: run.environment.backend ?? null,
        app_version: APP_VERSION,
        params_json: JSON.stringify(run.params),
        metrics_json: JSON.stringify(metrics),
        datasets_json: JSON.stringify(datasets),
        card_json: '{}',
      };
      this.repo.insertVersion(v);
      for (const f of files) this.repo.insertFile({ version_id: id, path: f.path, blob_hash: f.blobHash as string, size: f.size });
      this.repo.addLineage({ from_kind: 'run', from_id: run.id, to_kind: 'model_version', to_id: id, relation: 'produced', created_at: new Date(now).toISOString() });
      return v;
    });
    this.changed(name);
    return this.toVersion(row);
  }

  // Aliases ---------------------------------------------------------------------------------------

  setAlias(ref: string, alias: string, reason: string): { version: ModelVersion; move: AliasMove | null } {
    aliasSchema.parse(alias);
    const v = this.resolve(ref);
    const current = this.repo.alias(v.model, alias);
    if (current?.version_id === v.id) return { version: this.toVersion(v), move: null };
    const now = Date.now();
    const move = { id: newId(), model: v.model, alias, from_version: current?.version_id ?? null, to_version: v.id, moved_at: now, moved_by: osUser(), reason };
    this.repo.transaction(() => {
      this.repo.setAlias(v.model, alias, v.id, now);
      this.repo.insertMove(move);
    });
    this.changed(v.model);
    return { version: this.toVersion(v), move: this.toMove(move) };
  }

  removeAlias(name: string, alias: string, reason: string): { removed: boolean } {
    const current = this.repo.alias(name, alias);
    if (!current) return { removed: false };
    const move = { id: newId(), model: name, alias, from_version: current.version_id, to_version: null, moved_at: Date.now(), moved_by: osUser(), reason };
    this.repo.transaction(() => {
      this.repo.removeAlias(name, alias);
      this.repo.insertMove(move);
    });
    this.changed(name);
    return { removed: true };
  }

  private toMove(m: { model: string; alias: string; from_version: string | null; to_version: string | null; moved_at: number; moved_by: string; reason: string }): AliasMove {
    const n = (id: string | null) => (id ? (this.repo.version(id)?.number ?? null) : null);
    return { model: m.model, alias: m.alias, from: n(m.from_version), to: n(m.to_version), fromVersionId: m.from_version, toVersionId: m.to_version, at: m.moved_at, by: m.moved_by, reason: m.reason };
  }

  aliasHistory(name: string, alias?: string): AliasMove[] {
    if (!this.repo.model(name)) resolveModelRef(this.repo, name);
    return this.repo.moves(name, alias).map((m) => this.toMove(m));
  }
}

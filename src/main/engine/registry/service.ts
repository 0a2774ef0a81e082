import os from 'node:os';
import type { DatasetProfile } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type {
  AliasMove,
  CardText,
  LineageEdge,
  LineageGraph,
  LineageNode,
  ModelCard,
  ModelComparison,
  ModelSummary,
  ModelVersion,
} from '../../../shared/registry';
import { aliasSchema, CARD_FIELDS, modelNameSchema } from '../../../shared/registry';
import type { MetricValue } from '../../../shared/tracking';
import type { Db } from '../db/connection';
import { RegistryRepo, type VersionRow } from '../db/registryRepo';
import type { DatasetService } from '../datasets/service';
import type { EventBus } from '../events';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import { APP_VERSION } from '../version';
import { checkSignature, layersOf, MODEL_DIR, parseJsonFile, type ArtifactFiles } from './artifact';
import { buildCard } from './card';
import { predictWith } from './predict';
import type { CellValue } from '../../../shared/datasets';
import type { Prediction, Preprocessing } from '../../../shared/training';
import { resolveModelRef } from './refs';

/** Who did it: the OS user (recorded on versions, alias moves and exports). */
export function osUser(): string {
  try {
    return os.userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

import { newId } from '../ids';

/** An evaluation report of a run, as the evaluation feature gives it (see `RegistryService.evaluations`). */
export interface EvaluationFacts {
  id: string;
  runId: string;
  datasetVersion: string | null;
  label: string;
  createdAt: number;
  metrics: Record<string, unknown>;
  business?: Record<string, unknown>;
  /** 95% bootstrap intervals of the metrics (same keys), when the evaluation made them. */
  intervals?: Record<string, { lo: number | null; hi: number | null }>;
  /** Scored rows the model was trained on (0: held out; null: unknown). */
  trainingRows?: number | null;
}

/** The model registry: versions registered from runs, aliases, lineage, cards, comparisons. */
export class RegistryService {
  readonly repo: RegistryRepo;
  /** Set by the engine once evaluation exists: the evaluations of a run, newest first. */
  evaluations: (runId: string) => Promise<EvaluationFacts[]> = async () => [];

  constructor(
    db: Db,
    readonly store: ObjectStore,
    private readonly tracking: Tracking,
    private readonly datasets: DatasetService,
    private readonly events: EventBus,
  ) {
    this.repo = new RegistryRepo(db);
  }

  private changed(model: string): void {
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

  // Lineage ---------------------------------------------------------------------------------------

  private nodeLabel(kind: string, id: string): string {
    if (kind === 'dataset_version') {
      const d = this.repo.datasetVersionLabel(id);
      return d ? `${d.dataset}@v${d.number}` : id.slice(0, 12);
    }
    if (kind === 'run') return this.repo.runLabel(id) ?? id.slice(0, 12);
    if (kind === 'model_version') {
      const v = this.repo.version(id);
      return v ? `${v.model}@${v.number}` : id.slice(0, 12);
    }
    if (kind === 'export') {
      const e = this.repo.export(id);
      return e ? `${e.format} ${e.content_hash.slice(0, 12)}` : id.slice(0, 12);
    }
    return id.slice(0, 12);
  }

  /** Walks lineage edges from a node: upstream (what made it), downstream (what it made), or both. */
  graph(kind: string, id: string, direction: 'up' | 'down' | 'both'): LineageGraph {
    const nodes = new Map<string, LineageNode>();
    const edges = new Map<string, LineageEdge>();
    const key = (k: string, i: string) => `${k}:${i}`;
    const add = (k: string, i: string) => {
      const kk = key(k, i);
      if (!nodes.has(kk)) nodes.set(kk, { key: kk, kind: k, id: i, label: this.nodeLabel(k, i) });
      return kk;
    };
    add(kind, id);
    const walk = (dir: 'up' | 'down') => {
      const queue: [string, string][] = [[kind, id]];
      const seen = new Set([key(kind, id)]);
      while (queue.length) {
        const [k, i] = queue.shift() as [string, string];
        const rows = dir === 'up' ? this.repo.lineageTo(k, i) : this.repo.lineageFrom(k, i);
        for (const r of rows) {
          const from = add(r.from_kind, r.from_id);
          const to = add(r.to_kind, r.to_id);
          edges.set(`${from}>${to}>${r.relation}`, { from, to, relation: r.relation });
          const [nk, ni] = dir === 'up' ? [r.from_kind, r.from_id] : [r.to_kind, r.to_id];
          if (!seen.has(key(nk, ni)) && seen.size < 10_000) {
            seen.add(key(nk, ni));
            queue.push([nk, ni]);
          }
        }
      }
    };
    if (direction !== 'down') walk('up');
    if (direction !== 'up') walk('down');
    return { nodes: [...nodes.values()], edges: [...edges.values()] };
  }

  lineage(ref: string): LineageGraph {
    return this.graph('model_version', this.resolve(ref).id, 'both');
  }

  downstream(kind: string, id: string): LineageGraph & { modelVersions: { id: string; model: string; number: number }[] } {
    const g = this.graph(kind, id, 'down');
    const modelVersions = g.nodes
      .filter((n) => n.kind === 'model_version')
      .map((n) => this.repo.version(n.id))
      .filter((v): v is VersionRow => v !== undefined)
      .map((v) => ({ id: v.id, model: v.model, number: v.number }));
    return { ...g, modelVersions };
  }

  // Cards -----------------------------------------------------------------------------------------

  updateCard(ref: string, text: CardText, description?: string): ModelCard {
    const v = this.resolve(ref);
    const current = JSON.parse(v.card_json) as CardText;
    const next: CardText = { ...current };
    for (const f of CARD_FIELDS) if (text[f] !== undefined) next[f] = text[f];
    this.repo.transaction(() => {
      this.repo.setCard(v.id, JSON.stringify(next));
      if (description !== undefined) this.repo.setDescription(v.id, description);
    });
    this.changed(v.model);
    return this.card(v.id);
  }

  async latestEvaluation(runId: string | null): Promise<EvaluationFacts | null> {
    if (!runId) return null;
    try {
      return (await this.evaluations(runId))[0] ?? null;
    } catch {
      return null;
    }
  }

  async cardAsync(ref: string): Promise<ModelCard> {
    const row = this.resolve(ref);
    return this.buildCardFor(row, await this.latestEvaluation(row.run_id));
  }

  card(ref: string): ModelCard {
    return this.buildCardFor(this.resolve(ref), null);
  }

  private buildCardFor(row: VersionRow, evaluation: EvaluationFacts | null): ModelCard {
    const v = this.toVersion(row);
    let run = null;
    if (row.run_id) {
      try {
        run = this.tracking.runs.get(row.run_id);
      } catch {
        run = null;
      }
    }
    const datasets = v.datasets.map((d) => {
      const label = this.nodeLabel('dataset_version', d.id);
      const info = this.datasetProfile(d.id);
      return { id: d.id, label, rows: info?.rows, profile: info?.profile };
    });
    let layers: ReturnType<typeof layersOf> = [];
    let description: { preprocessing: Preprocessing; signature: ArtifactFiles['signature'] } | null = null;
    try {
      const a = this.artifactFiles(row);
      layers = layersOf(a.modelJson);
      description = { preprocessing: a.preprocessing, signature: a.signature };
    } catch {
      // A card is still useful without the architecture.
    }
    const { markdown, html } = buildCard({
      version: v,
      run,
      datasets,
      layers,
      description,
      evaluation: evaluation ? { label: evaluation.label, metrics: evaluation.metrics, business: evaluation.business, intervals: evaluation.intervals, trainingRows: evaluation.trainingRows } : null,
      lineage: this.graph('model_version', row.id, 'both'),
      text: v.card,
    });
    return { model: v.model, number: v.number, versionId: v.id, markdown, html, text: v.card };
  }

  private datasetProfile(versionId: string): { rows: number; profile: DatasetProfile } | undefined {
    const row = this.repo.datasetVersionProfile(versionId);
    if (!row) return undefined;
    try {
      return { rows: row.rows, profile: JSON.parse(row.profile_json) as DatasetProfile };
    } catch {
      return undefined;
    }
  }

  // Comparing -------------------------------------------------------------------------------------

  async compare(a: string, b: string): Promise<ModelComparison> {
    const versions = [this.show(a), this.show(b)];
    const paramKeys = [...new Set(versions.flatMap((v) => Object.keys(v.params)))].sort();
    const metricKeys = [...new Set(versions.flatMap((v) => Object.keys(v.metrics)))].sort();
    const evals = await Promise.all(versions.map(async (v) => (v.runId ? await this.evaluations(v.runId).catch(() => []) : [])));
    const sameData: ModelComparison['sameData'] = [];
    const byData = (list: EvaluationFacts[]) => {
      const m = new Map<string, EvaluationFacts>();
      for (const e of list) if (e.datasetVersion && !m.has(e.datasetVersion)) m.set(e.datasetVersion, e);
      return m;
    };
    const [ea, eb] = evals.map(byData);
    for (const [ds, x] of ea) {
      const y = eb.get(ds);
      if (!y) continue;
      const keys = [...new Set([...Object.keys(x.metrics), ...Object.keys(y.metrics)])].filter((k) => typeof (x.metrics[k] ?? y.metrics[k]) === 'number').sort();
      sameData.push({
        datasetVersion: ds,
        metrics: keys.map((k) => ({ key: k, values: [numOrNull(x.metrics[k]), numOrNull(y.metrics[k])] })),
        labels: [x.label, y.label],
        trainingRows: [x.trainingRows ?? null, y.trainingRows ?? null],
      });
    }
    return {
      versions,
      params: paramKeys.map((key) => {
        const values = versions.map((v) => v.params[key] ?? null);
        return { key, values, differs: values[0] !== values[1] };
      }),
      metrics: metricKeys.map((key) => ({ key, values: versions.map((v) => v.metrics[key] ?? null) })),
      sameData,
    };
  }
}

const numOrNull = (v: unknown) => (typeof v === 'number' ? v : null);

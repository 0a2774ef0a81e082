import type { DatasetProfile } from '../../../shared/datasets';
import type { CardText, ModelCard, ModelComparison } from '../../../shared/registry';
import { CARD_FIELDS } from '../../../shared/registry';
import type { Preprocessing } from '../../../shared/training';
import type { VersionRow } from '../db/registryRepo';
import type { Tracking } from '../tracking';
import { layersOf, type ArtifactFiles } from './artifact';
import { buildCard } from './card';
import type { EvaluationFacts, EvaluationsOf } from './evaluationFacts';
import type { Lineage } from './lineage';
import type { RegistryService } from './service';

/**
 * What the registry reports about versions with their evaluations: model cards (the stored text plus
 * what is known of the run, data, architecture, latest evaluation and lineage) and comparisons.
 */
export class ModelCards {
  constructor(
    private readonly models: RegistryService,
    private readonly lineage: Lineage,
    private readonly tracking: Tracking,
    /** The evaluations of a run, newest first (the evaluation feature's, given by the engine). */
    private readonly evaluations: EvaluationsOf,
  ) {}

  private get repo() {
    return this.models.repo;
  }

  updateCard(ref: string, text: CardText, description?: string): ModelCard {
    const v = this.models.resolve(ref);
    const current = JSON.parse(v.card_json) as CardText;
    const next: CardText = { ...current };
    for (const f of CARD_FIELDS) if (text[f] !== undefined) next[f] = text[f];
    this.repo.transaction(() => {
      this.repo.setCard(v.id, JSON.stringify(next));
      if (description !== undefined) this.repo.setDescription(v.id, description);
    });
    this.models.changed(v.model);
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
    const row = this.models.resolve(ref);
    return this.buildCardFor(row, await this.latestEvaluation(row.run_id));
  }

  card(ref: string): ModelCard {
    return this.buildCardFor(this.models.resolve(ref), null);
  }

  private buildCardFor(row: VersionRow, evaluation: EvaluationFacts | null): ModelCard {
    const v = this.models.toVersion(row);
    let run = null;
    if (row.run_id) {
      try {
        run = this.tracking.runs.get(row.run_id);
      } catch {
        run = null;
      }
    }
    const datasets = v.datasets.map((d) => {
      const label = this.lineage.nodeLabel('dataset_version', d.id);
      const info = this.datasetProfile(d.id);
      return { id: d.id, label, rows: info?.rows, profile: info?.profile };
    });
    let layers: ReturnType<typeof layersOf> = [];
    let description: { preprocessing: Preprocessing; signature: ArtifactFiles['signature'] } | null = null;
    try {
      const a = this.models.artifactFiles(row);
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
      lineage: this.lineage.graph('model_version', row.id, 'both'),
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
    const versions = [this.models.show(a), this.models.show(b)];
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

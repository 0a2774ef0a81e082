import type { EngineApi } from '../../../shared/contract';
import { BundleService } from '../bundles/service';
import type { Db } from '../db/connection';
import type { DatasetService } from '../datasets/service';
import type { EventBus } from '../events';
import { ExportService } from '../export/service';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import { ModelCards } from './cards';
import type { EvaluationsOf } from './evaluationFacts';
import { Lineage } from './lineage';
import { RegistryService } from './service';

export interface Registry {
  /** Versions and aliases. */
  models: RegistryService;
  lineage: Lineage;
  /** Model cards and comparisons (with the runs' evaluations). */
  cards: ModelCards;
  exports: ExportService;
  bundles: BundleService;
}

/**
 * The model registry, deployment exports and registry bundles (issue 5; docs/REGISTRY.md).
 * `evaluations` gives a run's evaluations, newest first, for cards and comparisons.
 */
export function createRegistry(db: Db, store: ObjectStore, tracking: Tracking, datasets: DatasetService, events: EventBus, evaluations: EvaluationsOf): Registry {
  const models = new RegistryService(db, store, tracking, events);
  const lineage = new Lineage(models.repo);
  const cards = new ModelCards(models, lineage, tracking, evaluations);
  return {
    models,
    lineage,
    cards,
    exports: new ExportService(models, cards, datasets, events),
    bundles: new BundleService(db, store, models, tracking, events),
  };
}

type RegistryCalls =
  | 'models.register'
  | 'models.list'
  | 'models.versions'
  | 'models.show'
  | 'models.alias'
  | 'models.unalias'
  | 'models.aliasHistory'
  | 'models.lineage'
  | 'lineage.downstream'
  | 'models.card'
  | 'models.updateCard'
  | 'models.compare'
  | 'models.predict'
  | 'export.run'
  | 'export.history'
  | 'bundle.export'
  | 'bundle.import';

/** The contract methods of the registry, spread into the engine. */
export function registryMethods(r: Registry): Pick<EngineApi, RegistryCalls> {
  const { models: m, lineage, cards } = r;
  return {
    'models.register': async (i) => m.register(i),
    'models.list': async () => m.list(),
    'models.versions': async (i) => m.versions(i.name),
    'models.show': async (i) => m.show(i.ref),
    'models.alias': async (i) => m.setAlias(i.ref, i.alias, i.reason),
    'models.unalias': async (i) => m.removeAlias(i.name, i.alias, i.reason),
    'models.aliasHistory': async (i) => m.aliasHistory(i.name, i.alias),
    'models.lineage': async (i) => lineage.lineage(i.ref),
    'lineage.downstream': async (i) => lineage.downstream(i.kind, i.id),
    'models.card': (i) => cards.cardAsync(i.ref),
    'models.updateCard': async (i) => (cards.updateCard(i.ref, i.text, i.description), cards.cardAsync(i.ref)),
    'models.compare': (i) => cards.compare(i.a, i.b),
    'models.predict': (i) => m.predict(i.ref, i.rows, { impute: i.impute }),
    'export.run': (i) => r.exports.run(i),
    'export.history': async (i) => r.exports.history(i.ref, i.limit),
    'bundle.export': (i) => r.bundles.exportBundle(i),
    'bundle.import': (i) => r.bundles.importBundle(i),
  };
}

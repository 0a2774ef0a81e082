import type { ParsedInput } from '../../../shared/contract';
import { LatheError } from '../../../shared/errors';
import type { Experiment } from '../../../shared/tracking';
import type { ExperimentRow, TrackingRepo } from '../db/trackingRepo';
import type { EventBus } from '../events';
import { newUuid } from '../ids';

export const DEFAULT_EXPERIMENT_ID = '0';

/** Experiments: named groups of runs, soft-deleted like runs. */
export class ExperimentService {
  constructor(
    private readonly repo: TrackingRepo,
    private readonly events: EventBus,
  ) {}

  private toExperiment(r: ExperimentRow): Experiment {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      tags: Object.fromEntries(this.repo.experimentTags(r.id).map((t) => [t.key, t.value])),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      lifecycle: r.deleted_at === null ? 'active' : 'deleted',
      runCount: r.run_count,
    };
  }

  create(i: ParsedInput<'experiments.create'>): Experiment {
    if (this.repo.experimentByName(i.name)) {
      throw new LatheError('ALREADY_EXISTS', `An experiment named "${i.name}" already exists`, { where: 'name' });
    }
    const id = newUuid();
    this.repo.transaction(() => {
      this.repo.insertExperiment(id, i.name, i.description, Date.now());
      for (const [k, v] of Object.entries(i.tags)) this.repo.setExperimentTag(id, k, v);
    });
    this.events.emit('experiments.changed', { id });
    return this.get(id);
  }

  list(i: ParsedInput<'experiments.list'>): Experiment[] {
    return this.repo.experiments(i.lifecycle, i.nameLike ?? null, i.limit, i.offset).map((r) => this.toExperiment(r));
  }

  get(id: string): Experiment {
    const r = this.repo.experiment(id);
    if (!r) throw new LatheError('NOT_FOUND', `No experiment with id "${id}"`, { where: 'id' });
    return this.toExperiment(r);
  }

  getByName(name: string): Experiment {
    const r = this.repo.experimentByName(name);
    if (!r) throw new LatheError('NOT_FOUND', `No experiment named "${name}"`, { where: 'name' });
    return this.toExperiment(r);
  }

  /** The experiment a new run goes into: by id, by name (created when missing), else Default. */
  resolveForRun(id: string | undefined, name: string | undefined): Experiment {
    let e: Experiment;
    if (id !== undefined) e = this.get(id);
    else if (name !== undefined) {
      const r = this.repo.experimentByName(name);
      e = r ? this.toExperiment(r) : this.create({ name, description: '', tags: {} });
    } else e = this.get(DEFAULT_EXPERIMENT_ID);
    if (e.lifecycle === 'deleted') {
      throw new LatheError('INVALID_INPUT', `Experiment "${e.name}" is in the trash; restore it before adding runs`, { where: 'experimentId' });
    }
    return e;
  }

  update(i: ParsedInput<'experiments.update'>): Experiment {
    const before = this.get(i.id);
    const now = Date.now();
    this.repo.transaction(() => {
      if (i.name !== undefined && i.name !== before.name) {
        if (this.repo.experimentByName(i.name)) throw new LatheError('ALREADY_EXISTS', `An experiment named "${i.name}" already exists`, { where: 'name' });
        this.repo.renameExperiment(i.id, i.name, now);
      }
      if (i.description !== undefined) this.repo.describeExperiment(i.id, i.description, now);
      for (const [k, v] of Object.entries(i.tags ?? {})) this.repo.setExperimentTag(i.id, k, v);
    });
    this.events.emit('experiments.changed', { id: i.id });
    return this.get(i.id);
  }

  delete(id: string, restore: boolean): Experiment {
    const e = this.get(id);
    if (!restore && id === DEFAULT_EXPERIMENT_ID) throw new LatheError('INVALID_INPUT', 'The Default experiment cannot be deleted', { where: 'id' });
    if (restore || e.lifecycle === 'active') this.repo.setExperimentDeleted(id, restore ? null : Date.now(), Date.now());
    this.events.emit('experiments.changed', { id });
    return this.get(id);
  }
}

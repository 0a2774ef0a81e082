import type { ExportResult, ParsedInput } from '../../../shared/contract';
import type { AddResult, DatasetDiff, DatasetProfile, DatasetSummary, DatasetVersion, RowPage } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { Db } from '../db/connection';
import type { EventBus } from '../events';
import type { ObjectStore } from '../store/objectStore';

const todo = (what: string) => new LatheError('INTERNAL', `${what} is not built yet`);

/** Datasets and their immutable versions: import, browse, diff, tag, export, delete. */
export class DatasetService {
  constructor(
    private readonly db: Db,
    private readonly store: ObjectStore,
    private readonly events: EventBus,
  ) {}

  async list(): Promise<DatasetSummary[]> {
    void this.db;
    void this.store;
    void this.events;
    return [];
  }
  async versions(_name: string): Promise<DatasetVersion[]> {
    throw todo('versions');
  }
  async show(_ref: string): Promise<{ version: DatasetVersion; profile: DatasetProfile }> {
    throw todo('show');
  }
  async rows(_ref: string, _offset: number, _limit: number): Promise<RowPage> {
    throw todo('rows');
  }
  async add(_input: ParsedInput<'datasets.add'>): Promise<AddResult> {
    throw todo('add');
  }
  async diff(_from: string, _to: string, _key?: string): Promise<DatasetDiff> {
    throw todo('diff');
  }
  async exportTo(_ref: string, _out: string): Promise<ExportResult> {
    throw todo('export');
  }
  async tag(_ref: string, _tag: string): Promise<DatasetVersion> {
    throw todo('tag');
  }
  async untag(_name: string, _tag: string): Promise<{ removed: boolean }> {
    throw todo('untag');
  }
  async remove(_ref: string): Promise<{ removed: DatasetVersion }> {
    throw todo('remove');
  }
}

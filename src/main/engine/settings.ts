import { DEFAULT_SETTINGS, settingsPatchSchema, type AppSettings } from '../../shared/settings';
import type { Db } from './db/connection';
import { MetaRepo } from './db/metaRepo';

/** Workspace settings (src/shared/settings.ts) as one JSON value in `meta`; unknown or broken values read as the defaults. */
const KEY = 'settings';

export class SettingsStore {
  private readonly meta: MetaRepo;

  constructor(db: Db) {
    this.meta = new MetaRepo(db);
  }

  get(): AppSettings {
    const raw = this.meta.get(KEY);
    if (!raw) return { ...DEFAULT_SETTINGS };
    try {
      const parsed = settingsPatchSchema.safeParse(JSON.parse(raw));
      return { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
    } catch {
      return { ...DEFAULT_SETTINGS };
    }
  }

  set(patch: Partial<AppSettings>): AppSettings {
    const next = { ...this.get(), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    this.meta.set(KEY, JSON.stringify(next));
    return next;
  }
}

export function settingsMethods(store: SettingsStore) {
  return {
    'settings.get': async () => store.get(),
    'settings.set': async (i: Partial<AppSettings>) => store.set(i),
  };
}

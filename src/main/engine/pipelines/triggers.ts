import { invoke } from '../dispatch';
import fs from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import type { LatheEvent } from '../../../shared/contract';
import type { TriggerDef, TriggerKind } from '../../../shared/pipelines';
import { DatasetsRepo } from '../db/datasetsRepo';
import type { PipelineDeps } from './context';
import { checkPipeline, type ParsedPipeline } from './definition';
import type { PipelineService } from './service';

/**
 * Triggers, live while the app or `lathe serve` runs: schedules (cron, through croner), new versions of
 * a watched dataset (by content: the version id is the content hash, so an identical re-import fires
 * nothing), a watched folder (a new or changed file, once its size and mtime stop changing, becomes a
 * new version), monitor alerts (with a cooldown and a daily cap). The clock is the only seam tests
 * replace; `tick()` is what the interval timer calls.
 */

export interface Clock {
  now(): number;
}

interface ScheduleState {
  lastCheck?: number;
  lastFire?: number;
}
interface DatasetState {
  lastSeen?: string;
}
interface FolderState {
  files: Record<string, string>;
}
interface AlertState {
  lastFire?: number;
  day?: string;
  count?: number;
}

interface Watch {
  pipeline: string;
  id: string;
  trigger: TriggerDef;
  baseDir: string;
}

export interface TriggerLog {
  at: number;
  pipeline: string;
  kind: TriggerKind;
  detail: string;
  fired: boolean;
}

export class PipelineTriggers {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly nextAt = new Map<string, number>();
  private readonly seen = new Map<string, { sig: string; since: number }>();
  private readonly parsedCache = new Map<string, ParsedPipeline | null>();
  private folderBusy = false;
  /** What the triggers did (newest last, bounded): for tests and `status`. */
  readonly log: TriggerLog[] = [];

  constructor(
    private readonly service: PipelineService,
    private readonly deps: PipelineDeps,
    private readonly clock: Clock = { now: () => Date.now() },
  ) {}

  private watches(): Watch[] {
    const out: Watch[] = [];
    for (const row of this.service.repo.pipelines()) {
      let parsed = this.parsedCache.get(row.definition_hash);
      if (parsed === undefined) {
        parsed = checkPipeline(row.text).parsed;
        this.parsedCache.set(row.definition_hash, parsed);
      }
      if (!parsed) continue;
      const baseDir = row.source_path ? path.dirname(row.source_path) : path.join(this.deps.home, 'pipelines', row.name);
      parsed.definition.triggers.forEach((trigger, i) => out.push({ pipeline: row.name, id: `${i}:${trigger.kind}`, trigger, baseDir }));
    }
    return out;
  }

  private state<T>(w: Watch, fallback: T): T {
    return this.service.repo.triggerState<T>(w.pipeline, w.id) ?? fallback;
  }
  private setState(w: Watch, s: unknown): void {
    this.service.repo.setTriggerState(w.pipeline, w.id, s);
  }

  private fire(w: Watch, detail: string, fired = true): void {
    this.log.push({ at: this.clock.now(), pipeline: w.pipeline, kind: w.trigger.kind, detail, fired });
    if (this.log.length > 500) this.log.shift();
    if (!fired) return;
    try {
      this.service.enqueue(w.pipeline, w.trigger.kind, detail);
    } catch (e) {
      this.log.push({ at: this.clock.now(), pipeline: w.pipeline, kind: w.trigger.kind, detail: `could not start: ${(e as Error).message}`, fired: false });
    }
  }

  /** Starts listening; schedules missed while Lathe was closed run once now (unless catchUp is off). */
  start(tickMs = 1000): void {
    if (this.timer) return;
    const now = this.clock.now();
    for (const w of this.watches()) {
      const t = w.trigger;
      if (t.kind === 'schedule') {
        const s = this.state<ScheduleState>(w, {});
        const since = Math.max(s.lastCheck ?? now, s.lastFire ?? 0);
        const missed = new Cron(t.cron, { paused: true, timezone: t.timezone }).nextRun(new Date(since));
        if (t.catchUp && missed && missed.getTime() <= now && s.lastCheck !== undefined) {
          this.setState(w, { lastCheck: now, lastFire: now });
          this.fire(w, `missed schedule ${t.cron} at ${missed.toISOString()} while Lathe was closed`);
        } else this.setState(w, { ...s, lastCheck: now });
      }
      if (t.kind === 'dataset') this.checkDataset(w, true);
    }
    this.unsubscribe = this.deps.events.subscribe((ev) => this.onEvent(ev));
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    const now = this.clock.now();
    for (const w of this.watches()) if (w.trigger.kind === 'schedule') this.setState(w, { ...this.state<ScheduleState>(w, {}), lastCheck: now });
  }

  /** One pass over schedules and watched folders. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const watches = this.watches();
    for (const w of watches) {
      const t = w.trigger;
      if (t.kind !== 'schedule') continue;
      const key = `${w.pipeline}:${w.id}:${t.cron}:${t.timezone ?? ''}`;
      const cron = new Cron(t.cron, { paused: true, timezone: t.timezone });
      if (!this.nextAt.has(key)) this.nextAt.set(key, cron.nextRun(new Date(now))?.getTime() ?? Infinity);
      const due = this.nextAt.get(key) as number;
      if (now >= due) {
        this.nextAt.set(key, cron.nextRun(new Date(now))?.getTime() ?? Infinity);
        this.setState(w, { lastCheck: now, lastFire: now });
        this.fire(w, `schedule ${t.cron} (${new Date(due).toISOString()})`);
      }
    }
    if (!this.folderBusy) {
      this.folderBusy = true;
      try {
        for (const w of watches) if (w.trigger.kind === 'folder') await this.pollFolder(w, now);
      } finally {
        this.folderBusy = false;
      }
    }
  }

  private onEvent(ev: LatheEvent): void {
    if (ev.type === 'datasets.changed') {
      const name = (ev.data as { name: string }).name;
      for (const w of this.watches()) if (w.trigger.kind === 'dataset' && w.trigger.name === name) this.checkDataset(w, false);
      return;
    }
    // Monitor alerts: `monitor.alert` when a rule of a monitored model starts firing.
    if (ev.type === 'monitor.alert') {
      const d = ev.data;
      if (d.to !== 'firing' || d.from === 'firing') return;
      for (const w of this.watches()) if (w.trigger.kind === 'alert') this.onAlert(w, d.model, d.rule);
    }
  }

  private checkDataset(w: Watch, atStart: boolean): void {
    const t = w.trigger as Extract<TriggerDef, { kind: 'dataset' }>;
    const repo = new DatasetsRepo(this.deps.db);
    const ds = repo.datasetByName(t.name);
    const latest = ds ? repo.latest(ds.id) : undefined;
    const s = this.state<DatasetState>(w, {});
    if (!latest) return;
    if (s.lastSeen === latest.id) return; // an identical re-import: the same content is the same version
    this.setState(w, { lastSeen: latest.id });
    if (atStart && s.lastSeen === undefined) return; // first sight: nothing new yet
    this.fire(w, `new version ${t.name}@v${latest.number} (${latest.id.slice(0, 12)})${atStart ? ' added while Lathe was closed' : ''}`);
  }

  onAlert(w: Watch, monitor: string, rule = ''): void {
    const t = w.trigger as Extract<TriggerDef, { kind: 'alert' }>;
    if (t.monitor && t.monitor !== monitor && t.monitor !== rule) return;
    const now = this.clock.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const s = this.state<AlertState>(w, {});
    const count = s.day === day ? (s.count ?? 0) : 0;
    if (s.lastFire !== undefined && now - s.lastFire < t.cooldownMinutes * 60_000) {
      this.fire(w, `alert from ${monitor || 'a monitor'} ignored: cooldown of ${t.cooldownMinutes} min`, false);
      return;
    }
    if (count >= t.maxRunsPerDay) {
      this.fire(w, `alert from ${monitor || 'a monitor'} ignored: ${t.maxRunsPerDay} runs today already`, false);
      return;
    }
    this.setState(w, { lastFire: now, day, count: count + 1 });
    this.fire(w, `alert from ${monitor || 'a monitor'}`);
  }

  /** A file becomes a version once its size and mtime held still for settleMs (a file being written does not). */
  private async pollFolder(w: Watch, now: number): Promise<void> {
    const t = w.trigger as Extract<TriggerDef, { kind: 'folder' }>;
    const dir = path.resolve(w.baseDir, t.path);
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => !n.startsWith('.') && !/\.(tmp|part|crdownload)$/i.test(n)).sort();
    } catch {
      return;
    }
    const s = this.state<FolderState>(w, { files: {} });
    for (const n of names) {
      const file = path.join(dir, n);
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const sig = `${st.size}:${st.mtimeMs}`;
      const key = `${w.pipeline}:${file}`;
      const seen = this.seen.get(key);
      if (!seen || seen.sig !== sig) {
        this.seen.set(key, { sig, since: now });
        if (t.settleMs > 0) continue;
      } else if (now - seen.since < t.settleMs) continue;
      if (s.files[n] === sig) continue;
      s.files[n] = sig;
      this.setState(w, s);
      try {
        const added = await invoke(this.deps.api, 'datasets.add', { name: t.dataset, path: file, message: `watched folder ${t.path}: ${n}` });
        const watchedElsewhere = this.watches().some((x) => x.pipeline === w.pipeline && x.trigger.kind === 'dataset' && x.trigger.name === t.dataset);
        if (added.created && !watchedElsewhere) this.fire(w, `new file ${n} in ${t.path} -> ${t.dataset}@v${added.version.number}`);
        else if (!added.created) this.fire(w, `file ${n} holds no new content (${t.dataset}@v${added.version.number})`, false);
      } catch (e) {
        this.fire(w, `could not import ${n}: ${(e as Error).message}`, false);
      }
    }
  }
}

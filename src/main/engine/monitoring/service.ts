import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';
import type { CostMatrix } from '../../../shared/evaluation';
import {
  DEFAULT_WINDOW_MINUTES,
  type AliasMarker,
  FUTURE_TOLERANCE_MS,
  type AlertRule,
  type AlertRuleInput,
  type AlertsView,
  type AlertState,
  type DriftReport,
  type FeatureDetail,
  type IngestResult,
  type JoinResult,
  type LineProblem,
  type MonitorConfig,
  type MonitorConfigInput,
  type MonitoredModel,
  type MonitorTimeline,
  type RawRowsSummary,
  type PredictionRecord,
  type ReferenceSummary,
} from '../../../shared/monitoring';
import type { ModelSignature } from '../../../shared/training';
import type { Db } from '../db/connection';
import { DatasetsRepo } from '../db/datasetsRepo';
import { MonitoringRepo, type RuleRow } from '../db/monitoringRepo';
import { SplitsRepo } from '../db/splitsRepo';
import { membershipHash } from '../training/membership';
import { resolveRef } from '../datasets/refs';
import { VersionReader } from '../datasets/versionReader';
import type { EventBus } from '../events';
import type { RegistryService } from '../registry/service';
import type { ObjectStore } from '../store/objectStore';
import type { TrainingService } from '../training/service';
import { alertRuleInputSchema } from '../../../shared/monitoring';
import { defaultRules, step } from './alerts';
import { byStart, driftOf, load, quantileFromBins, seriesValue, windowPoint, type AnalysisContext } from './analysis';
import { arrayLines, fileLineBlocks, fileLines } from './lines';
import { aliasAt, predictionAt, probsAt, rowOf, type ParsedBatch } from './parsedBatch';
import { parsedInWorker, type ParsedLines, type PartialWindow } from './parseWorker';
import { WorkerStartError } from '../workers/runWorker';
import { WarmWorkers } from '../workers/warmWorkers';
import { ESTIMATE_CAVEAT } from './performance';
import type { ReferenceProfile } from './profile';
import { RawLines, RawStore } from './rawStore';
import { writeLogRows, type LogRowsOutput } from './logDataset';
import { Duck } from '../db/duck';
import { RawCompaction } from './rawCompaction';
import { canonicalCopies, isDuplicateKeyError, rawRange, segmentFile, type RawPartsDeps } from './rawParts';
import { rangeRows, type RawColumn } from '../db/rawRowsSql';
import { acceptPrediction, checkLabel, checkOutcome, csvFields, labelFromCsv, outcomeFromCsv } from './records';
import { buildReference } from './reference';
import { carryOverRequests, RequestIndex, type PageColumns } from './requestIndex';
import { summaryOf as multivariateSummary } from './multivariate';
import { SAMPLE_MODEL, seedSampleHistory } from './sampleHistory';
import type { EngineApi } from '../../../shared/contract';
import { WindowSketch, type WindowJSON } from './windowSketch';
import { addRecord, probsOf } from './windowRecord';
import type { KllJSON } from '../sketches';
import { newId } from '../ids';

const BATCH = 20_000;
/** Logs from this size on are parsed on a worker thread (below it, starting one costs more than it saves). */
const PARSE_IN_WORKER_BYTES = 4 * 1024 * 1024;
const MAX_PROBLEMS = 100;
const DAY = 86_400_000;

export interface MonitoringDeps {
  db: Db;
  home: string;
  store: ObjectStore;
  events: EventBus;
  registry: RegistryService;
  training: TrainingService;
  /** The run's recorded split membership (issue 10's run_splits), when that exists. */
  membershipOf?: (runId: string) => { versionId: string; rows: number; encoding: string; parts: Uint8Array } | null;
}


/** A ref for monitoring: the model, and optionally one version or alias of it. */
interface MonitorRef {
  model: string;
  version: number | null;
  alias: string | null;
}

/** The monitoring subsystem (issue 11; docs/MONITORING.md). */
export class MonitoringService {
  readonly repo: MonitoringRepo;
  readonly raw: RawStore;
  /** The analytical engine raw rows are sealed and read with (opened at first use). */
  readonly duck: Duck;
  /** Seals closed windows' raw rows into Parquet parts. */
  readonly compaction: RawCompaction;
  private readonly profiles = new Map<string, ReferenceProfile>();
  private readonly building = new Map<string, Promise<ReferenceProfile>>();
  private readonly running = new Map<string, AbortController>();
  private readonly datasets: DatasetsRepo;
  private readonly reader: VersionReader;
  private readonly splits: SplitsRepo;
  /** The parse worker, kept warm between ingests (an HTTP ingest gets many logs): one idle at most, ended by `close`. */
  private readonly parseThreads = new WarmWorkers({ maxIdle: () => 1 });

  constructor(private readonly d: MonitoringDeps) {
    this.repo = new MonitoringRepo(d.db);
    this.raw = new RawStore(d.home);
    this.duck = new Duck(path.join(d.store.tmpDir, 'duckdb'));
    this.compaction = new RawCompaction({
      ...this.rawDeps(),
      columnsOf: (model) => this.rawColumns(model),
      windowMs: (model) => this.config(model).windowMinutes * 60_000,
    });
    this.datasets = new DatasetsRepo(d.db);
    this.reader = new VersionReader(d.store, this.datasets);
    this.splits = new SplitsRepo(d.db);
    // A killed ingest: its committed batches stay (re-running skips them by request id); files it
    // wrote after its last commit are removed.
    this.repo.markInterrupted();
    this.raw.reconcile(this.repo.segmentFiles(), this.repo.partFiles());
    // A workspace written before migration 13: its request index moves to integer keys once.
    carryOverRequests(this.repo);
  }

  // Refs and references ----------------------------------------------------------------------------

  parseRef(ref: string): MonitorRef {
    const at = ref.lastIndexOf('@');
    const model = at < 0 ? ref : ref.slice(0, at);
    const spec = at < 0 ? '' : ref.slice(at + 1);
    if (this.d.registry.versions(model).length === 0) this.d.registry.resolve(model);
    if (!spec) return { model, version: null, alias: null };
    if (/^v?\d+$/.test(spec)) return { model, version: Number(spec.replace(/^v/, '')), alias: null };
    if (spec === 'latest') return { model, version: this.d.registry.resolve(ref).number, alias: null };
    return { model, version: null, alias: spec };
  }

  /** The stored profile of a version, built now (training rows + held-out predictions) if missing. */
  async profileFor(model: string, number: number, rebuild = false): Promise<ReferenceProfile> {
    const v = this.d.registry.show(`${model}@${number}`);
    const cached = this.profiles.get(v.id);
    if (cached && !rebuild) return cached;
    if (!rebuild) {
      const stored = this.repo.reference(v.id);
      if (stored) {
        const p = JSON.parse(stored) as ReferenceProfile;
        this.profiles.set(v.id, p);
        // A profile that came in a bundle: its model gets a monitor and the default rules on first use.
        if (!this.repo.monitor(model)) this.repo.transaction(() => this.ensureMonitor(model, p));
        return p;
      }
    }
    let pending = this.building.get(v.id);
    if (!pending) {
      pending = this.build(model, number).finally(() => this.building.delete(v.id));
      this.building.set(v.id, pending);
    }
    return pending;
  }

  private async build(model: string, number: number): Promise<ReferenceProfile> {
    const v = this.d.registry.show(`${model}@${number}`);
    if (!v.runId) throw new LatheError('INVALID_INPUT', `${model}@${number} has no run; its training rows are unknown`, { where: 'ref' });
    const signature = v.signature as ModelSignature;
    const spec = this.d.training.specOf(v.runId);
    const data = resolveRef(this.datasets, `${signature.dataset}@${signature.dataVersion}`).version;
    const split = this.d.membershipOf?.(v.runId) ?? this.recordedSplit(v.runId);
    const profile = await buildReference({
      version: v,
      signature,
      spec,
      columns: await this.reader.columns(data),
      scan: (onRow) => this.reader.scan(data, onRow),
      membership: split && split.versionId === data.id && split.encoding === 'parts-2bit/1' ? { rows: split.rows, parts: split.parts } : null,
      predict: (rows) => this.d.registry.predict(v.id, rows),
    });
    this.repo.transaction(() => {
      this.repo.putReference({ versionId: v.id, model, number, source: profile.source, profile: JSON.stringify(profile) });
      this.ensureMonitor(model, profile);
    });
    this.profiles.set(v.id, profile);
    this.d.events.emit('monitor.reference', { model, version: number, versionId: v.id });
    return profile;
  }

  /** The run's recorded split membership (training writes it; issue 10), when its hash checks out. */
  private recordedSplit(runId: string): { versionId: string; rows: number; encoding: string; parts: Uint8Array } | null {
    const r = this.splits.get(runId);
    if (!r) return null;
    const parts = new Uint8Array(r.parts);
    return membershipHash(r.encoding, parts) === r.sha256 ? { versionId: r.version_id, rows: r.rows, encoding: r.encoding, parts } : null;
  }

  /** Stores a profile made elsewhere (a bundle, a serving folder) for a version of this workspace. */
  importProfile(profile: ReferenceProfile): void {
    const v = this.d.registry.show(profile.versionId);
    this.repo.putReference({ versionId: v.id, model: v.model, number: v.number, source: profile.source, profile: JSON.stringify({ ...profile, model: v.model, version: v.number }) });
    this.profiles.delete(v.id);
  }

  /** The stored profile JSON of a version, if any (for exports and bundles). */
  storedProfile(versionId: string): string | undefined {
    return this.repo.reference(versionId);
  }

  async reference(ref: string, rebuild: boolean): Promise<ReferenceSummary> {
    const v = this.d.registry.show(ref);
    const p = await this.profileFor(v.model, v.number, rebuild);
    const json = this.repo.reference(v.id) ?? JSON.stringify(p);
    return {
      model: v.model,
      version: v.number,
      versionId: v.id,
      createdAt: p.createdAt,
      source: p.source,
      trainRows: p.trainRows,
      heldOutRows: p.heldOutRows,
      features: p.features.map((f) => ({ name: f.name, kind: f.kind, bytes: JSON.stringify(f).length })),
      task: p.task,
      heldOut: p.heldOut,
      calibration: p.calibrationError,
      bytes: json.length,
    };
  }

  /** The engine's calls (set by the engine once built): the sample history goes through them. */
  api: EngineApi | null = null;

  /** The sample's monitored champion and its replayed history (sampleHistory.ts); once per workspace. */
  async sample(): Promise<{ model: string; requests: number; labels: number }> {
    if (!this.api) throw new LatheError('INTERNAL', 'the engine is still starting');
    if (this.repo.bounds(SAMPLE_MODEL).first !== null) throw new LatheError('CONFLICT', `${SAMPLE_MODEL} already has a production history`, { where: 'model', hint: 'Open it on the Monitor screen.' });
    return seedSampleHistory(this.api);
  }

  /** Registration hook: build the new version's profile in the background (failures are logged, lazily retried). */
  referenceSoon(model: string, number: number): void {
    void this.profileFor(model, number).catch((e: unknown) => {
      console.error(`lathe: the reference profile of ${model}@${number} could not be built now (it will be retried when monitored): ${(e as Error).message}`);
    });
  }

  // Config ----------------------------------------------------------------------------------------

  private ensureMonitor(model: string, profile: ReferenceProfile | null): void {
    if (this.repo.monitor(model)) return;
    this.repo.putMonitor(model, JSON.stringify({ windowMinutes: DEFAULT_WINDOW_MINUTES, valueMatrix: null, kpis: [], thresholds: 'default' }));
    for (const r of defaultRules(profile?.heldOut.accuracy ?? null, !!profile?.multivariate)) this.repo.insertRule({ id: newId(), model, name: r.name, builtin: true, rule: JSON.stringify(r) });
  }

  config(model: string): MonitorConfig {
    this.parseRef(model);
    const row = this.repo.monitor(model);
    const c = row ? (JSON.parse(row.config_json) as Partial<MonitorConfig>) : {};
    const fromEval = c.valueMatrix ? null : this.evaluationMatrix(model);
    return {
      model,
      windowMinutes: c.windowMinutes ?? DEFAULT_WINDOW_MINUTES,
      valueMatrix: c.valueMatrix ?? fromEval,
      valueSource: c.valueMatrix ? 'monitor' : fromEval ? 'evaluation' : 'none',
      kpis: c.kpis ?? [],
      thresholds: c.thresholds ?? 'default',
      createdAt: row?.created_at ?? 0,
    };
  }

  /** The value matrix of the newest evaluation of the model's latest version that has one. */
  evaluationMatrix: (model: string) => CostMatrix | null = () => null;

  configure(model: string, input: MonitorConfigInput): MonitorConfig {
    this.parseRef(model);
    const row = this.repo.monitor(model);
    const c = row ? (JSON.parse(row.config_json) as Record<string, unknown>) : {};
    if (row && input.windowMinutes !== undefined && input.windowMinutes !== (c.windowMinutes ?? DEFAULT_WINDOW_MINUTES) && this.repo.bounds(model).first !== null) {
      throw new LatheError('CONFLICT', `${model} already has windows of ${String(c.windowMinutes ?? DEFAULT_WINDOW_MINUTES)} minutes; the window length is fixed once logs are ingested`, { where: 'config.windowMinutes' });
    }
    const next = { ...c, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
    this.repo.transaction(() => {
      this.ensureMonitor(model, null);
      this.repo.putMonitor(model, JSON.stringify(next));
    });
    return this.config(model);
  }

  // Ingest ----------------------------------------------------------------------------------------

  /** Ends the idle parse worker (an ingest still running ends its own when it is done) and the analytical engine. */
  close(): void {
    this.parseThreads.close();
    this.compaction.close();
    this.duck.close();
  }

  cancel(task: string): { cancelled: boolean } {
    const c = this.running.get(task);
    c?.abort();
    return { cancelled: c !== undefined };
  }

  async ingest(i: { ref: string; files?: string[]; records?: unknown[]; task?: string }): Promise<IngestResult> {
    const ref = this.parseRef(i.ref);
    const ingestId = newId();
    const task = i.task ?? `monitor-ingest:${ingestId}`;
    const ac = new AbortController();
    this.running.set(task, ac);
    const started = Date.now();
    this.repo.startIngest(ingestId, ref.model, 'predictions', i.files ? i.files.join('\n').slice(0, 4000) : 'inline');
    const run = new IngestRun(this, ref, ingestId, this.config(ref.model).windowMinutes * 60_000);
    const progress = (done: number, total: number) => this.d.events.emit('task.progress', { task, label: `Ingesting logs of ${ref.model}`, phase: 'ingest', done, total });
    try {
      if (i.files && (await this.ingestParsedElsewhere(i.files, ref, run, progress, ac.signal))) {
        // Parsed on the worker thread.
      } else if (i.files) {
        for await (const b of fileLineBlocks(i.files, progress, ac.signal)) {
          for (let k = 0; k < b.lines.length; k++) {
            run.line(b.file, b.firstLine + k, b.lines[k]);
            if (run.pending >= BATCH) await run.flush();
          }
        }
      } else {
        const records = i.records ?? [];
        for (let k = 0; k < records.length; k++) {
          run.value('records', -1 - k, records[k]);
          if (run.pending >= BATCH) await run.flush();
        }
      }
      await run.flush();
    } catch (e) {
      this.repo.finishIngest(ingestId, 'failed', JSON.stringify({ error: (e as Error).message, accepted: run.result.accepted }));
      throw e;
    } finally {
      this.running.delete(task);
      this.compaction.touched();
    }
    const result = run.finish(ac.signal.aborted, Date.now() - started);
    this.repo.finishIngest(ingestId, result.cancelled ? 'cancelled' : 'done', JSON.stringify({ ...result, problems: result.problems.slice(0, 10) }));
    if (result.windows.length) {
      this.d.events.emit('monitor.windows', { model: ref.model, windows: result.windows, rows: result.accepted });
      this.evaluateAlerts(ref.model);
    }
    return result;
  }

  /**
   * Files parsed on a worker thread while this one indexes and sketches (parseWorker.ts), for logs
   * big enough to pay for starting it (LATHE_INGEST_PARSE=worker|inline overrides); false when not
   * used, or when no thread could start before anything was parsed (the caller then parses inline).
   */
  private async ingestParsedElsewhere(files: string[], ref: MonitorRef, run: IngestRun, progress: (done: number, total: number) => void, signal: AbortSignal): Promise<boolean> {
    const mode = process.env.LATHE_INGEST_PARSE;
    if (mode === 'inline') return false;
    if (mode !== 'worker') {
      let bytes = 0;
      for (const f of files) bytes += fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0;
      if (bytes < PARSE_IN_WORKER_BYTES) return false;
    }
    let received = false;
    // The stored profiles go with the job: the worker sketches those versions' rows (optimistically, see IngestRun.flush).
    const profiles: Record<number, ReferenceProfile> = {};
    for (const v of this.d.registry.versions(ref.model)) {
      const stored = this.profiles.get(v.id) ?? (this.repo.reference(v.id) ? (JSON.parse(this.repo.reference(v.id)!) as ReferenceProfile) : undefined);
      if (stored && (ref.version === null || v.number === ref.version)) profiles[v.number] = stored;
    }
    try {
      for await (const m of parsedInWorker({ files, model: ref.model, version: ref.version, windowMs: run.windowMs, profiles }, signal, this.parseThreads)) {
        received = true;
        run.counted(m);
        run.partial(m.windows);
        for (let k = 0; k < m.batch.n; k++) run.accept(m.batch, k, m.sketched[k] === 1);
        // At a batch's end only: the windows the worker built are whole batches.
        if (run.pending >= BATCH) await run.flush();
        progress(m.done, m.total);
      }
    } catch (e) {
      if (received || !(e instanceof WorkerStartError)) throw e;
      console.warn(`lathe: ${e.message}; parsing the logs on this thread`);
      return false;
    }
    return true;
  }

  /** Used by IngestRun: the window row for update inside a transaction. */
  loadWindow(model: string, start: number, version: number, alias: string, profile: ReferenceProfile): WindowSketch {
    const row = this.repo.window(model, start, version, alias);
    if (!row) return new WindowSketch(profile);
    return WindowSketch.fromJSON(profile, JSON.parse(row.sketch_json) as WindowJSON, JSON.parse(row.quantiles_json) as Record<string, KllJSON>);
  }

  // Labels and outcomes ---------------------------------------------------------------------------

  async labels(i: { ref: string; files?: string[]; labels?: unknown[] }): Promise<JoinResult> {
    return this.join(i.ref, i.files, i.labels, 'labels');
  }

  async outcomes(i: { ref: string; files?: string[]; outcomes?: unknown[] }): Promise<JoinResult> {
    return this.join(i.ref, i.files, i.outcomes, 'outcomes');
  }

  private async join(refText: string, files: string[] | undefined, inline: unknown[] | undefined, kind: 'labels' | 'outcomes'): Promise<JoinResult> {
    const ref = this.parseRef(refText);
    const model = ref.model;
    const res: JoinResult = { model, lines: 0, matched: 0, unmatched: 0, unmatchedIds: [], replaced: 0, malformed: 0, problems: [], windows: [] };
    const touched = new Set<number>();
    const index = new RequestIndex(this.repo, model);
    let batch: { where: string; value: unknown }[] = [];
    const problem = (where: string, message: string) => {
      res.malformed++;
      if (res.problems.length < MAX_PROBLEMS) res.problems.push({ where, message });
    };
    const apply = async () => {
      const checked = batch.map((b) => ({ where: b.where, c: kind === 'labels' ? checkLabel(b.value) : checkOutcome(b.value) }));
      batch = [];
      // Profiles first (async), then one transaction for the batch.
      const versions = new Set<number>();
      for (const x of checked) {
        if (!x.c.ok) continue;
        const req = index.find(x.c.record.requestId);
        if (req) versions.add(req.version);
      }
      const profiles = new Map<number, ReferenceProfile>();
      for (const v of versions) profiles.set(v, await this.profileFor(model, v));
      this.repo.transaction(() => {
        const cache = new Map<string, { w: WindowSketch; start: number; version: number; alias: string }>();
        for (const x of checked) {
          if (!x.c.ok) {
            problem(x.where, x.c.message);
            continue;
          }
          const rec = x.c.record;
          const req = index.find(rec.requestId);
          if (!req) {
            res.unmatched++;
            if (res.unmatchedIds.length < MAX_PROBLEMS) res.unmatchedIds.push(rec.requestId);
            continue;
          }
          const p = profiles.get(req.version)!;
          const key = `${req.windowStart}|${req.version}|${req.alias}`;
          let e = cache.get(key);
          if (!e) cache.set(key, (e = { w: this.loadWindow(model, req.windowStart, req.version, req.alias, p), start: req.windowStart, version: req.version, alias: req.alias }));
          const msg = 'label' in rec ? applyLabel(e.w, p, req.prediction, req.label, String(rec.label)) : applyOutcome(e.w, this.repo.outcome(model, rec.requestId, rec.outcome), rec.outcome, rec.value);
          if (typeof msg === 'string') {
            problem(x.where, msg);
            continue;
          }
          if (msg.replaced) res.replaced++;
          res.matched++;
          if ('label' in rec) index.setLabel(req, String(rec.label));
          else this.repo.putOutcome(model, rec.requestId, rec.outcome, rec.value);
          touched.add(req.windowStart);
        }
        index.flushLabels();
        for (const e of cache.values()) this.repo.putWindowSketch(model, e.start, e.version, e.alias, JSON.stringify(e.w.toJSON()));
      });
    };
    const push = async (where: string, value: unknown) => {
      batch.push({ where, value });
      if (batch.length >= BATCH) await apply();
    };
    if (files) {
      let header: string[] | null = null;
      for await (const line of fileLines(files, () => undefined)) {
        if (line.text.trim() === '') continue;
        res.lines++;
        let fields: string[];
        try {
          fields = csvFields(line.text);
        } catch (e) {
          problem(line.where, (e as Error).message);
          continue;
        }
        if (fields[0]?.toLowerCase() === 'request_id') {
          header = fields;
          res.lines--;
          continue;
        }
        await push(line.where, kind === 'labels' ? labelFromCsv(fields) : outcomeFromCsv(fields, header));
      }
    } else for (const r of arrayLines(inline ?? [], kind)) {
      res.lines++;
      await push(r.where, r.value);
    }
    await apply();
    res.windows = [...touched].sort((a, b) => a - b);
    if (res.windows.length) {
      this.d.events.emit('monitor.windows', { model, windows: res.windows, rows: 0 });
      this.evaluateAlerts(model);
    }
    return res;
  }

  // Reading ---------------------------------------------------------------------------------------

  private context(model: string): AnalysisContext {
    const cfg = this.config(model);
    const byVersion = new Map<number, ReferenceProfile | null>();
    return {
      profile: (version) => {
        if (!byVersion.has(version)) {
          let p: ReferenceProfile | null = null;
          try {
            const v = this.d.registry.show(`${model}@${version}`);
            const s = this.profiles.get(v.id) ?? (this.repo.reference(v.id) ? (JSON.parse(this.repo.reference(v.id)!) as ReferenceProfile) : null);
            if (s) this.profiles.set(v.id, s);
            p = s;
          } catch {
            p = null;
          }
          byVersion.set(version, p);
        }
        return byVersion.get(version) ?? null;
      },
      thresholds: cfg.thresholds,
      valueMatrix: cfg.valueMatrix,
      kpis: cfg.kpis,
    };
  }

  /** The range asked for: default the last 7 days that have windows. */
  private range(model: string, from?: string | number, to?: string | number): { from: number; to: number } {
    const parse = (t: string | number | undefined, name: string): number | null => {
      if (t === undefined) return null;
      // A CLI passes every value as text: digits alone are ms since 1970, as its help says.
      const ms = typeof t === 'number' ? t : /^-?\d+$/.test(t.trim()) ? Number(t) : Date.parse(t);
      if (!Number.isFinite(ms)) throw new LatheError('INVALID_INPUT', `${name} "${String(t)}" is not a time (ISO 8601 or ms since 1970)`, { where: name });
      return ms;
    };
    const b = this.repo.bounds(model);
    const end = parse(to, 'to') ?? (b.last !== null ? b.last + this.config(model).windowMinutes * 60_000 : Date.now());
    const start = parse(from, 'from') ?? (b.last !== null ? Math.max(b.first ?? 0, end - 7 * DAY) : end - 7 * DAY);
    if (start >= end) throw new LatheError('INVALID_INPUT', 'from must be before to', { where: 'from' });
    return { from: start, to: end };
  }

  private rowsOf(ref: MonitorRef, from: number, to: number) {
    return this.repo.windows(ref.model, from, to).filter((r) => (ref.version === null || r.version === ref.version) && (ref.alias === null || r.alias === ref.alias));
  }

  /**
   * A range's logged rows with their labels, written as a CSV in the model's input columns plus its
   * target (the caller imports it as a dataset version): raw records as served, not the window sketches.
   */
  async logRows(i: { ref: string; from?: string | number; to?: string | number; labelledOnly: boolean }, out: string): Promise<LogRowsOutput & { model: string; from: number; to: number }> {
    const ref = this.parseRef(i.ref);
    const { from, to } = this.range(ref.model, i.from, i.to);
    const version = this.d.registry.show(ref.version !== null ? `${ref.model}@${ref.version}` : ref.alias !== null ? `${ref.model}@${ref.alias}` : ref.model);
    const sig = version.signature as ModelSignature | null;
    if (!sig || sig.inputs.kind !== 'table') {
      throw new LatheError('INVALID_INPUT', `${ref.model} is not a table model: logged rows become a dataset only for table models`, { where: 'ref' });
    }
    const range = rawRange(this.rawDeps(), ref.model, from, to, this.d.store.tmpDir);
    try {
      if (range.parts.length + range.ndjson.length === 0) throw new LatheError('NOT_FOUND', `No logged rows of ${ref.model} between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`, { where: 'from', hint: 'Ingest prediction logs first (lathe monitor ingest), or widen the range.' });
      const columns = this.rawColumns(ref.model);
      const input = {
        total: range.rows,
        labels: this.repo.labelPages(ref.model, from, to),
        versions: this.repo.versionsIn(ref.model, from, to),
        columns: sig.inputs.columns.map((c) => c.name),
        target: sig.target,
        labelledOnly: i.labelledOnly,
        out,
        tmpDir: this.d.store.tmpDir,
      };
      const join = (ndjson: string[]) => writeLogRows(this.duck, { ...input, rows: rangeRows(range.parts, ndjson, columns)! });
      const canonical = path.join(this.d.store.tmpDir, `canonical-${newId()}`);
      const written = await join(range.ndjson)
        .catch((e: unknown) => {
          if (!isDuplicateKeyError(e)) throw e;
          return join(canonicalCopies(range.ndjson, canonical));
        })
        .catch((e: unknown) => {
          if (e instanceof LatheError) throw e;
          // DuckDB's own message names the file and line.
          throw new LatheError('BAD_FILE', `The logged rows of ${ref.model} could not be read: ${(e as Error).message}`, { where: 'ref', hint: 'Narrow the range to leave that window out, or fix the record in the named file.' });
        })
        .finally(() => fs.rmSync(canonical, { recursive: true, force: true }));
      if (written.rows === 0) {
        throw new LatheError('INVALID_INPUT', `None of the ${written.unlabelled} logged rows of ${ref.model} in the range has a label yet`, { where: 'labelledOnly', hint: 'Join labels first (lathe monitor labels), or set labelledOnly to false.' });
      }
      return { ...written, model: ref.model, from, to };
    } finally {
      range.release();
    }
  }

  private rawDeps(): RawPartsDeps {
    return { home: this.d.home, repo: this.repo, raw: this.raw, duck: this.duck };
  }

  private rawSummary(model: string, from: number, to: number): RawRowsSummary {
    const parts = this.repo.parts(model, from, to);
    const segments = this.repo.segments(model, from, to);
    return {
      sealedRows: parts.reduce((n, p) => n + p.rows, 0),
      parts: parts.length,
      partBytes: parts.reduce((n, p) => n + p.bytes, 0),
      landingRows: segments.reduce((n, s) => n + s.rows, 0),
      landingFiles: new Set(segments.map((s) => segmentFile(s.file))).size,
    };
  }

  /**
   * The input columns a model's versions declare, as raw rows keep them (`db/rawRowsSql.ts`): numeric
   * when the newest version declaring the column says so.
   */
  private rawColumns(model: string): RawColumn[] {
    const columns = new Map<string, RawColumn>();
    for (const v of this.d.registry.versions(model)) {
      const sig = v.signature as ModelSignature | null;
      if (sig?.inputs.kind !== 'table') continue;
      for (const c of sig.inputs.columns) if (!columns.has(c.name)) columns.set(c.name, { name: c.name, numeric: c.type === 'numeric' });
    }
    return [...columns.values()];
  }

  timeline(i: { ref: string; from?: string | number; to?: string | number }): MonitorTimeline {
    const ref = this.parseRef(i.ref);
    const { from, to } = this.range(ref.model, i.from, i.to);
    const ctx = this.context(ref.model);
    const cfg = this.config(ref.model);
    const windowMs = cfg.windowMinutes * 60_000;
    const starts = byStart(load(this.rowsOf(ref, from, to), ctx));
    const windows = [...starts].sort((a, b) => a[0] - b[0]).map(([s, v]) => windowPoint(s, windowMs, v, ctx).point);
    const versions = [...new Set(windows.flatMap((w) => w.versions))];
    const reference = versions.map((v) => {
      const p = ctx.profile(v)!;
      return { version: v, metrics: p.heldOut, valuePer1000: null, multivariate: multivariateSummary(p.multivariate) };
    });
    const withValue = windows.filter((w) => (w.value.realizedPer1000 ?? w.value.estimatedPer1000) !== null);
    const val = (w: (typeof windows)[number] | undefined) => (w ? (w.value.realizedPer1000 ?? w.value.estimatedPer1000) : null);
    return {
      model: ref.model,
      windowMinutes: cfg.windowMinutes,
      from,
      to,
      windows,
      aliasMoves: aliasMarkers(this.d.registry.aliasHistory(ref.model), from, to),
      reference,
      summary: { rows: windows.reduce((a, w) => a + w.rows, 0), firstValuePer1000: val(withValue[0]), lastValuePer1000: val(withValue[withValue.length - 1]), metric: ctx.profile(versions[0] ?? -1)?.task === 'regression' ? 'mae' : 'accuracy' },
      raw: this.rawSummary(ref.model, from, to),
      caveat: ESTIMATE_CAVEAT,
    };
  }

  /** The merged sketch of a range for the version that served most of it. */
  private merged(ref: MonitorRef, from: number, to: number): { sketch: WindowSketch | null; notes: string[] } {
    const ctx = this.context(ref.model);
    const ws = load(this.rowsOf(ref, from, to), ctx);
    const rowsBy = new Map<number, number>();
    for (const w of ws) rowsBy.set(w.version, (rowsBy.get(w.version) ?? 0) + w.sketch.rows);
    const focus = ref.version ?? [...rowsBy].sort((a, b) => b[1] - a[1])[0]?.[0];
    const notes: string[] = [];
    if (focus === undefined) return { sketch: null, notes };
    const mine = ws.filter((w) => w.version === focus);
    const left = ws.length - mine.length;
    if (left) notes.push(`${left} windows of other versions are left out: each version is compared with its own reference (this is version ${focus}).`);
    const sketch = mine.reduce((acc, w) => acc.merge(w.sketch), new WindowSketch(ctx.profile(focus)!));
    return { sketch, notes };
  }

  drift(i: { ref: string; from?: string | number; to?: string | number }): DriftReport {
    const ref = this.parseRef(i.ref);
    const { from, to } = this.range(ref.model, i.from, i.to);
    const cfg = this.config(ref.model);
    const { sketch, notes } = this.merged(ref, from, to);
    const base = { model: ref.model, from, to, thresholds: cfg.thresholds, notes: [...notes, ...DRIFT_NOTES] };
    if (!sketch) return { ...base, rows: 0, features: [], prediction: null, label: null, dataset: { drifting: 0, total: 0, share: 0, threshold: 0.5, drift: false } };
    const d = driftOf(sketch, cfg.thresholds);
    const drifting = d.features.filter((f) => f.drift).length;
    const total = d.features.length;
    return { ...base, rows: sketch.rows, ...d, dataset: { drifting, total, share: total ? drifting / total : 0, threshold: 0.5, drift: total > 0 && drifting / total >= 0.5 } };
  }

  feature(i: { ref: string; feature: string; from?: string | number; to?: string | number }): FeatureDetail {
    const ref = this.parseRef(i.ref);
    const { from, to } = this.range(ref.model, i.from, i.to);
    const cfg = this.config(ref.model);
    const ctx = this.context(ref.model);
    const { sketch } = this.merged(ref, from, to);
    const refCol = sketch?.ref.features.find((f) => f.name === i.feature);
    if (!sketch || !refCol) throw new LatheError('NOT_FOUND', `No windows of ${ref.model} with a feature "${i.feature}" in this range`, { where: 'feature', hint: sketch ? `Features: ${sketch.ref.features.map((f) => f.name).join(', ')}` : 'Ingest logs first: `lathe monitor ingest`.' });
    const drift = driftOf(sketch, cfg.thresholds).features.find((f) => f.feature === i.feature)!;
    const starts = byStart(load(this.rowsOf(ref, from, to), ctx));
    const series = [...starts].sort((a, b) => a[0] - b[0]).map(([s, v]) => {
      const p = windowPoint(s, cfg.windowMinutes * 60_000, v, ctx);
      const f = p.features.get(i.feature);
      return { start: s, rows: p.point.rows, statistic: f?.statistic ?? null, drift: f?.drift ?? null, psi: f?.psi ?? null, missing: f?.missing ?? 0, mean: f?.mean ?? null };
    });
    // Quantiles from the counts over the reference's fine bins (interpolated inside a bin), for both sides.
    let quantiles: FeatureDetail['quantiles'] = [];
    const col = sketch.features.get(i.feature);
    if (refCol.kind === 'numeric' && refCol.sketch.bins && col?.bins) {
      const rb = refCol.sketch.bins;
      const refVec = [rb.under, ...rb.counts, rb.over];
      const curVec = col.bins.vector();
      const m = col.moments;
      quantiles = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((q) => ({ q, reference: quantileFromBins(rb.edges, refVec, q, refCol.sketch.moments.min, refCol.sketch.moments.max), current: quantileFromBins(rb.edges, curVec, q, m.n ? m.min : null, m.n ? m.max : null) }));
    }
    return { model: ref.model, feature: i.feature, drift, series, quantiles };
  }

  list(): MonitoredModel[] {
    const out: MonitoredModel[] = [];
    const summaries = new Map(this.repo.models().map((m) => [m.model, m]));
    const names = new Set([...summaries.keys(), ...this.repo.rules().map((r) => r.model)]);
    for (const model of [...names].sort()) {
      const s = summaries.get(model);
      const rules = this.repo.rules(model);
      const firing = rules.filter((r) => r.state === 'firing').length;
      const pending = rules.filter((r) => r.state === 'pending').length;
      let driftShare: number | null = null;
      let headline: MonitoredModel['headline'] = null;
      let value = { estimated: null as number | null, realized: null as number | null };
      if (s && s.last !== null) {
        const cfg = this.config(model);
        const t = this.timeline({ ref: model, from: s.last - 23 * cfg.windowMinutes * 60_000, to: s.last + cfg.windowMinutes * 60_000 });
        const shares = t.windows.map((w) => w.driftShare).filter((x): x is number => x !== null);
        driftShare = shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : null;
        const last = t.windows[t.windows.length - 1];
        const lastLabelled = [...t.windows].reverse().find((w) => w.realized);
        const metric = t.summary.metric ?? 'accuracy';
        headline = { metric, estimated: last?.estimated?.[metric]?.value ?? null, realized: lastLabelled?.realized?.[metric] ?? null };
        value = { estimated: last?.value.estimatedPer1000 ?? null, realized: lastLabelled?.value.realizedPer1000 ?? null };
      }
      out.push({
        model,
        windows: s?.windows ?? 0,
        rows: s?.rows ?? 0,
        firstWindow: s?.first ?? null,
        lastWindow: s?.last ?? null,
        lastRows: s && s.last !== null ? this.repo.rowsAt(model, s.last) : 0,
        versions: this.repo.versions(model),
        driftShare,
        headline,
        valuePer1000: value,
        alerts: { firing, pending },
        state: !s ? 'no-data' : firing ? 'firing' : pending ? 'pending' : 'ok',
      });
    }
    return out;
  }

  // Alerts ----------------------------------------------------------------------------------------

  private toRule(r: RuleRow): AlertRule {
    // Parsed, not cast: rules stored before a field existed (resolveAfter) get its default.
    const rule = alertRuleInputSchema.parse(JSON.parse(r.rule_json));
    return { ...rule, id: r.id, model: r.model, name: r.name, builtin: r.builtin === 1, state: r.state as AlertState, since: r.since, lastValue: r.last_value, lastWindow: r.last_window };
  }

  alerts(model: string | undefined, limit: number): AlertsView {
    if (model !== undefined) this.parseRef(model);
    const rules = this.repo.rules(model).map((r) => this.toRule(r));
    const history = this.repo.history(model, limit).map((h) => ({ id: h.id, ruleId: h.rule_id, model: h.model, rule: h.rule, series: h.series, from: h.from_state as AlertState, to: h.to_state as AlertState, window: h.window, value: h.value, at: h.at }));
    return { rules, history, firing: rules.filter((r) => r.state === 'firing').length };
  }

  setRule(model: string, id: string | undefined, input: AlertRuleInput): AlertRule {
    this.parseRef(model);
    const rule = alertRuleInputSchema.parse(input);
    const name = rule.name ?? `${rule.series} ${rule.op} ${rule.threshold}${rule.forWindows > 1 ? ` for ${rule.forWindows} windows` : ''}`;
    const ruleId = id ?? newId();
    this.repo.transaction(() => {
      this.ensureMonitor(model, null);
      if (id) {
        const old = this.repo.rule(id);
        if (!old || old.model !== model) throw new LatheError('NOT_FOUND', `${model} has no alert rule ${id}`, { where: 'id' });
        this.repo.updateRule(id, name, JSON.stringify(rule));
      } else this.repo.insertRule({ id: ruleId, model, name, builtin: false, rule: JSON.stringify(rule) });
    });
    this.evaluateAlerts(model);
    return this.toRule(this.repo.rule(ruleId)!);
  }

  removeRule(id: string): { removed: boolean } {
    return { removed: this.repo.deleteRule(id) };
  }

  /** Steps every enabled rule of a model through the windows it has not seen yet, in time order. */
  evaluateAlerts(model: string): void {
    const rules = this.repo.rules(model).map((r) => ({ row: r, rule: this.toRule(r) })).filter((r) => r.rule.enabled);
    if (rules.length === 0) return;
    const b = this.repo.bounds(model);
    if (b.first === null || b.last === null) return;
    const oldest = Math.min(...rules.map((r) => (r.row.last_window ?? -Infinity) + 1));
    const ctx = this.context(model);
    const windowMs = this.config(model).windowMinutes * 60_000;
    const from = Number.isFinite(oldest) ? Math.max(oldest, b.first) : b.first;
    const points = [...byStart(load(this.repo.windows(model, from, b.last + 1), ctx))].sort((a, c) => a[0] - c[0]).map(([s, v]) => windowPoint(s, windowMs, v, ctx));
    const events: Parameters<EventBus['emit']>[1][] = [];
    this.repo.transaction(() => {
      for (const { row, rule } of rules) {
        let s = { state: row.state as AlertState, streak: row.streak, since: row.since };
        let lastValue = row.last_value;
        let lastWindow = row.last_window;
        for (const p of points) {
          if (lastWindow !== null && p.point.start <= lastWindow) continue;
          const value = seriesValue(p, rule.series);
          const { next, transitions } = step(s, rule, value, p.point.start);
          for (const t of transitions) {
            this.repo.addHistory({ rule_id: row.id, model, rule: rule.name, series: rule.series, from_state: t.from, to_state: t.to, window: p.point.start, value, at: Date.now() });
            events.push({ model, ruleId: row.id, rule: rule.name, series: rule.series, from: t.from, to: t.to, window: p.point.start, value, severity: rule.severity });
          }
          s = next;
          if (value !== null) lastValue = value;
          lastWindow = p.point.start;
        }
        this.repo.setRuleState(row.id, { state: s.state, since: s.since, streak: s.streak, lastValue, lastWindow });
      }
    });
    for (const e of events) this.d.events.emit('monitor.alert', e as never);
  }
}

const DRIFT_NOTES = [
  'Computed from window sketches, never raw rows: numeric columns over 50 bins with edges at the reference quantiles, categorical over the reference categories + other.',
  'KS: sup |F - G| at the bin edges (can be below the raw-data D by at most one bin); Wasserstein: CDFs piecewise linear inside bins, divided by the reference sd.',
];

/** Label joined to a window: confusion matrix (classification) or residual sums (regression). A replaced label is taken back first. */
function applyLabel(w: WindowSketch, p: ReferenceProfile, prediction: string, old: string | null, label: string): { replaced: boolean } | string {
  if (p.task === 'classification') {
    const labels = p.labels ?? [];
    const a = labels.indexOf(label);
    if (a < 0) return `label "${label.slice(0, 100)}" is not a class of ${p.model}@${p.version} (classes: ${labels.slice(0, 20).join(', ')})`;
    const j = labels.indexOf(prediction);
    if (j < 0) return `the logged prediction "${prediction.slice(0, 100)}" is not a class of the model`;
    const c = w.realized.confusion!;
    if (old !== null) {
      const ao = labels.indexOf(old);
      if (ao >= 0) {
        c[ao][j]--;
        w.realized.n--;
        w.label.top?.add(old, -1);
      }
    } else w.label.moments.addPresent();
    c[a][j]++;
    w.realized.n++;
    w.label.top?.add(label);
    return { replaced: old !== null };
  }
  const y = Number(label);
  if (!Number.isFinite(y) || label.trim() === '') return `label "${label.slice(0, 100)}" is not a number (the model is a regression)`;
  const yhat = Number(prediction);
  const r = w.realized;
  const take = (v: number, sign: number) => {
    const res = v - yhat;
    r.n += sign;
    r.sumAbs! += sign * Math.abs(res);
    r.sumSq! += sign * res * res;
    r.sumY! += sign * v;
    r.sumY2! += sign * v * v;
    r.sumRes! += sign * res;
  };
  if (old !== null && Number.isFinite(Number(old))) take(Number(old), -1);
  else w.addCell(w.label, y);
  take(y, 1);
  return { replaced: old !== null };
}

function applyOutcome(w: WindowSketch, old: number | undefined, outcome: string, value: number): { replaced: boolean } {
  const o = w.outcomes.get(outcome) ?? { n: 0, sum: 0, sumSq: 0, nonzero: 0 };
  if (old !== undefined) {
    o.n--;
    o.sum -= old;
    o.sumSq -= old * old;
    if (old !== 0) o.nonzero--;
  }
  o.n++;
  o.sum += value;
  o.sumSq += value * value;
  if (value !== 0) o.nonzero++;
  w.outcomes.set(outcome, o);
  return { replaced: old !== undefined };
}

/**
 * One ingest: lines are checked as they come; every BATCH records the batch is applied in one
 * transaction (request index, window sketches, raw segments), so a killed ingest leaves whole
 * batches and re-running it skips them by request id.
 */
class IngestRun {
  result: IngestResult;
  /** Accepted lines waiting for the batch (see Pending). */
  private buffer: Pending[] = [];
  /** Windows the parse worker built from the buffered rows marked `sketched`. */
  private partials: PartialWindow[] = [];
  private lastTime = -Infinity;
  private windows = new Set<number>();
  private readonly index: RequestIndex;

  constructor(
    private readonly svc: MonitoringService,
    private readonly ref: MonitorRef,
    ingestId: string,
    readonly windowMs: number,
  ) {
    this.index = new RequestIndex(svc.repo, ref.model);
    this.result = { model: ref.model, ingestId, lines: 0, accepted: 0, duplicates: 0, malformed: 0, problems: [], problemsTotal: 0, windows: [], future: 0, outOfOrder: 0, missingFields: 0, extraFields: 0, cancelled: false, rowsPerSecond: 0, rawSegments: 0 };
  }

  get pending(): number {
    return this.buffer.length;
  }

  private problem(where: string, message: string): void {
    this.result.malformed++;
    this.result.problemsTotal++;
    if (this.result.problems.length < MAX_PROBLEMS) this.result.problems.push({ where, message } satisfies LineProblem);
  }

  /** Line `line` of file `src` (1-based); a JSON line starts with "{", so a blank one is skipped cheaply. */
  line(src: string, line: number, text: string): void {
    if (text.length === 0 || (text.charCodeAt(0) !== 123 && text.trim() === '')) return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      this.result.lines++;
      this.problem(whereOf(src, line), `not JSON: ${(e as Error).message}`);
      return;
    }
    this.value(src, line, v, text);
  }

  /** A record of a file line (line > 0) or of an inline list (line = -1 - index). */
  value(src: string, line: number, v: unknown, text: string | null = null): void {
    this.result.lines++;
    const a = acceptPrediction(v, this.ref.model, this.ref.version, this.futureAfter);
    if (!a.ok) {
      if (a.future) this.result.future++;
      return this.problem(whereOf(src, line), a.message);
    }
    this.buffer.push({ src, line, rec: a.record, time: a.time, text, b: null, i: 0, sketched: false });
  }

  /** Lines judged by the parse worker: their counts and problems (in line order). */
  counted(m: ParsedLines): void {
    this.result.lines += m.lines;
    this.result.future += m.future;
    for (const p of m.problems) this.problem(p.where, p.message);
    this.result.malformed += m.problemsMore;
    this.result.problemsTotal += m.problemsMore;
  }

  /**
   * Row `i` of a batch the parse worker accepted (checked there as `value` checks it): read from the
   * batch's columns as needed (the record is rebuilt only when this thread sketches the row).
   */
  accept(b: ParsedBatch, i: number, sketched: boolean): void {
    this.buffer.push({ src: '', line: 0, rec: null, time: b.times[i], text: null, b, i, sketched });
  }

  partial(windows: PartialWindow[]): void {
    for (const w of windows) this.partials.push(w);
  }

  /** Times past this are in the future (refreshed each batch: Date.now() per line costs). */
  private futureAfter = futureLimit();

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const partials = this.partials;
    this.partials = [];
    const profiles = new Map<number, ReferenceProfile>();
    for (const v of new Set(batch.map(versionOf))) {
      try {
        profiles.set(v, await this.svc.profileFor(this.ref.model, v));
      } catch (e) {
        profiles.set(v, null as never);
        this.versionError = `${(e as Error).message}`;
      }
    }
    const repo = this.svc.repo;
    const written: string[] = [];
    this.futureAfter = futureLimit();
    const { rows, ids, keys } = this.rowsOf(batch, profiles);
    const index = this.index;
    try {
      repo.transaction(() => this.commit(batch, partials, rows, ids, keys, written));
    } catch (e) {
      // The transaction rolled back: the segments written for it are removed (or, if this process dies first, at the next start).
      if (written.length) this.svc.raw.reconcile(repo.segmentFiles(), repo.partFiles());
      index.forget();
      throw e;
    }
  }

  /** The rows with a profile, their window and probabilities, and their request keys (a row without its profile is a problem). */
  private rowsOf(batch: Pending[], profiles: Map<number, ReferenceProfile>): { rows: BatchRow[]; ids: string[]; keys: number[] } {
    const model = this.ref.model;
    const rows: BatchRow[] = [];
    const ids: string[] = [];
    const keys: number[] = [];
    for (const e of batch) {
      const version = versionOf(e);
      const p = profiles.get(version);
      if (!p) {
        this.problem(e.b ? whereOf(e.b.files[e.b.fileOf[e.i]], e.b.lineOf[e.i]) : whereOf(e.src, e.line), `${model}@${version}: no reference profile (${this.versionError ?? 'unknown version'})`);
        continue;
      }
      const start = Math.floor(e.time / this.windowMs) * this.windowMs;
      const id = e.b ? e.b.ids[e.i] : e.rec!.requestId;
      rows.push({ e, p, start, version, alias: (e.b ? aliasAt(e.b, e.i) : e.rec!.alias) ?? '', probs: e.b ? probsAt(e.b, e.i, p.labels) : probsOf(p, e.rec!) });
      ids.push(id);
      keys.push(this.index.keyOf(id));
    }
    return { rows, ids, keys };
  }

  /**
   * A batch in its transaction (flush): keys claimed, windows sketched or merged, pages and raw rows
   * written. A method, not the transaction's closure: a closure made anew at every flush with the
   * 20k-row loops inside was compiled on-stack (OSR) again at almost every batch (--trace-opt: ~15
   * TurboFan compiles of 150-380 ms each on V8's threads per 300k-row ingest).
   */
  private commit(batch: Pending[], partials: PartialWindow[], rows: BatchRow[], ids: string[], keys: number[], written: string[]): void {
    const model = this.ref.model;
    const repo = this.svc.repo;
    const index = this.index;
    const { windowOf, cache, rawByWindow } = this.openWindows(rows);
    const pageOf = new Array<number>(windowOf.length);
    for (let i = 0; i < windowOf.length; i++) pageOf[i] = windowOf[i].page.id;
    const fresh = index.claim(ids, keys, pageOf);
    // The worker's windows stand for its rows when every row of the batch is new and has its
    // profile here; otherwise (a duplicate among them) the rows are sketched here, one by one.
    let sketchedRows = 0;
    for (const r of rows) if (r.e.sketched) sketchedRows++;
    let all = fresh.length === rows.length;
    for (let i = 0; all && i < fresh.length; i++) if (!fresh[i]) all = false;
    const merge = all && partials.length > 0 && sketchedRows === batch.filter((b) => b.sketched).length;
    const n = this.addRows(rows, ids, fresh, windowOf, merge);
    if (merge) {
      for (const part of partials) {
        const e = cache.get(part.key);
        if (!e) throw new Error(`the parse worker's window ${part.key} has no rows here`);
        e.w.merge(WindowSketch.fromJSON(e.w.ref, part.sketch));
        n.missing += part.sketch.quality.missingFields;
        n.extra += part.sketch.quality.extraFields;
      }
    }
    for (const e of cache.values()) {
      if (e.page.ids.length === 0) continue;
      index.writePage(e.page);
      repo.putWindow({ model, version: e.version, alias: e.alias, start: e.start, rows: e.w.rows, sketch: JSON.stringify(e.w.toJSON()), quantiles: '{}' });
    }
    for (const [start, lines] of rawByWindow) {
      if (lines.rows === 0) continue;
      const seg = this.svc.raw.appendBytes(model, start, lines.take());
      written.push(seg.key);
      repo.addSegment({ file: seg.key, model, ingestId: this.result.ingestId, windowStart: start, rows: lines.rows, bytes: seg.end });
      this.windows.add(start);
    }
    this.result.accepted += n.accepted;
    this.result.duplicates += n.dup;
    this.result.outOfOrder += n.outOfOrder;
    this.result.missingFields += n.missing;
    this.result.extraFields += n.extra;
    this.result.rawSegments += written.length;
  }

  /**
   * Each row's window (and the page of the request index it goes to), loaded or begun in this
   * transaction: logs come in time order, so a row's window is mostly the previous row's. Raw rows
   * go to one file per window start, whatever their version and alias.
   */
  private openWindows(rows: BatchRow[]): { windowOf: OpenWindow[]; cache: Map<string, OpenWindow>; rawByWindow: Map<number, RawLines> } {
    const model = this.ref.model;
    const cache = new Map<string, OpenWindow>();
    const rawByWindow = new Map<number, RawLines>();
    const windowOf = new Array<OpenWindow>(rows.length);
    let nextPage = this.svc.repo.nextPageId();
    let last: OpenWindow | undefined;
    for (let i = 0; i < rows.length; i++) {
      const { p, start, version, alias } = rows[i];
      let e = last && last.start === start && last.version === version && last.alias === alias ? last : undefined;
      if (!e) {
        const key = `${start}|${version}|${alias}`;
        e = cache.get(key);
        if (!e) {
          let raw = rawByWindow.get(start);
          if (!raw) rawByWindow.set(start, (raw = new RawLines()));
          const page: PageColumns = { id: nextPage++, start, version, alias, ids: [], times: [], predictions: [], probs: [] };
          cache.set(key, (e = { w: this.svc.loadWindow(model, start, version, alias, p), start, version, alias, raw, page }));
        }
        last = e;
      }
      windowOf[i] = e;
    }
    return { windowOf, cache, rawByWindow };
  }

  /** The batch's new rows into their pages, windows (unless the worker's windows are merged) and raw lines; the counts. */
  private addRows(rows: BatchRow[], ids: string[], fresh: Uint8Array, windowOf: OpenWindow[], merge: boolean): { accepted: number; dup: number; outOfOrder: number; missing: number; extra: number } {
    const model = this.ref.model;
    const n = { accepted: 0, dup: 0, outOfOrder: 0, missing: 0, extra: 0 };
    for (let i = 0; i < rows.length; i++) {
      const { e: entry, p, probs } = rows[i];
      const { b, time } = entry;
      if (!fresh[i]) {
        n.dup++;
        continue;
      }
      const e = windowOf[i];
      const page = e.page;
      page.ids.push(ids[i]);
      page.times.push(time);
      page.predictions.push(String(b ? predictionAt(b, entry.i) : entry.rec!.output.prediction));
      page.probs.push(probs && probs.every(Number.isFinite) ? probs : null);
      if (!(merge && entry.sketched)) {
        const r = addRecord(e.w, p, b ? rowOf(b, entry.i, model).rec : entry.rec!, probs);
        n.missing += r.missing;
        n.extra += r.extra;
      }
      if (time < this.lastTime) {
        n.outOfOrder++;
        e.w.quality.outOfOrder++;
      } else this.lastTime = time;
      if (b) e.raw.addBytes(b.bytes, entry.i ? b.lineEnd[entry.i - 1] : 0, b.lineEnd[entry.i]);
      else e.raw.addText(entry.text ?? JSON.stringify(entry.rec));
      n.accepted++;
    }
    return n;
  }

  private versionError: string | undefined;

  finish(cancelled: boolean, ms: number): IngestResult {
    this.result.windows = [...this.windows].sort((a, b) => a - b);
    this.result.cancelled = cancelled;
    this.result.rowsPerSecond = ms > 0 ? Math.round((this.result.accepted / ms) * 1000) : 0;
    return this.result;
  }
}

/**
 * Alias moves inside [from, to), and before them each alias's last move before `from` (marked
 * `before`): what the alias pointed at when the range starts.
 */
export function aliasMarkers(history: readonly { at: number; alias: string; from: number | null; to: number | null; reason: string }[], from: number, to: number): AliasMarker[] {
  const earlier = new Map<string, AliasMarker>();
  const inside: AliasMarker[] = [];
  for (const m of [...history].sort((a, b) => a.at - b.at)) {
    const marker = { at: m.at, alias: m.alias, from: m.from, to: m.to, reason: m.reason };
    if (m.at < from) earlier.set(m.alias, { ...marker, before: true });
    else if (m.at < to) inside.push(marker);
  }
  return [...[...earlier.values()].sort((a, b) => a.at - b.at), ...inside];
}

/**
 * An accepted row waiting for its batch: a record checked here (`rec`, its source, time and text),
 * or row `i` of a batch the parse worker sent (`b`; `sketched` when one of its windows holds it).
 * One shape for both, so the batch's loops see one kind of object.
 */
interface Pending {
  src: string;
  line: number;
  rec: PredictionRecord | null;
  time: number;
  text: string | null;
  b: ParsedBatch | null;
  i: number;
  sketched: boolean;
}

/** A buffered row with its profile, window and probabilities (flush). */
interface BatchRow {
  e: Pending;
  p: ReferenceProfile;
  start: number;
  version: number;
  alias: string;
  probs: number[] | null;
}

/** A window a batch writes to: its sketch, raw lines (shared by the window start) and request page. */
interface OpenWindow {
  w: WindowSketch;
  start: number;
  version: number;
  alias: string;
  raw: RawLines;
  page: PageColumns;
}

function versionOf(e: Pending): number {
  return e.b ? e.b.versions[e.i] : e.rec!.version;
}

/** Where a buffered line came from, as problems name it: `file:line`, or `records[i]` inline. */
function whereOf(src: string, line: number): string {
  return line > 0 ? `${src}:${line}` : `${src}[${-1 - line}]`;
}

function futureLimit(): number {
  return Date.now() + FUTURE_TOLERANCE_MS;
}

// One record into its window (windowRecord.ts; also run by the parse worker); exported here for the tests that import it from the service.
export { addRecord } from './windowRecord';

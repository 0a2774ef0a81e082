import type { EngineApi } from '../../../shared/contract';
import type { StageDef } from '../../../shared/pipelines';
import type { Db } from '../db/connection';
import type { PipelinesRepo } from '../db/pipelinesRepo';
import type { EventBus } from '../events';
import type { Registry } from '../registry';
import type { ObjectStore } from '../store/objectStore';
import type { Tracking } from '../tracking';
import type { TrainingService } from '../training/service';
import type { SweepService } from '../sweeps/service';
import type { FileHashes } from './fileHashes';

/** What stages reach: the engine's own calls (validated like any door's) and a few services. */
export interface PipelineDeps {
  /** The workspace folder (pipelines made in the UI run from `<home>/pipelines/<name>`). */
  home: string;
  db: Db;
  api: EngineApi;
  events: EventBus;
  store: ObjectStore;
  tracking: Tracking;
  registry: Registry;
  training: TrainingService;
  sweeps: SweepService;
}

export interface StageContext {
  deps: PipelineDeps;
  repo: PipelinesRepo;
  files: FileHashes;
  pipeline: string;
  pipelineRun: string;
  stage: string;
  /** The folder relative paths in the definition are resolved from (the pipeline file's folder). */
  baseDir: string;
  /** Lathe's version and compute backend: the code of every built-in stage. */
  builtinCode: { lathe: string; backend: string };
  signal: AbortSignal;
  log(line: string): void;
}

export type Outputs = Record<string, string | boolean | number>;

export interface StageResult {
  outputs: Outputs;
  /** Output files (path relative to baseDir -> sha256), checked before a cache hit is served. */
  files?: Record<string, string>;
  /** A gate that did not pass: downstream stages are blocked with this reason. */
  blocked?: string;
}

export interface StageImpl<D extends StageDef = StageDef> {
  /** Content hashes of every input besides the definition itself (name -> hash). Cheap: lookups, stat-cached file hashes. */
  inputs(def: D, ctx: StageContext): Promise<Record<string, string>>;
  run(def: D, ctx: StageContext): Promise<StageResult>;
  /** null when a stored result still holds; else why it does not (an output gone or changed). */
  verify(def: D, prev: { outputs: Outputs; files: Record<string, string> }, ctx: StageContext): Promise<string | null>;
}

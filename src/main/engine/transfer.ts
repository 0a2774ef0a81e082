import type { ObjectStore } from './store/objectStore';
import type { Tracking } from './tracking';

/**
 * What a door moves that is bytes, not a contract call's JSON, and the one live thing a door process
 * does itself (`lathe run` watching a command). Everything else a door needs is a contract call through
 * `dispatch`; this small interface is all of the engine a door sees beyond it, so doors never reach into
 * the store, the database or a service.
 *
 * Used by: the MLflow door (artifact upload and download), the HTTP door's browser uploads, `lathe run`.
 */
export interface EngineTransfer {
  /** A fresh path under the workspace's tmp/ (the store's disk) for a body being received; the caller removes it. */
  tempPath(suffix: string): string;
  /** The folder browser uploads stream into, one sub-folder per batch (server/uploads.ts checks every segment). */
  readonly uploadRoot: string;
  /** Throws (NOT_FOUND, CONFLICT) when the run cannot take artifacts now: checked before a body is read. */
  checkArtifactUpload(runId: string): void;
  /** Stores a received file as a run's artifact (chunked into the store) and announces the change. */
  putArtifactFile(runId: string, path: string, file: string): Promise<void>;
  /** An artifact's size in bytes (NOT_FOUND when the run has none at that path). */
  artifactSize(runId: string, path: string): number;
  /** An artifact's bytes in pieces, each checked against its hash as it is read. */
  readArtifact(runId: string, path: string): Iterable<Buffer>;
  /** This process runs `runId` (`lathe run <command>`) until `release()`: see WatchedRun. */
  watchRun(runId: string): WatchedRun;
}

/** A run a door process executes itself: another Lathe process fails it if this one dies. */
export interface WatchedRun {
  /** Metric points, buffered and written in batches (the same writer trainers use). */
  log(key: string, value: number, step?: number): void;
  flush(): void;
  /** Replaces a log artifact (`stdout.txt`, `stderr.txt`) with the bytes so far. */
  putLog(name: string, bytes: Buffer): void;
  /** The command's process id, so a later start can tell a live run from a dead one. */
  setChild(pid: number): void;
  release(): void;
}

export function createTransfer(store: ObjectStore, tracking: Tracking): EngineTransfer {
  const runs = tracking.runs;
  return {
    tempPath: (suffix) => store.tempPath(suffix),
    uploadRoot: store.tmpDir,
    checkArtifactUpload: (runId) => runs.checkLoggable(runId, 'artifacts'),
    putArtifactFile: (runId, path, file) => runs.putArtifactFile(runId, path, file),
    artifactSize: (runId, path) => runs.artifacts.entry(runId, path).size,
    readArtifact: (runId, path) => runs.artifacts.stream(runId, path),
    watchRun(runId) {
      tracking.owners.claim(runId);
      const logger = runs.logger(runId);
      return {
        log: (key, value, step) => logger.log(key, value, step),
        flush: () => logger.flush(),
        putLog: (name, bytes) => void runs.artifacts.putBuffer(runId, name, bytes),
        setChild: (pid) => tracking.owners.setChild(runId, pid),
        release: () => tracking.owners.release(runId),
      };
    },
  };
}

/** What a door that stays up (`lathe serve`, the desktop app) keeps running while it lives. */
export interface EngineLive {
  /** Notice what other processes commit to the workspace (`lathe run`, an MLflow client) and announce it as events. */
  watchOtherWriters(): () => void;
  /** Pipeline triggers: schedules, watched datasets and folders, alerts. */
  startTriggers(): { stop(): void };
  /**
   * Load TF.js and probe the compute backends soon after start, while the door is idle: loading them
   * blocks the main thread for a few hundred ms, which a first training would otherwise pay in the
   * middle of the UI's work. (The CLI does not: most commands never train.)
   */
  warmCompute(): void;
  /**
   * Seal closed windows' raw logged rows into Parquet parts, at start and whenever ingests go quiet
   * (monitoring/rawCompaction.ts). The CLI does not: its commands end before the work would.
   */
  sealRawRows(): void;
}

// Types for scripts/electron-native.mjs (imported by tests and scripts/start.mjs).
export declare const root: string;
export declare const NATIVE_DIR: string;
export declare const SQLITE_BINARY: string;
export interface ElectronRuntime {
  installed: boolean;
  version: string | null;
  abi: string | null;
  executable: string | null;
  reason: string | null;
}
export declare function electronRuntime(projectRoot?: string, env?: NodeJS.ProcessEnv): ElectronRuntime;
export declare function sqliteBindingPath(projectRoot?: string, outDir?: string): string;
export interface ExpectedBuild {
  electron: string | null;
  abi: string | null;
  betterSqlite3: string | null;
  platform: string;
  arch: string;
}
export declare function expectedBuild(projectRoot?: string, arch?: string): ExpectedBuild;
export declare function sqliteBindingStatus(
  projectRoot?: string,
  opts?: { outDir?: string; arch?: string },
): { file: string; exists: boolean; upToDate: boolean; info: Record<string, unknown> | null; want: ExpectedBuild };
export declare function buildElectronSqlite(opts?: {
  projectRoot?: string;
  outDir?: string;
  force?: boolean;
  arch?: string;
  nodeHeaders?: string | null;
  log?: (message: string) => void;
}): { file: string; skipped: boolean };

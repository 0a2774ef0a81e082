/**
 * Which better-sqlite3 binary the Electron main process loads (see docs/ELECTRON.md, "Native ABI").
 * node_modules/better-sqlite3 always stays built for Node's ABI (CLI, tests, HTTP door); Electron gets
 * its own copy, passed to the engine as `nativeBinding`:
 * - packaged app: `<resources>/native/better_sqlite3.node` (copied in by electron-builder's extraResources)
 * - from the sources: `<project>/.lathe-electron/better_sqlite3.node` (built by scripts/electron-native.mjs)
 * - `LATHE_SQLITE_BINDING` overrides both.
 * Pure (no Electron import).
 */
import fs from 'node:fs';
import path from 'node:path';

export const ELECTRON_NATIVE_DIR = '.lathe-electron';
export const SQLITE_BINARY = 'better_sqlite3.node';

export interface BindingContext {
  isPackaged: boolean;
  /** process.resourcesPath */
  resourcesPath: string;
  /** The project folder (two levels above dist/main). */
  projectRoot: string;
  env?: NodeJS.ProcessEnv;
  exists?: (file: string) => boolean;
}

export function electronSqliteBinding(ctx: BindingContext): string | undefined {
  const env = ctx.env ?? process.env;
  const exists = ctx.exists ?? ((f: string) => fs.existsSync(f));
  if (env.LATHE_SQLITE_BINDING) return path.resolve(env.LATHE_SQLITE_BINDING);
  const candidate = ctx.isPackaged
    ? path.join(ctx.resourcesPath, 'native', SQLITE_BINARY)
    : path.join(ctx.projectRoot, ELECTRON_NATIVE_DIR, SQLITE_BINARY);
  return exists(candidate) ? candidate : undefined;
}

/** A readable explanation when the engine fails to open under Electron because of the native module. */
export function nativeLoadHint(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version|invalid ELF header|not a valid Win32 application|better_sqlite3\.node/i.test(message)) {
    return (
      'better-sqlite3 is not built for this Electron. Run "node scripts/electron-native.mjs" ' +
      '(needs network once, to fetch Electron\'s headers), then start Lathe again.'
    );
  }
  return undefined;
}

import os from 'node:os';
import path from 'node:path';

/**
 * Where the workspace lives: `LATHE_HOME`, else the platform's per-user data folder
 * (the same place Electron's app.getPath('userData') points at, without needing Electron).
 */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LATHE_HOME) return path.resolve(env.LATHE_HOME);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Lathe');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Lathe');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'lathe');
}
